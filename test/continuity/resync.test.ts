/**
 * Resync through the SDK against a real server (Redis hot log with a small retention,
 * Postgres archive): a client that misses 20 events gets exactly those 20; after the hot
 * log trimmed what it missed, it gets a snapshot and then the tail after it. The
 * app-facing feed never has a gap or a duplicate. Prints the bytes of both paths next to
 * a full snapshot (the resync snapshot and the Colyseus full state of the same table).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { pack } from "msgpackr";
import { Encoder } from "@colyseus/schema";
import { HoldfastClient, HoldfastError, MemoryStorage, type TableConnection, type TableEvent, type TableSnapshot } from "@holdfast/client-sdk";
import { packEvents } from "@holdfast/shared";
import { TableState, projectTable } from "../../server/src/tables/table-schema.ts";
import type { TableModel } from "../../server/src/tables/table-model.ts";
import { http } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, flushRedisDb, testRedisUrl, uniquePrefix } from "../support/services.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { CONTINUITY_REDIS_DB, eventually } from "./helpers.ts";

const JWT_SECRET = `resync-${randomUUID()}`;
const RETENTION = 30;

describe("continuity: resync (missed events, then a trimmed hot log)", function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let proxy: TcpProxy;
  let redisUrl: string | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  const conns: TableConnection[] = [];

  before(async () => {
    redisUrl = await testRedisUrl(CONTINUITY_REDIS_DB);
    database = await createTestDatabase("resync");
    server = await spawnServer({
      env: {
        JWT_SECRET,
        REDIS_URL: redisUrl,
        DATABASE_URL: database?.url,
        REDIS_PREFIX: uniquePrefix("resync"),
        TABLE_LOG_RETENTION: String(RETENTION),
        SEAT_GRACE_SECONDS: "60",
      },
    });
    proxy = await startTcpProxy(server.port);
  });

  after(async () => {
    await Promise.all(conns.map((c) => c.leave().catch(() => undefined)));
    await proxy?.close();
    await server?.stop();
    await database?.drop();
    if (redisUrl) await flushRedisDb(redisUrl);
  });

  async function connect(name: string, tableId: string, url: string, spectate = false): Promise<TableConnection> {
    const client = new HoldfastClient({ url, storage: new MemoryStorage(), heartbeatSeconds: 1, reconnect: { minDelayMs: 50, maxDelayMs: 300 } });
    await client.auth.guest(name);
    const conn = await client.tables.join(tableId, { spectate });
    conns.push(conn);
    return conn;
  }

  it("20 missed events arrive exactly; trimmed ones are replaced by a snapshot and the tail; the feed has no gap or duplicate", async () => {
    const admin = jwt.sign({ sub: "u_resync_admin", sid: `s_${randomUUID()}`, name: "admin", roles: ["admin"], prv: true }, JWT_SECRET, {
      algorithm: "HS256",
      issuer: "holdfast",
      audience: "holdfast:access",
      expiresIn: 3600,
    });
    const tableId = `rs-${randomUUID().slice(0, 8)}`;
    const created = await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 10 } });
    assert.equal(created.status, 201);

    // The watcher sits behind the proxy (so it can be cut off); the players talk directly.
    const watcher = await connect("watcher", tableId, proxy.url, true);
    const feed: TableEvent[] = [];
    const snapshots: TableSnapshot[] = [];
    const errors: HoldfastError[] = [];
    watcher.onEvent((e) => feed.push(e));
    watcher.onSnapshot((s) => snapshots.push(s));
    watcher.onError((e) => errors.push(e));
    const players = await Promise.all(Array.from({ length: 5 }, (_, i) => connect(`p${i}`, tableId, server.url)));
    for (const [i, p] of players.entries()) await p.sit({ seat: i });
    await eventually(() => watcher.lastSeq === 5, 5000, "the watcher saw the five sits");

    /** `n` events: players stand up and sit down again, in turn. */
    async function play(n: number): Promise<void> {
      for (let k = 0; k < n; k++) {
        const p = players[Math.floor(k / 2) % players.length];
        if (k % 2 === 0) await p.stand();
        else await p.sit({ seat: players.indexOf(p) });
      }
    }
    async function whileAway(fn: () => Promise<void>): Promise<void> {
      proxy.setPaused(true);
      proxy.dropAll();
      await eventually(() => watcher.status === "reconnecting", 5000, "the watcher noticed the drop");
      await fn();
      proxy.setPaused(false);
      await eventually(() => watcher.status === "restored" || watcher.status === "connected", 10_000, "the watcher is back");
    }

    // 1. Miss 20 events the hot log still has: exactly those 20 arrive, in order.
    const before20 = watcher.lastSeq;
    await whileAway(() => play(20));
    await eventually(() => watcher.lastSeq === before20 + 20, 5000, "the 20 missed events");
    const missed = feed.filter((e) => e.seq > before20);
    assert.deepEqual(missed.map((e) => e.seq), Array.from({ length: 20 }, (_, i) => before20 + 1 + i));
    const logged = await http(server.url, "GET", `/api/tables/${tableId}/events?after=${before20}&limit=20`, { token: admin });
    assert.deepEqual(missed.map((e) => e.type), logged.body.events.map((e: TableEvent) => e.type));
    assert.equal(snapshots.length, 0, "no snapshot while the events are kept");
    const plainBytes = pack({ events: missed, fromSeq: before20 + 1, toSeq: before20 + 20 }).length;
    // What the SDK asked for and got: the 20 events packed.
    const packed = packEvents(missed);
    assert.ok(packed, "consecutive events pack");
    const eventsBytes = pack({ events: [], fromSeq: before20 + 1, toSeq: before20 + 20, packed }).length;
    assert.ok(eventsBytes * 3 < plainBytes, `packed ${eventsBytes} B vs plain ${plainBytes} B`);

    // 2. Miss more than the hot log keeps (RETENTION): a snapshot, then the tail after it.
    const beforeTrim = watcher.lastSeq;
    await whileAway(() => play(RETENTION + 10));
    await eventually(() => snapshots.length === 1, 5000, "a snapshot instead of trimmed events");
    const snapshot = snapshots[0];
    assert.ok(snapshot.seq >= beforeTrim + RETENTION + 10, `snapshot at ${snapshot.seq} covers what was missed`);
    assert.equal(watcher.lastSeq, snapshot.seq);
    await play(6);
    await eventually(() => watcher.lastSeq === snapshot.seq + 6, 5000, "the tail after the snapshot");
    const tail = feed.filter((e) => e.seq > snapshot.seq).map((e) => e.seq);
    assert.deepEqual(tail, [1, 2, 3, 4, 5, 6].map((i) => snapshot.seq + i));
    assert.equal(snapshot.seats.filter((s) => s.status !== "empty").length, players.length);
    const snapshotBytes = pack({ events: [], fromSeq: snapshot.seq + 1, toSeq: snapshot.seq, snapshot }).length;

    // The app-facing feed: strictly increasing by one, except the announced snapshot jump.
    for (let i = 1; i < feed.length; i++) {
      const jump = feed[i - 1].seq < snapshot.seq && feed[i].seq === snapshot.seq + 1;
      if (!jump) assert.equal(feed[i].seq, feed[i - 1].seq + 1, `no gap or duplicate at ${feed[i].seq}`);
    }
    assert.deepEqual(errors.map((e) => e.message), []);

    // The Colyseus full state of the same table, for scale.
    const model: TableModel = { tableId, kind: "dining", seq: snapshot.seq, game: null, seats: snapshot.seats.map((s) => ({ ...s, userId: s.userId || null, tokenId: null })) };
    const state = new TableState();
    projectTable(model, state);
    const fullStateBytes = new Encoder(state).encodeAll().length;
    console.log(
      `      resync bytes: 20 events ${eventsBytes} B packed (${plainBytes} B plain); snapshot reply ${snapshotBytes} B (ratio ${(eventsBytes / snapshotBytes).toFixed(2)}); ` +
        `Colyseus full state ${fullStateBytes} B (ratio ${(eventsBytes / fullStateBytes).toFixed(2)})`,
    );
  });
});
