import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import { adminToken, eventually } from "../support/e2e.ts";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

const JWT_SECRET = `operator-attacks-${randomUUID()}`;

/** The operator API under attack: odd input and dead credentials get contract codes, never a 500. */
describe("operator API: attacks", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let admin: string;

  before(async () => {
    // A long grace: an away seat stays away until the operator releases it.
    server = await spawnServer({ env: { JWT_SECRET, SEAT_GRACE_SECONDS: "600", HEARTBEAT_SECONDS: "1" } });
    admin = adminToken(JWT_SECRET);
  });
  const open: TableConnection[] = [];
  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    await server?.stop();
  });

  const call = (method: string, path: string, token?: string) => http(server.url, method, `/api/admin${path}`, { token });

  it("odd paths and queries are 4xx contract errors", async () => {
    const cases: [string, string, number, string][] = [
      ["POST", "/tables/%E0%A4%A/close", 400, "VALIDATION_FAILED"],
      ["POST", `/tables/${"a".repeat(5000)}/close`, 400, "VALIDATION_FAILED"],
      ["POST", "/tables/demo-holdem/seats/99999999999999999999/release", 400, "VALIDATION_FAILED"],
      ["POST", "/tables/demo-holdem/seats/1.5/release", 400, "VALIDATION_FAILED"],
      ["POST", "/tables/demo-holdem/seats/0x1/release", 400, "VALIDATION_FAILED"],
      ["POST", "/tables/demo-holdem/seats/1e0/release", 400, "VALIDATION_FAILED"],
      ["POST", "/tables/demo-holdem/seats/%20/release", 400, "VALIDATION_FAILED"],
      ["GET", "/orders?limit=-5", 400, "VALIDATION_FAILED"],
      ["GET", "/orders?limit=abc", 400, "VALIDATION_FAILED"],
      ["GET", "/orders?limit=0x10", 400, "VALIDATION_FAILED"],
      ["GET", "/orders?limit=", 400, "VALIDATION_FAILED"],
      ["GET", "/orders?status=pending&status=paid", 400, "VALIDATION_FAILED"],
      ["GET", "/orders?status[x]=1", 400, "VALIDATION_FAILED"],
      ["GET", "/orders?status=", 400, "VALIDATION_FAILED"],
      ["POST", `/sales/${"s".repeat(5000)}/pause`, 400, "VALIDATION_FAILED"],
      ["POST", "/sales/no-such-sale/resume", 404, "NOT_FOUND"],
      ["GET", "/tables/demo-holdem/close", 404, "NOT_FOUND"],
      ["GET", "/nope", 404, "NOT_FOUND"],
    ];
    const wrong: string[] = [];
    for (const [method, path, status, code] of cases) {
      const res = await call(method, path, admin);
      if (res.status !== status || res.body?.error?.code !== code) wrong.push(`${method} ${path.slice(0, 60)}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    assert.deepEqual(wrong, []);
  });

  it("a logged-out session, a forged token and a revoked grant lose access at once", async () => {
    const guest = await signInGuest(server.url, "leaver");
    assert.equal((await http(server.url, "POST", "/api/branches", { token: admin, body: { branchId: "ATK", name: "ATK" } })).status, 201);
    assert.equal((await http(server.url, "PUT", `/api/branches/ATK/staff/${guest.userId}`, { token: admin })).status, 200);
    assert.equal((await call("GET", "/scope", guest.token)).status, 200);
    assert.equal((await http(server.url, "DELETE", `/api/branches/ATK/staff/${guest.userId}`, { token: admin })).status < 300, true);
    const afterRevoke = await call("GET", "/scope", guest.token);
    assert.equal(afterRevoke.status, 403, JSON.stringify(afterRevoke.body));
    assert.equal((await http(server.url, "POST", "/api/auth/logout", { token: guest.token })).status < 300, true);
    const afterLogout = await call("GET", "/orders", guest.token);
    assert.equal(afterLogout.status, 401, JSON.stringify(afterLogout.body));
    const forged = adminToken(`not-${JWT_SECRET}`);
    const res = await call("GET", "/nodes", forged);
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "UNAUTHORIZED");
  });

  async function player(name: string) {
    const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage(), heartbeatSeconds: 1 });
    await client.auth.guest(name);
    return client;
  }

  async function join(client: HoldfastClient, tableId: string, options: { spectate?: boolean } = {}) {
    const conn = await client.tables.join(tableId, options);
    open.push(conn);
    return conn;
  }

  it("a released seat's old token does not take the seat back from its next sitter", async () => {
    const tableId = `atk-${randomUUID().slice(0, 8)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);
    const watcher = await join(await player("watcher"), tableId, { spectate: true });
    const old = await player("old-holder");
    const first = await join(old, tableId);
    await first.sit({ seat: 2 });
    await first.leave();
    await eventually(() => watcher.state.seats[2]?.status === "away", 30_000, "seat 2 away");

    const released = await call("POST", `/tables/${tableId}/seats/2/release`, admin);
    assert.equal(released.status, 200, JSON.stringify(released.body));
    await eventually(() => watcher.state.seats[2]?.status === "empty", 30_000, "seat 2 empty");
    const next = await join(await player("next-sitter"), tableId);
    await next.sit({ seat: 2 });
    await eventually(() => watcher.state.seats[2]?.status === "active", 30_000, "seat 2 taken again");
    const nextUser = watcher.state.seats[2].userId;

    // The old holder comes back with the seat token it kept: it must watch, not play seat 2.
    const back = await join(old, tableId);
    assert.equal(back.seat, null, "the old token reclaimed a released seat");
    assert.equal(watcher.state.seats[2].userId, nextUser);
    assert.equal(watcher.state.seats[2].status, "active");
    const stolen = await back.sit({ seat: 2 }).then(
      () => "sat",
      (err: { code?: string }) => err.code,
    );
    assert.equal(stolen, "SEAT_TAKEN");
  });
});
