/**
 * The durable table event log, leases and restore: one contract over the memory hot log
 * (embedded mode) and the Redis Streams hot log, both archived to Postgres (or PGlite).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { DurableTableEventLog, MemoryHotTableLog, RedisHotTableLog } from "../../server/src/continuity/durable-table-event-log.ts";
import { RedisSnapshotCache } from "../../server/src/continuity/snapshot-cache.ts";
import { TableArchive } from "../../server/src/continuity/table-archive.ts";
import { MemoryTableLeases, RedisTableLeases, type TableLeases } from "../../server/src/continuity/table-lease.ts";
import type { Database } from "../../server/src/db/database.ts";
import { RedisKeys } from "../../server/src/redis/keys.ts";
import type { LoggedEvent } from "../../server/src/tables/table-event-log.ts";
import { skipUnless, uniquePrefix } from "../support/services.ts";
import { CONTINUITY_REDIS_DB, silent, testDatabase, testRedis } from "./helpers.ts";

const events = (from: number, to: number, tableId = "t"): LoggedEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    seq: from + i,
    type: "seat.away",
    at: 1_700_000_000_000 + from + i,
    data: { seat: (from + i) % 6, userId: `u-${tableId}`, awayUntil: 5 },
    ...((from + i) % 3 === 0 ? { visibility: { seat: 1, userId: "u-1", handNo: 1 } } : {}),
  }));

const snapshotModel = (tableId: string, seq: number) => ({ tableId, kind: "holdem" as const, seq, seats: [], game: { pot: seq } });

describe("continuity: durable event log, leases, snapshots", function () {
  this.timeout(30_000);
  let database: { db: Database; drop(): Promise<void> };
  let redis: Redis | undefined;
  const archives: TableArchive[] = [];

  before(async () => {
    database = await testDatabase("contlog");
    redis = testRedis(CONTINUITY_REDIS_DB);
  });

  after(async () => {
    for (const a of archives) await a.close();
    redis?.disconnect();
    await database?.drop();
  });

  const archive = () => {
    const a = new TableArchive(database.db.pool, silent(), { flushMs: 20 });
    archives.push(a);
    return a;
  };

  const kinds: { name: string; redis: boolean; make: (retention: number) => DurableTableEventLog }[] = [
    { name: "memory hot log", redis: false, make: (retention) => new DurableTableEventLog(new MemoryHotTableLog(retention), archive()) },
    {
      name: "Redis Streams hot log",
      redis: true,
      make: (retention) =>
        new DurableTableEventLog(new RedisHotTableLog(redis!, new RedisKeys(uniquePrefix("contlog")), retention), archive()),
    },
  ];

  for (const kind of kinds) {
    describe(kind.name, () => {
      before(function () {
        if (kind.redis) skipUnless(this, Boolean(redis), "REDIS_URL (Redis Streams hot log)");
      });

      it("appends and reads back in order, with visibility", async function () {
        const log = kind.make(1000);
        const tableId = `t-${randomUUID()}`;
        await log.append(tableId, events(1, 3, tableId));
        await log.append(tableId, events(4, 10, tableId));
        const read = await log.readAfter(tableId, 2, 100);
        assert.equal(read.complete, true);
        assert.deepEqual(read.events, events(3, 10, tableId));
        const limited = await log.readAfter(tableId, 0, 4);
        assert.deepEqual(limited.events.map((e) => e.seq), [1, 2, 3, 4]);
        assert.deepEqual((await log.readAfter(tableId, 10, 100)).events, []);
      });

      it("when the hot log trimmed events, hotOnly says incomplete and a normal read falls back to Postgres", async function () {
        const log = kind.make(10);
        const tableId = `t-${randomUUID()}`;
        for (let s = 1; s <= 40; s += 4) await log.append(tableId, events(s, s + 3, tableId));
        const hot = await log.readAfter(tableId, 5, 100, { hotOnly: true });
        assert.equal(hot.complete, false, "the hot log no longer has seq 6");
        const full = await log.readAfter(tableId, 5, 100);
        assert.equal(full.complete, true);
        assert.deepEqual(full.events, events(6, 40, tableId));
        const restore = await log.readForRestore(tableId, 0);
        assert.deepEqual(restore.map((e) => e.seq), Array.from({ length: 40 }, (_, i) => i + 1));
      });

      it("a restore archives hot-log events a dead host never wrote to Postgres", async function () {
        const log = kind.make(1000);
        const tableId = `t-${randomUUID()}`;
        await log.append(tableId, events(1, 5, tableId));
        await log.hot.append(tableId, events(6, 9, tableId)); // in the hot log only
        const restored = await log.readForRestore(tableId, 0);
        assert.deepEqual(restored.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        await log.archive.flush();
        assert.deepEqual(await log.archive.readAfter(tableId, 0, 100), events(1, 9, tableId));
      });

      it("archives every event in Postgres, in batches", async function () {
        const log = kind.make(1000);
        const tableId = `t-${randomUUID()}`;
        await log.append(tableId, events(1, 250, tableId));
        await log.archive.flush();
        const { rows } = await database.db.pool.query("SELECT count(*)::int AS n, max(seq)::int AS max FROM table_events WHERE table_id = $1", [tableId]);
        assert.deepEqual(rows[0], { n: 250, max: 250 });
        assert.deepEqual(await log.archive.readAfter(tableId, 247, 10), events(248, 250, tableId));
      });
    });
  }

  it("Redis hot log: appends are fenced by the table's lease, and never go backwards", async function () {
    skipUnless(this, Boolean(redis), "REDIS_URL (Redis hot log fencing)");
    const r = redis!;
    const keys = new RedisKeys(uniquePrefix("fence"));
    const hot = new RedisHotTableLog(r, keys, 100);
    const leases = new RedisTableLeases(r, keys);
    const tableId = `t-${randomUUID()}`;
    assert.equal(await leases.acquire(tableId, "p1/r1", 5000), null);
    hot.fence(tableId, "p1/r1");
    await hot.append(tableId, events(1, 2));
    await assert.rejects(hot.append(tableId, events(2, 3)), /moved on/);
    assert.equal(await leases.takeover(tableId, "p1/r1", "p2/r2", 5000), true);
    await assert.rejects(hot.append(tableId, events(3, 3)), /no longer hosts/);
    assert.deepEqual((await hot.readAll(tableId, 0)).map((e) => e.seq), [1, 2]);
  });

  const leaseKinds: { name: string; redis: boolean; make: () => TableLeases }[] = [
    { name: "memory", redis: false, make: () => new MemoryTableLeases() },
    { name: "Redis", redis: true, make: () => new RedisTableLeases(redis!, new RedisKeys(uniquePrefix("lease"))) },
  ];
  for (const kind of leaseKinds) {
    it(`${kind.name} leases: one owner, renew only while held, release by owner, takeover only from the named owner`, async function () {
      if (kind.redis) skipUnless(this, Boolean(redis), "REDIS_URL (Redis leases)");
      const leases = kind.make();
      const t = `t-${randomUUID()}`;
      assert.equal(await leases.acquire(t, "a/1", 300), null);
      assert.equal(await leases.acquire(t, "b/2", 300), "a/1");
      assert.equal(await leases.renew(t, "a/1", 300), true);
      assert.equal(await leases.renew(t, "b/2", 300), false);
      await leases.release(t, "b/2"); // not the holder: nothing happens
      assert.equal(await leases.holder(t), "a/1");
      assert.equal(await leases.takeover(t, "x/9", "b/2", 300), false);
      assert.equal(await leases.takeover(t, "a/1", "b/2", 300), true);
      assert.equal(await leases.renew(t, "a/1", 300), false, "the old owner lost it");
      await leases.release(t, "b/2");
      assert.equal(await leases.holder(t), null);
      assert.equal(await leases.acquire(t, "c/3", 100), null);
      await new Promise((r) => setTimeout(r, 250));
      assert.equal(await leases.holder(t), null, "expired: free for anyone who looks");
      assert.equal(await leases.renew(t, "c/3", 100), false, "an expired lease someone may have taken meanwhile is not renewed");
      assert.equal(await leases.acquire(t, "d/4", 100), null, "and is free");
      if (!kind.redis) {
        // One process: expired while this thread was busy and untouched since, nobody else
        // can have held it, so the late renewal keeps it (a stall is not a takeover).
        await new Promise((r) => setTimeout(r, 250));
        assert.equal(await leases.renew(t, "d/4", 100), true);
        assert.equal(await leases.holder(t), "d/4");
      }
    });
  }

  it("snapshots: Postgres keeps the latest three", async function () {
    const a = archive();
    const tableId = `t-${randomUUID()}`;
    const model = (seq: number) => snapshotModel(tableId, seq);
    for (const seq of [5, 10, 15, 20]) await a.saveSnapshot({ seq, model: model(seq), takenAt: Date.now() });
    const { rows } = await database.db.pool.query("SELECT seq FROM table_snapshots WHERE table_id = $1 ORDER BY seq", [tableId]);
    assert.deepEqual(rows.map((r) => Number(r.seq)), [10, 15, 20]);
    assert.deepEqual((await a.latestSnapshot(tableId))?.model, model(20));
  });

  it("snapshots: Redis keeps the newest and never goes back", async function () {
    skipUnless(this, Boolean(redis), "REDIS_URL (Redis snapshot cache)");
    const tableId = `t-${randomUUID()}`;
    const model = (seq: number) => snapshotModel(tableId, seq);
    const cache = new RedisSnapshotCache(redis!, new RedisKeys(uniquePrefix("snap")));
    await cache.save({ seq: 20, model: model(20), takenAt: 1 });
    await cache.save({ seq: 15, model: model(15), takenAt: 2 });
    assert.equal((await cache.latest(tableId))?.seq, 20);
  });
});
