import type pg from "pg";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { ABANDONED_AFTER_MS } from "./idempotency-window.ts";
import { MemoryLease, RedisLease } from "../jobs/leases.ts";
import { LeasedJob } from "../jobs/repeater.ts";

/**
 * The batched deletes of the row-retention jobs. `$1` is the cutoff (rows older go),
 * `$2` the batch size. Each one picks its batch through an index and deletes it by row
 * address (`ctid = ANY(ARRAY(...))`, a TID scan; a `key IN (subquery)` form let the
 * planner hash-join the batch against the whole table), so a run costs the rows it
 * deletes, not the size of the table. Checked by test/security/index-plans.test.ts.
 * A row updated between the pick and the delete keeps its new version until the next
 * run; the rows picked are finished ones nobody updates.
 */
export const ROW_RETENTION_SQL = {
  /**
   * Past the replay window a retried request is a new one. A claim still in flight
   * (no status yet) stays until it counts as abandoned, however short the window: while
   * it is there a retry gets CONFLICT instead of running the request a second time.
   */
  idempotencyKeys: `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
     SELECT ctid FROM idempotency_keys WHERE created_at < $1
        AND (status_code IS NOT NULL OR created_at < $1::timestamptz - interval '${ABANDONED_AFTER_MS} milliseconds') LIMIT $2))`,
  /** Only finished orders that returned their stock; paid orders are the sales record and stay. Items go by ON DELETE CASCADE. */
  orders: `DELETE FROM orders WHERE ctid = ANY(ARRAY(
     SELECT ctid FROM orders WHERE status IN ('cancelled', 'expired') AND created_at < $1 LIMIT $2))`,
  /**
   * Expired sessions only: their tokens carry the same expiry and are refused on their
   * own, so a deleted row can never be re-provisioned. Revoked sessions stay until they
   * expire (a revoked row is what refuses its still-signed token).
   */
  sessions: `DELETE FROM sessions WHERE ctid = ANY(ARRAY(
     SELECT ctid FROM sessions WHERE expires_at < $1 LIMIT $2))`,
} as const;

export type RowRetentionJob = keyof typeof ROW_RETENTION_SQL;

/** Rows per DELETE: small enough that no batch holds its locks for long. */
export const ROW_RETENTION_BATCH = 5000;

/** Deletes one kind of finished row older than `ageMs`, in batches until a batch comes back short. */
export class RowPruner {
  constructor(
    private readonly pool: pg.Pool,
    readonly job: RowRetentionJob,
    private readonly ageMs: number,
    private readonly now: () => number = Date.now,
    private readonly batchSize = ROW_RETENTION_BATCH,
  ) {}

  /** Deletes every row past the age now; the number deleted. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.now() - this.ageMs).toISOString();
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(ROW_RETENTION_SQL[this.job], [cutoff, this.batchSize]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < this.batchSize) return total;
    }
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The configured jobs and their ages; a setting that is `off` has no job. */
export function rowPruners(pool: pg.Pool, config: Config, now: () => number = Date.now): RowPruner[] {
  const ages: [RowRetentionJob, number | null][] = [
    ["idempotencyKeys", config.idempotencyKeyRetentionHours === null ? null : config.idempotencyKeyRetentionHours * HOUR],
    ["orders", config.orderRetentionDays === null ? null : config.orderRetentionDays * DAY],
    // Counted from the expiry, which is already in the past.
    ["sessions", config.sessionRetentionDays === null ? null : config.sessionRetentionDays * DAY],
  ];
  return ages.filter((a): a is [RowRetentionJob, number] => a[1] !== null).map(([job, age]) => new RowPruner(pool, job, age, now));
}

/**
 * One leased job per pruner (each its own lease and timer, so a slow one does not delay
 * the others): with Redis only the node holding a job's lease runs it; embedded, the
 * one node does.
 */
export function rowRetentionJobs(o: { pool: pg.Pool; config: Config; redis: Redis | undefined; keys: RedisKeys; logger: Logger }): LeasedJob[] {
  const intervalMs = o.config.rowRetentionIntervalSeconds * 1000;
  return rowPruners(o.pool, o.config).map(
    (pruner) =>
      new LeasedJob({
        name: `${pruner.job} retention`,
        lease: o.redis ? new RedisLease(o.redis, o.keys.rowRetentionLease(pruner.job), intervalMs * 2) : new MemoryLease(),
        intervalMs,
        logger: o.logger,
        always: async () => undefined,
        tick: async () => {
          const deleted = await pruner.prune();
          if (deleted > 0) o.logger.info({ job: pruner.job, deleted }, "old rows pruned");
        },
      }),
  );
}
