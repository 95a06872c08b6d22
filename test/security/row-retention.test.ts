/**
 * Row retention (server/src/db/row-retention.ts) on embedded PGlite and on a real
 * Postgres database: idempotency keys past the replay window, cancelled and expired
 * orders (with their items) and long-expired sessions go, in batches; paid and pending
 * orders, recent rows, revoked-but-unexpired sessions stay. On by default; `off` has no job;
 * with Redis only the node holding a job's lease runs it.
 */
import assert from "node:assert/strict";
import { openDatabase, type Database } from "../../server/src/db/database.ts";
import { migrate } from "../../server/src/db/migrate.ts";
import { RowPruner, rowPruners, rowRetentionJobs } from "../../server/src/db/row-retention.ts";
import { loadConfig } from "../../server/src/config.ts";
import { RedisKeys } from "../../server/src/redis/keys.ts";
import { Redis } from "ioredis";
import { createTestDatabase, skipUnless, uniquePrefix } from "../support/services.ts";
import { silentLogger } from "../foundation/helpers.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-06-01T00:00:00Z");
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

async function ids(db: Database, sql: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(sql);
  return rows.map((r) => r.id).sort();
}

function rowRetentionContract(open: () => Promise<Database>): void {
  let db: Database;
  before(async () => {
    db = await open();
    await migrate(db);
    await db.pool.query("INSERT INTO users (user_id, name) VALUES ('u1', 'one')");
    await db.pool.query("INSERT INTO inventory (sku, total) VALUES ('rr-sku', 100) ON CONFLICT DO NOTHING");
  });
  after(async () => {
    await db?.close();
  });

  it("deletes idempotency keys past the replay window, in batches", async () => {
    for (let i = 0; i < 7; i++) {
      await db.pool.query("INSERT INTO idempotency_keys (user_id, scope, key, request_hash, created_at) VALUES ('u1', 'orders', $1, 'h', $2)", [`old-${i}`, ago(2)]);
    }
    await db.pool.query("INSERT INTO idempotency_keys (user_id, scope, key, request_hash, created_at) VALUES ('u1', 'orders', 'fresh', 'h', $1)", [ago(0.5)]);
    const deleted = await new RowPruner(db.pool, "idempotencyKeys", DAY, () => NOW, 3).prune();
    assert.equal(deleted, 7);
    assert.deepEqual(await ids(db, "SELECT key AS id FROM idempotency_keys"), ["fresh"]);
  });

  it("never deletes a request still in flight under its key, even with a replay window of 0 (until the claim is abandoned)", async () => {
    const insert = (key: string, agoMs: number, status: number | null) =>
      db.pool.query("INSERT INTO idempotency_keys (user_id, scope, key, request_hash, created_at, status_code) VALUES ('u1', 'zero', $1, 'h', $2, $3)", [
        key,
        new Date(NOW - agoMs).toISOString(),
        status,
      ]);
    await insert("in-flight", 1_000, null);
    await insert("done", 1_000, 201);
    await insert("abandoned", 31_000, null);
    await new RowPruner(db.pool, "idempotencyKeys", 0, () => NOW).prune();
    // A retry of the in-flight request must still get 409 CONFLICT, not run a second time.
    assert.deepEqual(await ids(db, "SELECT key AS id FROM idempotency_keys WHERE scope = 'zero'"), ["in-flight"]);
    await db.pool.query("DELETE FROM idempotency_keys WHERE scope = 'zero'");
  });

  it("deletes old cancelled and expired orders with their items; paid, pending and recent ones stay", async () => {
    const orders: [string, string, number][] = [
      ["o-cancelled-old", "cancelled", 100],
      ["o-expired-old", "expired", 100],
      ["o-paid-old", "paid", 100],
      ["o-pending-old", "pending", 100],
      ["o-expired-new", "expired", 10],
    ];
    for (const [id, status, age] of orders) {
      await db.pool.query("INSERT INTO orders (order_id, user_id, status, created_at, expires_at) VALUES ($1, 'u1', $2, $3, $3)", [id, status, ago(age)]);
      await db.pool.query("INSERT INTO order_items (order_id, hold_id, sku, quantity) VALUES ($1, $2, 'rr-sku', 1)", [id, `h-${id}`]);
    }
    assert.equal(await new RowPruner(db.pool, "orders", 90 * DAY, () => NOW, 1).prune(), 2);
    assert.deepEqual(await ids(db, "SELECT order_id AS id FROM orders"), ["o-expired-new", "o-paid-old", "o-pending-old"]);
    assert.deepEqual(await ids(db, "SELECT order_id AS id FROM order_items"), ["o-expired-new", "o-paid-old", "o-pending-old"]);
  });

  it("deletes sessions expired longer than the retention; revoked ones stay until they expire", async () => {
    const sessions: [string, number, boolean][] = [
      ["s-expired-long-ago", 10, false],
      ["s-expired-recently", 1, false],
      ["s-revoked-live", -3, true],
      ["s-live", -3, false],
    ];
    for (const [id, expiredDaysAgo, revoked] of sessions) {
      await db.pool.query("INSERT INTO sessions (session_id, user_id, expires_at, revoked_at) VALUES ($1, 'u1', $2, $3)", [
        id,
        ago(expiredDaysAgo),
        revoked ? ago(5) : null,
      ]);
    }
    assert.equal(await new RowPruner(db.pool, "sessions", 7 * DAY, () => NOW).prune(), 1);
    assert.deepEqual(await ids(db, "SELECT session_id AS id FROM sessions"), ["s-expired-recently", "s-live", "s-revoked-live"]);
  });

  it("is on by default, one leased job per table, and `off` removes a job", async () => {
    assert.deepEqual(rowPruners(db.pool, loadConfig({})).map((p) => p.job), ["idempotencyKeys", "orders", "sessions"]);
    const some = loadConfig({ ORDER_RETENTION_DAYS: "off", SESSION_RETENTION_DAYS: "off" });
    assert.deepEqual(rowPruners(db.pool, some).map((p) => p.job), ["idempotencyKeys"]);
    await db.pool.query("INSERT INTO idempotency_keys (user_id, scope, key, request_hash, created_at) VALUES ('u1', 'holds', 'ancient', 'h', $1)", [ago(400)]);
    const jobs = rowRetentionJobs({ pool: db.pool, config: some, redis: undefined, keys: new RedisKeys("t:"), logger: silentLogger() });
    assert.equal(jobs.length, 1);
    await jobs[0].runOnce();
    assert.deepEqual(await ids(db, "SELECT key AS id FROM idempotency_keys WHERE scope = 'holds'"), []);
  });
}

describe("security: row retention (idempotency keys, orders, sessions)", function () {
  this.timeout(60_000);

  describe("embedded PGlite", function () {
    rowRetentionContract(() => openDatabase({ dataDir: ":memory:", logger: silentLogger() }));
  });

  describe("Postgres", function () {
    let drop: (() => Promise<void>) | undefined;
    let url: string | undefined;
    before(async function () {
      skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL (row retention on Postgres)");
      const created = (await createTestDatabase("rowretention"))!;
      drop = created.drop;
      url = created.url;
    });
    rowRetentionContract(() => openDatabase({ databaseUrl: url!, dataDir: ":memory:", logger: silentLogger() }));

    it("with Redis, one node at a time runs a job (its lease)", async function () {
      // DB 0 shared with the store suites: keys under a prefix of this test's own.
      const redisUrl = process.env.REDIS_URL;
      skipUnless(this, Boolean(redisUrl), "REDIS_URL (the jobs' lease)");
      const db = await openDatabase({ databaseUrl: url!, dataDir: ":memory:", logger: silentLogger() });
      const redis = new Redis(redisUrl!);
      const keys = new RedisKeys(uniquePrefix("rowretention"));
      const config = loadConfig({ ORDER_RETENTION_DAYS: "off", SESSION_RETENTION_DAYS: "off" });
      const [nodeA] = rowRetentionJobs({ pool: db.pool, config, redis, keys, logger: silentLogger() });
      const [nodeB] = rowRetentionJobs({ pool: db.pool, config, redis, keys, logger: silentLogger() });
      const oldKey = (key: string) =>
        db.pool.query("INSERT INTO idempotency_keys (user_id, scope, key, request_hash, created_at) VALUES ('u1', 'lease', $1, 'h', now() - interval '400 days')", [key]);
      try {
        await oldKey("first");
        await nodeA.runOnce();
        assert.deepEqual(await ids(db, "SELECT key AS id FROM idempotency_keys WHERE scope = 'lease'"), [], "the node holding the lease pruned");
        await oldKey("second");
        await nodeB.runOnce();
        assert.deepEqual(await ids(db, "SELECT key AS id FROM idempotency_keys WHERE scope = 'lease'"), ["second"], "the other node left it");
        await nodeA.stop(); // releases the lease
        await nodeB.runOnce();
        assert.deepEqual(await ids(db, "SELECT key AS id FROM idempotency_keys WHERE scope = 'lease'"), []);
      } finally {
        await nodeA.stop();
        await nodeB.stop();
        redis.disconnect();
        await db.close();
      }
    });

    after(async () => {
      await drop?.();
    });
  });
});
