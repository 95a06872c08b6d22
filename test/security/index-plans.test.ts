/**
 * Every hot query the server runs on a growing table is answered through an index, not by
 * reading the table: a database of its own is filled with generate_series (1,000,000
 * `table_events` rows, 1,000 tables of 1,000 events; 200,000 rows each in orders,
 * order_items, idempotency_keys and sessions), analysed, and each query's
 * `EXPLAIN (FORMAT JSON)` plan must have no Seq Scan on those tables. The SQL is the
 * repositories' own text (their exported constants), with realistic arguments.
 *
 * Postgres only: PGlite (embedded mode, one node) would take minutes to fill and runs the
 * same SQL and indexes (the migrations are shared).
 */
import assert from "node:assert/strict";
import pg from "pg";
import { migrate } from "../../server/src/db/migrate.ts";
import { openDatabase, type Database } from "../../server/src/db/database.ts";
import { EVENT_RETENTION_SQL } from "../../server/src/continuity/event-retention.ts";
import { TABLE_ARCHIVE_SQL } from "../../server/src/continuity/table-archive.ts";
import { ROW_RETENTION_SQL, ROW_RETENTION_BATCH } from "../../server/src/db/row-retention.ts";
import { IDEMPOTENCY_LOOKUP_SQL } from "../../server/src/http/idempotency.ts";
import { ORDER_SQL, orderListQuery } from "../../server/src/orders/order-repository.ts";
import { SESSION_LOOKUP_SQL } from "../../server/src/identity/session-repository.ts";
import { createTestDatabase, skipUnless } from "../support/services.ts";
import { silentLogger } from "../foundation/helpers.ts";

const TABLES = 1000;
const EVENTS_PER_TABLE = 1000;
const ROWS = 200_000;
/** The tables that grow with traffic; a scan of any of them is a plan that gets slower every day. */
const GROWING = ["table_events", "table_snapshots", "orders", "order_items", "idempotency_keys", "sessions"];

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

function seqScans(node: PlanNode, out: string[] = []): string[] {
  if (node["Node Type"] === "Seq Scan" && node["Relation Name"]) out.push(node["Relation Name"]);
  for (const child of node.Plans ?? []) seqScans(child, out);
  return out;
}

function indexesUsed(node: PlanNode, out: string[] = []): string[] {
  const name = (node as { "Index Name"?: string })["Index Name"];
  if (name) out.push(name);
  for (const child of node.Plans ?? []) indexesUsed(child, out);
  return out;
}

/**
 * Fills the tables in set-based statements (~20 s for everything on an idle 2-core
 * machine). Timestamps are spread over the last 31 days and the retention queries run
 * with a 30-day cutoff: the steady state of jobs that run every hour, where the rows
 * past the cutoff are a thin slice of the table (when most rows qualify, reading the
 * table until the batch is full is the planner's right answer and no index helps).
 */
async function fill(pool: pg.Pool): Promise<void> {
  const old = "now() - interval '31 days'";
  const step = (n: number) => `interval '${(31 * 86_400) / n} seconds'`;
  await pool.query(
    `INSERT INTO table_events (table_id, seq, type, at, data)
     SELECT 't' || t, s, 'cart.updated', ${old} + s * ${step(EVENTS_PER_TABLE)}, '{}'::jsonb
       FROM generate_series(1, ${TABLES}) t, generate_series(1, ${EVENTS_PER_TABLE}) s`,
  );
  await pool.query(
    `INSERT INTO table_snapshots (table_id, seq, model)
     SELECT 't' || t, s * 300, '{}'::jsonb FROM generate_series(1, ${TABLES}) t, generate_series(1, 3) s`,
  );
  await pool.query("INSERT INTO users (user_id, name) SELECT 'u' || u, 'user' FROM generate_series(1, 1000) u");
  await pool.query(
    `INSERT INTO sessions (session_id, user_id, created_at, expires_at)
     SELECT 's' || i, 'u' || (i % 1000 + 1), ${old}, ${old} + i * ${step(ROWS)} + interval '7 days' FROM generate_series(1, ${ROWS}) i`,
  );
  await pool.query("INSERT INTO inventory (sku, total) VALUES ('sku-1', 1000000)");
  await pool.query(
    `INSERT INTO orders (order_id, user_id, status, created_at, expires_at)
     SELECT 'o' || i, 'u' || (i % 1000 + 1), (ARRAY['paid', 'cancelled', 'expired', 'paid'])[i % 4 + 1],
            ${old} + i * ${step(ROWS)}, ${old} + i * ${step(ROWS)} + interval '15 minutes'
       FROM generate_series(1, ${ROWS}) i`,
  );
  // A handful of pending ones, as in a live system (the sweeper's partial index covers them).
  await pool.query(
    `INSERT INTO orders (order_id, user_id, status, expires_at)
     SELECT 'p' || i, 'u1', 'pending', now() + interval '10 minutes' FROM generate_series(1, 100) i`,
  );
  await pool.query(
    `INSERT INTO order_items (order_id, hold_id, sku, quantity) SELECT 'o' || i, 'h' || i, 'sku-1', 1 FROM generate_series(1, ${ROWS}) i`,
  );
  await pool.query(
    `INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status_code, created_at)
     SELECT 'u' || (i % 1000 + 1), 'orders', 'k' || i, 'h', 201, ${old} + i * ${step(ROWS)} FROM generate_series(1, ${ROWS}) i`,
  );
  await pool.query("ANALYZE");
}

describe("security: hot queries use indexes on a million rows", function () {
  // Filling takes ~10-20 s on an idle 2-core machine; allow for a loaded one.
  this.timeout(180_000);
  let drop: (() => Promise<void>) | undefined;
  let db: Database;

  before(async function () {
    skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL (index plans on Postgres)");
    const created = (await createTestDatabase("indexplans"))!;
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: ":memory:", logger: silentLogger() });
    await migrate(db);
    await fill(db.pool);
  });

  after(async () => {
    await db?.close();
    await drop?.();
  });

  async function plan(sql: string, args: unknown[]): Promise<PlanNode> {
    const { rows } = await db.pool.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, args);
    return rows[0]["QUERY PLAN"][0].Plan;
  }

  const cutoff = () => new Date(Date.now() - 30 * 86_400_000).toISOString();
    // The retention batch needs every table's latest snapshot: it reads `table_snapshots`
  // whole, which holds at most 3 rows per table (trimmed on every save), not a growing log.
  const snapshotsPerTable = ["table_snapshots"];
  const cases: [string, () => [string, unknown[]], string[]?][] = [
    ["event log read by table and seq", () => [TABLE_ARCHIVE_SQL.readAfter, ["t500", 400, 200]]],
    ["latest snapshot of a table", () => [TABLE_ARCHIVE_SQL.latestSnapshot, ["t500"]]],
    ["snapshot trim after a save", () => [TABLE_ARCHIVE_SQL.trimSnapshots, ["t500", 3]]],
    ["event retention batch", () => [EVENT_RETENTION_SQL, [100, cutoff(), 5000]], snapshotsPerTable],
    ["order by id", () => [ORDER_SQL.byId, ["o4242"]]],
    ["a user's orders", () => { const q = orderListQuery({ userId: "u7", limit: 50 }); return [q.text, q.values]; }],
    ["orders by status (admin)", () => { const q = orderListQuery({ status: "paid", limit: 50 }); return [q.text, q.values]; }],
    ["overdue pending orders (sweeper)", () => [ORDER_SQL.lockDue, [100]]],
    ["idempotency replay lookup", () => [IDEMPOTENCY_LOOKUP_SQL, ["u7", "orders", "k4242"]]],
    ["session lookup", () => [SESSION_LOOKUP_SQL, ["s4242"]]],
    ["idempotency key retention batch", () => [ROW_RETENTION_SQL.idempotencyKeys, [cutoff(), ROW_RETENTION_BATCH]]],
    ["order retention batch", () => [ROW_RETENTION_SQL.orders, [cutoff(), ROW_RETENTION_BATCH]]],
    ["session retention batch", () => [ROW_RETENTION_SQL.sessions, [cutoff(), ROW_RETENTION_BATCH]]],
  ];

  for (const [name, query, allowed = []] of cases) {
    it(`${name}: no sequential scan of a growing table`, async () => {
      const [sql, args] = query();
      const root = await plan(sql, args);
      const scanned = seqScans(root).filter((t) => GROWING.includes(t) && !allowed.includes(t));
      assert.deepEqual(scanned, [], `${name} reads whole tables: ${JSON.stringify(root, null, 1).slice(0, 4000)}`);
      assert.ok(indexesUsed(root).length > 0, `${name} uses no index`);
    });
  }

  it("the million events are there (the plans above are for a table of that size)", async () => {
    const { rows } = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM table_events");
    assert.equal(Number(rows[0].n), TABLES * EVENTS_PER_TABLE);
  });
});
