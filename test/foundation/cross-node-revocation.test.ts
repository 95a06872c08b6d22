/**
 * Logout on one node closes the session's sockets on another node with 4401 within a
 * second: two real server processes sharing Redis (presence pub/sub, session cache)
 * and a fresh Postgres database.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Client, type Room } from "@colyseus/sdk";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { sharedServices } from "../support/services.ts";

const REDIS_DB = 3;

/** `holdfast_connected_clients{room="ping"}` on one node. */
async function pingClients(node: ServerProcess): Promise<number> {
  const text: string = (await http(node.url, "GET", "/metrics")).body;
  const match = /^holdfast_connected_clients\{room="ping"\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

describe("cross-node session revocation", function () {
  let services: { env: Record<string, string>; cleanup(): Promise<void> } | undefined;
  let nodeA: ServerProcess | undefined;
  let nodeB: ServerProcess | undefined;
  let room: Room | undefined;
  let env: Record<string, string>;

  before(async function () {
    services = await sharedServices(this, "revocation", REDIS_DB);
    env = { ...services.env, JWT_SECRET: `revocation-${randomUUID()}` };
  });

  after(async function () {
    if (room?.connection?.isOpen) await room.leave(true).catch(() => undefined);
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await services?.cleanup();
  });

  it("closes a socket on node B with 4401 within 1000 ms of a logout on node A", async function () {
    // Node B starts alone, so the room it creates for our join is certainly its own;
    // node A joins the cluster afterwards and takes the logout.
    nodeB = await spawnServer({ env });
    const { token } = await signInGuest(nodeB.url, "roamer");

    const client = new Client(nodeB.url);
    client.auth.token = token;
    room = await client.joinOrCreate("ping");
    const pong = await room.request("ping", { t: 42 });
    assert.equal(pong.t, 42, "the socket works before the logout");
    const left = new Promise<{ code: number; at: number }>((resolve) => {
      room!.onLeave((code) => resolve({ code, at: performance.now() }));
    });

    nodeA = await spawnServer({ env });
    assert.equal(await pingClients(nodeB), 1, "the socket is on node B");
    assert.equal(await pingClients(nodeA), 0, "and not on node A");

    const started = performance.now();
    const logout = await http(nodeA.url, "POST", "/api/auth/logout", { token });
    assert.equal(logout.status, 204);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no close within 2000 ms")), 2000).unref(),
    );
    const { code, at } = await Promise.race([left, timeout]);
    const latency = Math.round(at - started);
    console.log(`      revocation close latency (logout on A → onLeave on B): ${latency} ms`);
    assert.equal(code, 4401);
    assert.ok(latency < 1000, `closed after ${latency} ms`);

    // Node B refuses the token too (HTTP and a new join), and no longer counts the socket.
    const session = await http(nodeB.url, "GET", "/api/auth/session", { token });
    assert.equal(session.status, 401);
    assert.equal(session.body?.error?.code, "UNAUTHORIZED");
    const again = new Client(nodeB.url);
    again.auth.token = token;
    await assert.rejects(again.joinOrCreate("ping"), /UNAUTHORIZED/);
    assert.equal(await pingClients(nodeB), 0);
  });
});
