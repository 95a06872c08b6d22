/**
 * The baseline of `npm run bench -- tables`: a bare Colyseus 0.18 server (the same
 * @colyseus/core, ws-transport and schema packages Holdfast runs on) with one room type,
 * `bare`, filtered by `tableId` like Holdfast's `table` room: a `MapSchema` of up to 10
 * players, `sit` and `cart.set` handlers that mutate the state and reply, and `hb`, which
 * replies without a change. No auth, log, lease or snapshot: what durability costs is
 * the difference. Dropped clients may reconnect (like Holdfast's seats), for the drop storm.
 *
 * Run as a child process: PORT (0 = any) in the environment; prints
 * `bare node listening {"port":N}` once it listens.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { defineRoom, defineServer, Room, type Client } from "@colyseus/core";
import { MapSchema, Schema, type } from "@colyseus/schema";
import { WebSocketTransport } from "@colyseus/ws-transport";

class BarePlayer extends Schema {
  @type("string") name: string = "";
  @type("int8") seat: number = -1;
  @type("uint8") quantity: number = 0;
  @type("boolean") connected: boolean = true;
}

class BareState extends Schema {
  @type("number") seq: number = 0;
  @type({ map: BarePlayer }) players = new MapSchema<BarePlayer>();
}

const GRACE_SECONDS = 60;

class BareRoom extends Room<{ state: BareState }> {
  override maxClients = 10;

  override onCreate(): void {
    this.setState(new BareState());
    this.onMessage("sit", (client: Client, msg: { seat?: number }) => {
      const player = this.state.players.get(client.sessionId)!;
      player.seat = msg?.seat ?? 0;
      return { seat: player.seat, seq: ++this.state.seq };
    });
    this.onMessage("cart.set", (client: Client, msg: { quantity?: number }) => {
      this.state.players.get(client.sessionId)!.quantity = msg?.quantity ?? 0;
      return { ok: true, seq: ++this.state.seq };
    });
    this.onMessage("hb", () => ({}));
    this.onMessage("*", () => undefined);
  }

  override onJoin(client: Client, options: { name?: string }): void {
    const player = new BarePlayer();
    player.name = options?.name ?? client.sessionId;
    this.state.players.set(client.sessionId, player);
  }

  override async onDrop(client: Client): Promise<void> {
    const player = this.state.players.get(client.sessionId);
    if (player) player.connected = false;
    await this.allowReconnection(client, GRACE_SECONDS).catch(() => undefined);
  }

  override onReconnect(client: Client): void {
    const player = this.state.players.get(client.sessionId);
    if (player) player.connected = true;
  }

  override onLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
  }
}

const httpServer = http.createServer();
const server = defineServer({
  rooms: { bare: defineRoom(BareRoom).filterBy(["tableId"]) },
  transport: new WebSocketTransport({ server: httpServer }),
  gracefullyShutdown: false,
  greet: false,
});
await server.listen(Number(process.env.PORT ?? 0));
console.log(`bare node listening ${JSON.stringify({ port: (httpServer.address() as AddressInfo).port })}`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
