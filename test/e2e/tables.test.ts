import assert from "node:assert/strict";
import jwt from "jsonwebtoken";
import { HoldfastClient, HoldfastError, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { http, signInGuest } from "../support/http.ts";
import { eventually, adminToken } from "../support/e2e.ts";
import { randomUUID } from "node:crypto";

const JWT_SECRET = "e2e-tables-secret-0123456789abcdef";



describe("tables and seats (e2e through the SDK)", function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let proxy: TcpProxy;
  const open: TableConnection[] = [];
  let admin: string;

  before(async () => {
    server = await spawnServer({
      env: { JWT_SECRET, SEAT_GRACE_SECONDS: "2", HEARTBEAT_SECONDS: "1" },
    });
    proxy = await startTcpProxy(server.port);
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    await proxy?.close();
    await server?.stop();
  });

  async function newTable(seats = 6, options: Record<string, unknown> = {}): Promise<string> {
    const tableId = `t-${randomUUID().slice(0, 8)}`;
    const res = await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats, options } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return tableId;
  }

  async function player(name: string, storage = new MemoryStorage(), url = proxy.url, tabSync = false) {
    const client = new HoldfastClient({ url, storage, heartbeatSeconds: 1, reconnect: { minDelayMs: 50, maxDelayMs: 500 }, tabSync });
    if (!(await client.auth.restore())) await client.auth.guest(name);
    return client;
  }

  async function join(client: HoldfastClient, tableId: string, options: { spectate?: boolean } = {}) {
    const conn = await client.tables.join(tableId, options);
    open.push(conn);
    return conn;
  }

  it("lists the seeded demo tables", async () => {
    const res = await http(server.url, "GET", "/api/tables");
    assert.equal(res.status, 200);
    const ids = res.body.map((t: { tableId: string }) => t.tableId);
    assert.ok(ids.includes("demo-holdem") && ids.includes("demo-dining"), JSON.stringify(ids));
    const demo = res.body.find((t: { tableId: string }) => t.tableId === "demo-holdem");
    assert.equal(demo.seats, 6);
    assert.equal(demo.kind, "holdem");
  });

  it("sit, abrupt drop, reconnect within grace: same seat, active, same stack; others saw away then active", async () => {
    const tableId = await newTable();
    const alice = await player("alice");
    const bob = await player("bob", new MemoryStorage(), server.url); // not behind the proxy
    const a = await join(alice, tableId);
    const b = await join(bob, tableId);
    const sat = await a.sit({ seat: 3, buyIn: 500 });
    assert.equal(sat.seat, 3);
    const seen: TableEvent[] = [];
    b.onEvent((e) => seen.push(e));
    const statuses: string[] = [];
    a.onStatus((s) => statuses.push(s));

    proxy.dropAll();
    await eventually(() => seen.some((e) => e.type === "seat.away" && e.data.seat === 3), 5000, "seat.away");
    const away = seen.find((e) => e.type === "seat.away")!;
    const graceMs = (away.data.awayUntil as number) - away.at;
    assert.ok(graceMs > 1500 && graceMs <= 2000, `awayUntil is the drop time + grace (${graceMs} ms)`);

    await eventually(() => a.status === "restored", 5000, "restored");
    await eventually(() => b.state.seats[3].status === "active", 5000, "active again");
    // A listener hears the current status at once, then every change.
    assert.deepEqual(statuses.slice(0, 3), ["connected", "reconnecting", "restored"]);
    assert.equal(a.seat, 3);
    assert.equal(b.state.seats[3].stack, 500);
    assert.equal(b.state.seats[3].userId, alice.auth.session!.userId);
    assert.ok(seen.some((e) => e.type === "seat.returned" && e.data.seat === 3));
  });

  it("a page refresh: a new SDK instance with the same storage gets the same seat", async () => {
    const tableId = await newTable();
    const storage = new MemoryStorage();
    const first = await player("carol", storage);
    const c1 = await join(first, tableId);
    await c1.sit({ seat: 1 });
    proxy.dropAll(); // the old page dies with its socket
    await c1.leave();

    const refreshed = await player("carol", storage); // restores the session from storage
    assert.equal(refreshed.auth.session!.userId, first.auth.session!.userId);
    const c2 = await join(refreshed, tableId);
    assert.equal(c2.seat, 1);
    await eventually(() => c2.state.seats[1].status === "active", 5000, "seat active after refresh");
  });

  it("grace expiry releases the seat, everyone sees it, and the old seat token is dead", async () => {
    const tableId = await newTable();
    const storage = new MemoryStorage();
    const dave = await player("dave", storage);
    const d = await join(dave, tableId);
    const { seatToken } = await d.sit({ seat: 2 });
    const watcher = await join(await player("watcher", new MemoryStorage(), server.url), tableId, { spectate: true });
    const seen: TableEvent[] = [];
    watcher.onEvent((e) => seen.push(e));
    await d.leave(); // gone without standing: the seat waits SEAT_GRACE_SECONDS=2

    await eventually(() => seen.some((e) => e.type === "seat.released" && e.data.reason === "grace_expired"), 6000, "release");
    await eventually(() => watcher.state.seats[2].status === "empty", 2000, "seat empty in state");
    await assert.rejects(
      dave.colyseus.joinOrCreate("table", { tableId, seatToken }),
      (err: unknown) => HoldfastError.from(err).code === "SEAT_TOKEN_REVOKED",
    );
  });

  it("rejects another user's token, another table's token, a tampered and an expired token, each with its code", async () => {
    const tableA = await newTable();
    const tableB = await newTable();
    const erin = await player("erin");
    const e = await join(erin, tableA);
    const { seatToken } = await e.sit({ seat: 0 });
    const frank = await player("frank");
    const code = (err: unknown) => HoldfastError.from(err).code;

    await assert.rejects(frank.colyseus.joinOrCreate("table", { tableId: tableA, seatToken }), (err) => code(err) === "SEAT_TOKEN_WRONG_USER");
    await assert.rejects(erin.colyseus.joinOrCreate("table", { tableId: tableB, seatToken }), (err) => code(err) === "SEAT_TOKEN_WRONG_TABLE");
    const [h, p, s] = seatToken.split(".");
    const tampered = `${h}.${p}.${s.slice(0, -2)}${s.endsWith("AA") ? "BB" : "AA"}`;
    await assert.rejects(erin.colyseus.joinOrCreate("table", { tableId: tableA, seatToken: tampered }), (err) => code(err) === "SEAT_TOKEN_INVALID");
    const claims = jwt.decode(seatToken) as Record<string, unknown>;
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, JWT_SECRET, { algorithm: "HS256" });
    await assert.rejects(erin.colyseus.joinOrCreate("table", { tableId: tableA, seatToken: expired }), (err) => code(err) === "SEAT_TOKEN_EXPIRED");
  });

  it("a spectator cannot sit in a taken seat or act, and stays connected", async () => {
    const tableId = await newTable();
    const gina = await join(await player("gina"), tableId);
    await gina.sit({ seat: 4 });
    const spec = await join(await player("spec"), tableId, { spectate: true });
    await assert.rejects(spec.sit({ seat: 4 }), (err: unknown) => HoldfastError.from(err).code === "SEAT_TAKEN");
    await assert.rejects(spec.act("check"), (err: unknown) => HoldfastError.from(err).code === "NOT_SEATED");
    await assert.rejects(spec.command("no-such-command", {}), (err: unknown) => HoldfastError.from(err).code === "VALIDATION_FAILED");
    await assert.rejects(spec.command("sit", { seat: "three" }), (err: unknown) => HoldfastError.from(err).code === "VALIDATION_FAILED");
    const hb = (await spec.room.request("hb", {})) as { serverTime: number };
    assert.ok(hb.serverTime > 0, "still connected and answered");
    assert.equal(spec.status, "connected");
    assert.ok(spec.state.spectators >= 1);
  });

  it("multi-tab takeover: the old connection is closed with 4409, the new one is seated", async () => {
    const tableId = await newTable();
    const storage = new MemoryStorage();
    const tab1 = await join(await player("hank", storage), tableId);
    await tab1.sit({ seat: 5 });
    const closed = new Promise<number>((resolve) => tab1.room.onLeave((code: number) => resolve(code)));
    const tab2 = await join(await player("hank", storage), tableId); // same storage: same user, same seat token
    assert.equal(await closed, 4409);
    assert.equal(tab2.seat, 5);
    await eventually(() => tab1.status === "replaced", 2000, "old tab told it was replaced");
    const hb = await tab2.room.request("hb", {});
    assert.ok(hb);
    assert.equal(tab2.state.seats[5].status, "active");
  });

  it("tab sync: a tab that was offline while another tab took its seat stops (replaced) instead of taking it back", async () => {
    const tableId = await newTable();
    const storage = new MemoryStorage();
    // Two "tabs" of one browser: same storage, same user; BroadcastChannel works in-process in Node too.
    const tab1 = await join(await player("kim", storage, proxy.url, true), tableId);
    await tab1.sit({ seat: 2 });
    proxy.setPaused(true); // tab1 goes offline: it never hears the 4409
    proxy.dropAll();
    await eventually(() => tab1.status === "reconnecting", 3000, "tab1 reconnecting");
    const notices: string[] = [];
    tab1.onTabNotice((n) => notices.push(n.kind));
    const tab2 = await join(await player("kim", storage, server.url, true), tableId); // straight to the server
    assert.equal(tab2.seat, 2);
    await eventually(() => tab1.status === "replaced", 3000, "tab1 replaced through the tab channel");
    assert.deepEqual(notices, ["seat-claimed"]);
    proxy.setPaused(false); // back online: tab1 must not reclaim the seat
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(tab1.status, "replaced");
    assert.equal(tab2.status, "connected");
    await tab2.room.request("hb", {});
    assert.equal(tab2.state.seats[2].status, "active");
  });

  it("command() sends what the server accepts for every command: resync and hb (which take no cid) too", async () => {
    const tableId = await newTable();
    const lee = await join(await player("lee"), tableId);
    await lee.sit({ seat: 1 });
    // Every command may carry a cid (contract); the SDK adds one to each.
    const replay = await lee.command("resync", { lastSeq: 0 });
    assert.ok(replay.events.some((e) => e.type === "seat.taken"));
    assert.equal(replay.toSeq, lee.lastSeq);
    const hb = await lee.command("hb", {});
    assert.ok(hb.graceSeconds > 0);
  });

  it("a duplicate cid is applied once and answered with the first answer", async () => {
    const tableId = await newTable();
    const ivy = await join(await player("ivy"), tableId);
    const events: TableEvent[] = [];
    ivy.onEvent((e) => events.push(e));
    const first = await ivy.command<{ seat: number; seatToken: string }>("sit", { seat: 0 }, "cid-1");
    const again = await ivy.command<{ seat: number; seatToken: string }>("sit", { seat: 0 }, "cid-1");
    assert.deepEqual(again, first);
    // The log (a resync from the start) has one seat.taken, and so has the live feed up
    // to the resync's answer (the same socket delivers in order).
    const log = await ivy.command<{ events: TableEvent[] }>("resync", { lastSeq: 0 });
    assert.equal(log.events.filter((e) => e.type === "seat.taken").length, 1);
    assert.equal(events.filter((e) => e.type === "seat.taken").length, 1);
    // A new cid is a new command: already seated.
    await assert.rejects(ivy.command("sit", { seat: 1 }, "cid-2"), (err: unknown) => HoldfastError.from(err).code === "ALREADY_SEATED");
  });

  it("events API (signed in) returns the table's events without seat token ids", async () => {
    const tableId = await newTable();
    const jo = await join(await player("jo"), tableId);
    await jo.sit({ seat: 1 });
    const { token } = await signInGuest(server.url, "reader");
    const res = await http(server.url, "GET", `/api/tables/${tableId}/events?after=0`, { token });
    assert.equal(res.status, 200);
    assert.equal(res.body.events[0].type, "seat.taken");
    assert.equal(res.body.events[0].data.tokenId, undefined);
    const bad = await http(server.url, "GET", `/api/tables/${tableId}/events?after=-1`, { token });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "VALIDATION_FAILED");
  });

  it("tables.events(tableId, {after, limit}) reads the events API; a bad query is VALIDATION_FAILED", async () => {
    const tableId = await newTable();
    await (await join(await player("kit"), tableId)).sit({ seat: 0 });
    await (await join(await player("lou"), tableId)).sit({ seat: 1 });
    const reader = await player("reader");
    const all = await reader.tables.events(tableId);
    assert.deepEqual(
      all.filter((e) => e.type === "seat.taken").map((e) => e.data.seat),
      [0, 1],
    );
    const seqs = all.map((e) => e.seq);
    const page = await reader.tables.events(tableId, { after: seqs[0], limit: 1 });
    assert.deepEqual(
      page.map((e) => e.seq),
      [seqs[1]],
    );
    await assert.rejects(reader.tables.events(tableId, { limit: 0 }), (err: unknown) => HoldfastError.from(err).code === "VALIDATION_FAILED");
    const anonymous = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
    await assert.rejects(anonymous.tables.events(tableId), (err: unknown) => HoldfastError.from(err).code === "UNAUTHORIZED");
  });
});
