import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Client as ColyseusClient, type Room } from "@colyseus/sdk";
import { adminToken } from "../support/e2e.ts";
import { http } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

/**
 * A session closed with 4401 (logout, or its expiresAt) must not come back through the
 * Colyseus reconnection token: the server closes with a code Colyseus treats as a drop,
 * so the room offered the socket a reconnection, which needs no access token. Before the
 * fix, a logged-out socket reconnected and could `sit` until the session's expiry, and
 * an expired one reconnected (marking its seat back active each time).
 */
const JWT_SECRET = "security-reconnect-secret-0123456789";
const SESSION_TTL = 6;

describe("security: no reconnection for an ended session", function () {
  this.timeout(90_000);
  let server: ServerProcess;
  let admin: string;
  const rooms: Room[] = [];

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, SESSION_TTL_SECONDS: String(SESSION_TTL) }, timeoutMs: 90_000 });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    // leave() on a socket the server already closed never settles: do not wait long.
    await Promise.all(rooms.map((r) => Promise.race([r.leave().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())])));
    await server?.stop();
  });

  /** A fresh guest joined (raw Colyseus SDK) to a fresh holdem table; resolves the close code. */
  async function joined() {
    const { token, expiresAt } = (await http(server.url, "POST", "/api/auth/guest", { body: { name: "ghost" } })).body as { token: string; expiresAt: string };
    const tableId = `rc-${randomUUID().slice(0, 8)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);
    const client = new ColyseusClient(server.url);
    client.auth.token = token;
    const room = await client.joinOrCreate("table", { tableId });
    rooms.push(room);
    room.reconnection.enabled = false; // the attacker reconnects by hand, with the token
    const closed = new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));
    return { client, room, token, expiresAt: new Date(expiresAt).getTime(), closed };
  }

  async function reconnectOutcome(client: ColyseusClient, reconnectionToken: string): Promise<string> {
    try {
      const again = await client.reconnect(reconnectionToken);
      rooms.push(again);
      // Joined again: can it act? (A refused command answers with an error.)
      const sat = await again.request("sit", { seat: 1 }).then(
        () => "sat",
        (err: { code?: string }) => `sit refused ${err?.code ?? String(err)}`,
      );
      return `reconnected, ${sat}`;
    } catch {
      return "refused";
    }
  }

  it("a logged-out socket cannot come back with its reconnection token", async () => {
    const { client, room, token, closed } = await joined();
    const reconnectionToken = room.reconnectionToken;
    assert.equal((await http(server.url, "POST", "/api/auth/logout", { token })).status, 204);
    assert.equal(await closed, 4401);
    assert.equal(await reconnectOutcome(client, reconnectionToken), "refused");
  });

  it("an expired session's socket cannot come back with its reconnection token", async () => {
    const { client, room, expiresAt, closed } = await joined();
    const reconnectionToken = room.reconnectionToken;
    assert.equal(await closed, 4401);
    assert.ok(Date.now() >= expiresAt - 50, "closed at expiry");
    assert.equal(await reconnectOutcome(client, reconnectionToken), "refused");
  });
});
