/**
 * `table_events` retention (server/src/continuity/event-retention.ts) on embedded PGlite
 * and on a real Postgres database: only events behind the latest snapshot, more than
 * EVENT_RETENTION_KEEP behind it and older than EVENT_RETENTION_DAYS go; events after the
 * snapshot and tables without one are never touched; the leased job does the same.
 */
import assert from "node:assert/strict";
import { openDatabase, type Database } from "../../server/src/db/database.ts";
import { migrate } from "../../server/src/db/migrate.ts";
import { EventRetention } from "../../server/src/continuity/event-retention.ts";
import { MemoryLease } from "../../server/src/jobs/leases.ts";
import { createTestDatabase, skipUnless } from "../support/services.ts";
import { silentLogger } from "../foundation/helpers.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-06-01T00:00:00Z");

/** `n` events of `tableId` (seq 1..n), the first `old` of them 40 days old, the rest 1 day old. */
async function seedEvents(db: Database, tableId: string, n: number, old: number): Promise<void> {
  const seqs = Array.from({ length: n }, (_, i) => i + 1);
  await db.pool.query(
    `INSERT INTO table_events (table_id, seq, type, at, data)
     SELECT $1, s, 'cart.updated', to_timestamp(t / 1000.0), '{}'::jsonb FROM unnest($2::bigint[], $3::bigint[]) AS u(s, t)`,
    [tableId, seqs, seqs.map((s) => (s <= old ? NOW - 40 * DAY : NOW - DAY))],
  );
}

async function snapshotAt(db: Database, tableId: string, seq: number): Promise<void> {
  await db.pool.query("INSERT INTO table_snapshots (table_id, seq, model) VALUES ($1, $2, '{}'::jsonb)", [tableId, seq]);
}

async function seqsOf(db: Database, tableId: string): Promise<number[]> {
  const { rows } = await db.pool.query<{ seq: string }>("SELECT seq FROM table_events WHERE table_id = $1 ORDER BY seq", [tableId]);
  return rows.map((r) => Number(r.seq));
}

function retentionContract(open: () => Promise<Database>): void {
  let db: Database;
  before(async () => {
    db = await open();
    await migrate(db);
  });
  after(async () => {
    await db?.close();
  });

  it("prunes only old events more than `keep` behind the latest snapshot, in batches", async () => {
    await seedEvents(db, "t-pruned", 300, 250);
    await snapshotAt(db, "t-pruned", 100);
    await snapshotAt(db, "t-pruned", 280); // the latest one counts
    await seedEvents(db, "t-no-snapshot", 50, 50);
    const retention = new EventRetention(db.pool, { days: 30, keep: 20, intervalMs: 1000, batchSize: 64 }, () => NOW);

    const deleted = await retention.prune();

    // seq <= 280 - 20 = 260 and 40 days old (seq <= 250): 1..250 go.
    assert.equal(deleted, 250);
    const left = await seqsOf(db, "t-pruned");
    assert.deepEqual(left, Array.from({ length: 50 }, (_, i) => 251 + i));
    assert.equal((await seqsOf(db, "t-no-snapshot")).length, 50, "a table without a snapshot keeps every event");
    assert.equal(await retention.prune(), 0, "nothing more to prune");
  });

  it("keeps the newest `keep` events before the snapshot, and everything after it, whatever their age", async () => {
    await seedEvents(db, "t-keep", 100, 100);
    await snapshotAt(db, "t-keep", 60);
    await new EventRetention(db.pool, { days: 0, keep: 10, intervalMs: 1000 }, () => NOW).prune();
    assert.deepEqual(await seqsOf(db, "t-keep"), Array.from({ length: 50 }, (_, i) => 51 + i));
  });

  it("runs as a leased job, and does nothing with retention off", async () => {
    await seedEvents(db, "t-job", 40, 40);
    await snapshotAt(db, "t-job", 40);
    await new EventRetention(db.pool, { days: null, keep: 0, intervalMs: 1000 }, () => NOW).job(new MemoryLease(), silentLogger()).runOnce();
    assert.equal((await seqsOf(db, "t-job")).length, 40, "EVENT_RETENTION_DAYS=off keeps everything");
    await new EventRetention(db.pool, { days: 30, keep: 5, intervalMs: 1000 }, () => NOW).job(new MemoryLease(), silentLogger()).runOnce();
    assert.deepEqual(await seqsOf(db, "t-job"), [36, 37, 38, 39, 40]);
  });
}

describe("security: table_events retention", function () {
  this.timeout(60_000);

  describe("embedded PGlite", function () {
    retentionContract(() => openDatabase({ dataDir: ":memory:", logger: silentLogger() }));
  });

  describe("Postgres", function () {
    let drop: (() => Promise<void>) | undefined;
    let url: string | undefined;
    before(async function () {
      skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL (retention on Postgres)");
      const created = (await createTestDatabase("retention"))!;
      drop = created.drop;
      url = created.url;
    });
    retentionContract(() => openDatabase({ databaseUrl: url!, dataDir: ":memory:", logger: silentLogger() }));
    after(async () => {
      await drop?.();
    });
  });
});
