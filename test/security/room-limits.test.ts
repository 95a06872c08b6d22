/**
 * Abuse limits against a real server through the SDK: per-user message budgets
 * (RATE_LIMITED with a retry hint, then 4429 for a socket that keeps flooding), a
 * victim at another table unaffected by a flood, sockets per user per room, no room
 * creation through the matchmaker, and the per-user matchmake rate limit.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Room } from "@colyseus/sdk";
import { CloseCode, HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import { adminToken, eventually } from "../support/e2e.ts";
import { http, type JsonResponse } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

const JWT_SECRET = "security-room-limits-secret-0123456789";
const ROOM_LIMITS = { light: { perSecond: 2, burst: 5 }, command: { perSecond: 1, burst: 3 }, floodStrikes: 10, socketsPerUser: 3 };
const RATE_LIMITS = {
  signin: { points: 1000, durationSeconds: 60 },
  default: { points: 100_000, durationSeconds: 60 },
  matchmakeUser: { points: 12, durationSeconds: 60 },
};

type Rejection = { name?: string; reason?: { code?: string; message?: string; retryAfterMs?: number } };

describe("security: room limits (e2e)", function () {
  this.timeout(90_000);
  let server: ServerProcess;
  let admin: string;
  const rooms: Room[] = [];
  const conns: TableConnection[] = [];

  before(async () => {
    server = await spawnServer({
      env: { JWT_SECRET, ROOM_LIMITS: JSON.stringify(ROOM_LIMITS), RATE_LIMITS: JSON.stringify(RATE_LIMITS) },
      timeoutMs: 90_000,
    });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    // A room the server closed never answers a leave: do not wait for those.
    const settle = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    await Promise.all([...conns.map((c) => settle(c.leave())), ...rooms.map((r) => settle(r.leave(true)))]);
    await server?.stop();
  });

  async function newTable(): Promise<string> {
    const tableId = `sec-${randomUUID().slice(0, 8)}`;
    const res = await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 6 } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return tableId;
  }

  async function guest(name: string): Promise<HoldfastClient> {
    const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage(), heartbeatSeconds: 3600 });
    await client.auth.guest(name);
    return client;
  }

  async function spectate(client: HoldfastClient, tableId: string): Promise<Room> {
    const room = await client.colyseus.joinOrCreate("table", { tableId, spectate: true });
    room.reconnection.enabled = false;
    rooms.push(room);
    return room;
  }

  function closeCode(room: Room): Promise<number> {
    return new Promise((resolve) => room.onLeave((code: number) => resolve(code)));
  }

  it("answers RATE_LIMITED with retryAfterMs past the budget, then closes a socket that keeps flooding with 4429", async () => {
    const tableId = await newTable();
    const room = await spectate(await guest("flooder"), tableId);
    const closed = closeCode(room);
    for (let i = 0; i < ROOM_LIMITS.light.burst; i++) await room.request("hb", {});
    const refused = (await room.request("hb", {}).then(
      () => assert.fail("the budget is spent"),
      (err: Rejection) => err,
    )) as Rejection;
    assert.equal(refused.reason?.code, "RATE_LIMITED");
    assert.ok((refused.reason?.retryAfterMs ?? 0) > 0 && refused.reason!.retryAfterMs! <= 1000, JSON.stringify(refused.reason));

    for (let i = 0; i < 200; i++) room.send("hb", {});
    assert.equal(await closed, CloseCode.MESSAGE_FLOOD);
  });

  it("shares one budget between a user's sockets, and charges commands on their own tighter budget", async () => {
    const tableId = await newTable();
    const user = await guest("two-tabs");
    const [a, b] = [await spectate(user, tableId), await spectate(user, tableId)];
    for (let i = 0; i < ROOM_LIMITS.light.burst; i++) await (i % 2 ? a : b).request("hb", {});
    await assert.rejects(b.request("hb", {}), (err: Rejection) => err.reason?.code === "RATE_LIMITED");
    // `stand` is a command: its own budget is untouched by the heartbeats (a spectator gets NOT_SEATED).
    await assert.rejects(a.request("stand", { cid: "c1" }), (err: Rejection) => err.reason?.code === "NOT_SEATED");
    for (let i = 1; i < ROOM_LIMITS.command.burst; i++) await a.request("stand", { cid: `c${i + 1}` }).catch(() => undefined);
    await assert.rejects(a.request("stand", { cid: "over" }), (err: Rejection) => err.reason?.code === "RATE_LIMITED");
  });

  it("keeps a seated player at another table connected and answered while one guest floods on 3 sockets", async () => {
    const victimTable = await newTable();
    const floodTable = await newTable();
    const victim = await guest("victim");
    const conn = await victim.tables.join(victimTable);
    conns.push(conn);
    await conn.sit({ seat: 2, buyIn: 1000 });
    const victimCloses: number[] = [];
    conn.room.onLeave((code: number) => victimCloses.push(code));

    const flooder = await guest("flood-3");
    const sockets = await Promise.all([0, 1, 2].map(() => spectate(flooder, floodTable)));
    const closed = sockets.map(closeCode);
    let flooding = true;
    const floods = sockets.map(async (room, i) => {
      let open = true;
      void closed[i].then(() => (open = false));
      while (flooding && open) {
        for (let n = 0; n < 100; n++) room.send("hb", {});
        await new Promise((r) => setImmediate(r));
      }
    });
    const slowest = { hb: 0, healthz: 0 };
    // The victim is probed while the flood lasts (until the server has closed every flooding
    // socket), and once more after: the server's backlog from the flood is behind it then.
    let floodOver = false;
    void Promise.all(closed).then(() => (floodOver = true));
    for (let probedAfterFlood = false; !probedAfterFlood; ) {
      probedAfterFlood = floodOver;
      let t0 = performance.now();
      await conn.room.request("hb", {}, { timeout: 10_000 });
      slowest.hb = Math.max(slowest.hb, performance.now() - t0);
      t0 = performance.now();
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      slowest.healthz = Math.max(slowest.healthz, performance.now() - t0);
      if (!probedAfterFlood) await new Promise((r) => setTimeout(r, 700)); // paced to the victim's own budget (2/s)
    }
    flooding = false;
    await Promise.all(floods);

    assert.deepEqual(await Promise.all(closed), [4429, 4429, 4429], "every flooding socket was closed for flooding");
    assert.deepEqual(victimCloses, [], "the victim's socket stayed open");
    assert.equal(conn.state.seats[2].userId, victim.auth.session?.userId);
    assert.ok(slowest.hb < 2000 && slowest.healthz < 2000, `victim hb and /healthz answered promptly: ${JSON.stringify(slowest)}`);
  });

  it("refuses a user's socket past socketsPerUser in a room, with others still welcome", async () => {
    const tableId = await newTable();
    const hog = await guest("hog");
    for (let i = 0; i < ROOM_LIMITS.socketsPerUser; i++) await spectate(hog, tableId);
    await assert.rejects(spectate(hog, tableId), /TOO_MANY_CONNECTIONS/);
    await spectate(await guest("newcomer"), tableId);
    // The ping room counts the same way.
    for (let i = 0; i < ROOM_LIMITS.socketsPerUser; i++) rooms.push(await hog.colyseus.joinOrCreate("ping", {}));
    await assert.rejects(hog.colyseus.joinOrCreate("ping", {}), /TOO_MANY_CONNECTIONS/);
  });

  it("lets a new socket take the slot of the user's dropped socket waiting to reconnect", async () => {
    const tableId = await newTable();
    const user = await guest("flaky");
    const held = [];
    for (let i = 0; i < ROOM_LIMITS.socketsPerUser; i++) held.push(await spectate(user, tableId));
    // An abrupt drop (no close frame): the server keeps a reconnection wait for it.
    const ws = (held[0].connection as unknown as { transport: { ws: { close(code?: number): void } } }).transport.ws;
    ws.close(4999); // a non-consented close: the server calls onDrop and waits
    await eventually(async () => (await spectate(user, tableId).then(() => true, () => false)), 10_000, "a new socket admitted");
  });

  it("does not let clients create rooms through the matchmaker", async () => {
    const user = await guest("creator");
    for (const room of ["ping", "sale", "feed", "table"]) {
      const res = await http(server.url, "POST", `/matchmake/create/${room}`, { token: user.auth.token, body: { tableId: "demo-holdem" } });
      assert.equal(res.status, 403, `${room}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "FORBIDDEN");
    }
    const roomsBefore = await roomGauge("table");
    await assert.rejects(user.colyseus.joinOrCreate("table", { tableId: "no-such-table" }), /NOT_FOUND/);
    await assert.rejects(user.colyseus.joinOrCreate("feed", { topics: ["admin"] }), /FORBIDDEN/);
    assert.equal(await roomGauge("feed"), 0, "no feed room for unauthorised topics");
    assert.ok((await roomGauge("table")) <= roomsBefore, "no table room for an unknown table");
  });

  it("rate-limits /matchmake per user with 429 RATE_LIMITED and Retry-After", async () => {
    const user = await guest("matchmaker");
    const statuses: number[] = [];
    let last: JsonResponse | undefined;
    for (let i = 0; i <= RATE_LIMITS.matchmakeUser.points; i++) {
      last = await http(server.url, "POST", "/matchmake/joinOrCreate/table", { token: user.auth.token, body: { tableId: "no-such-table" } });
      statuses.push(last.status);
    }
    assert.equal(statuses.filter((s) => s === 429).length, 1, JSON.stringify(statuses));
    assert.equal(last!.status, 429);
    assert.equal(last!.body.error.code, "RATE_LIMITED");
    assert.ok(Number(last!.headers.get("retry-after")) >= 1);
    // Another user is not affected.
    const other = await guest("other");
    const res = await http(server.url, "POST", "/matchmake/joinOrCreate/table", { token: other.auth.token, body: { tableId: "no-such-table" } });
    assert.notEqual(res.status, 429);
  });

  async function roomGauge(room: string): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`holdfast_rooms{room="${room}"}`));
    return line ? Number(line.split(" ").pop()) : 0;
  }
});
