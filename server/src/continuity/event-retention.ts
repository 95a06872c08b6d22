import type pg from "pg";
import type { Logger } from "../logger.ts";
import type { Lease } from "../jobs/leases.ts";
import { LeasedJob } from "../jobs/repeater.ts";

/**
 * One batch of the retention delete: `$1` keep, `$2` cutoff, `$3` batch size. The old
 * events are found through `table_events_at_idx` (only rows past the cutoff are read)
 * and deleted by their row address (a TID scan): a `(table_id, seq) IN (...)` form let
 * the planner hash-join the batch against the whole table. Checked by
 * test/security/index-plans.test.ts on a million rows.
 */
export const EVENT_RETENTION_SQL = `DELETE FROM table_events WHERE ctid = ANY(ARRAY(
  SELECT e.ctid FROM table_events e
  JOIN (SELECT table_id, max(seq) AS seq FROM table_snapshots GROUP BY table_id) s ON s.table_id = e.table_id
  WHERE e.at < $2 AND e.seq <= s.seq - $1
  LIMIT $3))`;

export interface EventRetentionSettings {
  /** Events older than this many days may go; null keeps everything (the job does not run). */
  days: number | null;
  /** Events kept per table just before its latest snapshot, whatever their age. */
  keep: number;
  intervalMs: number;
  /** Rows per DELETE (the job loops until a batch comes back short). */
  batchSize?: number;
}

/**
 * Bounds `table_events`: an event may be deleted once the table's latest snapshot
 * covers it (restores start from that snapshot and never read it), it is more than
 * `keep` events behind that snapshot (recent history stays for the events API and
 * resyncs), and it is older than `days`. Events after the latest snapshot are never
 * touched. Deletes go in small batches so a big backlog does not hold long locks.
 */
export class EventRetention {
  private readonly batchSize: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly settings: EventRetentionSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.batchSize = settings.batchSize ?? 5000;
  }

  /** Deletes every prunable event now; the number deleted. */
  async prune(): Promise<number> {
    if (this.settings.days === null) return 0;
    const cutoff = new Date(this.now() - this.settings.days * 86_400_000).toISOString();
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(EVENT_RETENTION_SQL, [this.settings.keep, cutoff, this.batchSize]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < this.batchSize) return total;
    }
  }

  /** The periodic job: on one node at a time (the lease), every `intervalMs`. */
  job(lease: Lease, logger: Logger): LeasedJob {
    return new LeasedJob({
      name: "event retention",
      lease,
      intervalMs: this.settings.intervalMs,
      logger,
      always: async () => undefined,
      tick: async () => {
        const deleted = await this.prune();
        if (deleted > 0) logger.info({ deleted }, "old table events pruned");
      },
    });
  }
}
