/**
 * `npm start` as an operator (or a container's init) runs it: SIGTERM to the npm
 * process must reach the server (npm -> with-node -> server), which drains: the seated
 * client is closed with 4503 and seated again on the other node, and every process of
 * the stopped node (npm, wrapper, server) is gone within the grace time, exit code 0.
 * Before the scripts `exec`ed, sh died with npm and the server ran on as an orphan.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import { Client as ColyseusClient, type Room } from "@colyseus/sdk";
import { adminToken } from "../../tools/src/loadtest/common.ts";
import { http, signInGuest } from "../support/http.ts";
import { freePort, isRunning, processTree, spawnServer, type ServerProcess } from "../support/server-process.ts";
import { sharedServices } from "../support/services.ts";
import { eventually } from "../continuity/helpers.ts";

const REDIS_DB = 12;
const JWT_SECRET = `npm-signals-${randomUUID()}`;
/** main.ts forces an exit after 15 s of draining; a little more for npm to follow. */
const GRACE_MS = 20_000;

describe("npm start forwards SIGTERM to the server (drain, 4503, nothing left behind)", function () {
  this.timeout(240_000);
  let services: Awaited<ReturnType<typeof sharedServices>> | undefined;
  let nodeA: ServerProcess | undefined;
  let viaNpm: ServerProcess | undefined;
  let client: HoldfastClient | undefined;
  let conn: TableConnection | undefined;
  let spectator: Room | undefined;

  before(async function () {
    services = await sharedServices(this, "npmsignals", REDIS_DB);
    const env = { ...services.env, JWT_SECRET, SEAT_GRACE_SECONDS: "60", HEARTBEAT_SECONDS: "1", TABLE_LEASE_SECONDS: "3" };
    const [portA, portB] = await Promise.all([freePort(), freePort()]);
    // allSettled: a node that started is stopped in after() even when the other failed.
    const [a, b] = await Promise.allSettled([
      spawnServer({ port: portA, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portA}` } }),
      spawnServer({ port: portB, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portB}` }, viaNpm: true }),
    ]);
    if (a.status === "fulfilled") nodeA = a.value;
    if (b.status === "fulfilled") viaNpm = b.value;
    for (const r of [a, b]) if (r.status === "rejected") throw r.reason;
  });

  after(async function () {
    await conn?.leave().catch(() => undefined);
    // The drain closed the spectator's room: leave() on a closed connection never settles.
    if (spectator?.connection?.isOpen) await spectator.leave(true).catch(() => undefined);
    await Promise.all([nodeA?.stop(), viaNpm?.kill()]);
    await services?.cleanup();
  });

  it("SIGTERM to npm: the client gets 4503 and is seated on the other node; npm, wrapper and server exit within the grace", async () => {
    const tableId = `sig-${randomUUID().slice(0, 8)}`;
    const created = await http(nodeA!.url, "POST", "/api/tables", { token: adminToken(JWT_SECRET), body: { tableId, kind: "dining", seats: 4 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // The table's room opens on the npm-started node (a spectator asks it directly).
    const { token } = await signInGuest(viaNpm!.url, "host");
    const colyseus = new ColyseusClient(viaNpm!.url);
    colyseus.auth.token = token;
    spectator = await colyseus.joinOrCreate("table", { tableId, spectate: true });
    spectator.onMessage("*", () => undefined);

    client = new HoldfastClient({ url: nodeA!.url, storage: new MemoryStorage(), heartbeatSeconds: 1, reconnect: { minDelayMs: 50, maxDelayMs: 500 } });
    await client.auth.guest("player");
    conn = await client.tables.join(tableId);
    await conn.sit({ seat: 1 });
    const codes: number[] = [];
    conn.room.onLeave((code: number) => codes.push(code));

    const npmPid = viaNpm!.proc.pid!;
    const tree = processTree(npmPid);
    assert.ok(tree.length >= 3, `npm, the wrapper and the server run: ${tree.join(",")}`);
    const signalledAt = Date.now();
    process.kill(npmPid, "SIGTERM");

    await eventually(() => tree.every((pid) => !isRunning(pid)), GRACE_MS, `every process of the npm-started node gone (${tree.join(",")})`);
    const goneMs = Date.now() - signalledAt;
    console.log(`      SIGTERM to npm -> ${tree.length} processes gone in ${goneMs} ms`);
    await eventually(() => viaNpm!.proc.exitCode !== null || viaNpm!.proc.signalCode !== null, 5000, "npm's exit seen");
    assert.equal(viaNpm!.proc.exitCode, 0, `npm exited with the server's code 0:\n${viaNpm!.output().slice(-2000)}`);
    assert.match(viaNpm!.output(), /shutting down/, "the server itself received the signal");

    assert.deepEqual(codes, [4503], "drained with 4503");
    const seated = conn;
    await eventually(() => seated.status === "restored", 30_000, "the player is back");
    await eventually(() => seated.state.seats[1]?.status === "active", 10_000, "seat 1 active again");
    assert.equal(seated.state.seats[1].userId, client.auth.session!.userId, "same player on the same seat");
  });
});
