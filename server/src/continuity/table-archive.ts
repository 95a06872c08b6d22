import type pg from "pg";
import type { Logger } from "../logger.ts";
import type { LoggedEvent } from "../tables/table-event-log.ts";
import type { TableModel } from "../tables/table-model.ts";

/** A stored snapshot: the table model at `seq`. */
export interface StoredSnapshot {
  seq: number;
  model: TableModel;
  takenAt: number;
}

/** The archive's reads and the snapshot trim, exported for the index-plan test. */
export const TABLE_ARCHIVE_SQL = {
  /** `$1` table, `$2` after seq, `$3` limit. */
  readAfter: `SELECT seq, type, at, data, visibility FROM table_events
       WHERE table_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
  /** `$1` table, `$2` snapshots kept. */
  trimSnapshots: `DELETE FROM table_snapshots WHERE table_id = $1 AND seq < (
         SELECT min(seq) FROM (SELECT seq FROM table_snapshots WHERE table_id = $1 ORDER BY seq DESC LIMIT $2) latest)`,
  /** `$1` table. */
  latestSnapshot: "SELECT seq, model, taken_at FROM table_snapshots WHERE table_id = $1 ORDER BY seq DESC LIMIT 1",
} as const;

export interface TableArchiveOptions {
  /** Rows per INSERT (a flush writes several batches when more are queued). */
  batchSize?: number;
  /** How long an event may wait in the queue before a flush starts. */
  flushMs?: number;
  /** Snapshots kept per table in Postgres. */
  keepSnapshots?: number;
}

interface QueuedEvent {
  tableId: string;
  event: LoggedEvent;
}

/**
 * The Postgres side of every table's log: `table_events` (every event, kept) and
 * `table_snapshots` (the latest few per table). Same SQL for a Postgres server and for
 * embedded PGlite.
 *
 * Events are queued by `enqueue` (after the hot log accepted them) and written in small
 * batches: at most `flushMs` later, or at once when `batchSize` are waiting. `flush()`
 * writes everything queued so far (snapshots and drains call it). A failed write keeps
 * its rows queued and is retried on the next flush, so nothing is dropped while the
 * process lives; what a crash can lose is the queue (see docs/continuity.md).
 */
export class TableArchive {
  private queue: QueuedEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly keepSnapshots: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    options: TableArchiveOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.flushMs = options.flushMs ?? 50;
    this.keepSnapshots = options.keepSnapshots ?? 3;
  }

  /** Queues events for Postgres; the write happens within `flushMs`. */
  enqueue(tableId: string, events: LoggedEvent[]): void {
    for (const event of events) this.queue.push({ tableId, event });
    if (this.queue.length >= this.batchSize) void this.flush().catch(() => undefined);
    else if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => undefined);
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Events queued and not yet written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Writes everything queued before this call. Rejects when Postgres refuses. */
  async flush(): Promise<void> {
    // One writer at a time; a flush asked for during a write runs after it.
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.queue.length === 0) return;
    this.flushing = this.writeQueued();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.batchSize);
      try {
        await this.insert(batch);
      } catch (err) {
        this.logger.warn({ err, pending: this.queue.length }, "could not archive table events (will retry)");
        if (!this.timer && !this.closed) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            void this.flush().catch(() => undefined);
          }, 1000);
          this.timer.unref();
        }
        throw err;
      }
      this.queue.splice(0, batch.length);
    }
  }

  private async insert(batch: QueuedEvent[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO table_events (table_id, seq, type, at, data, visibility)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::jsonb[])
       ON CONFLICT (table_id, seq) DO NOTHING`,
      [
        batch.map((q) => q.tableId),
        batch.map((q) => q.event.seq),
        batch.map((q) => q.event.type),
        batch.map((q) => new Date(q.event.at).toISOString()),
        batch.map((q) => JSON.stringify(q.event.data)),
        batch.map((q) => (q.event.visibility === undefined ? null : JSON.stringify(q.event.visibility))),
      ],
    );
  }

  /** Archived events with seq > `afterSeq`, in order, at most `limit`. */
  async readAfter(tableId: string, afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const { rows } = await this.pool.query<{ seq: number; type: string; at: Date; data: Record<string, unknown>; visibility: unknown }>(
      TABLE_ARCHIVE_SQL.readAfter,
      [tableId, afterSeq, limit],
    );
    return rows.map((r) => {
      const event: LoggedEvent = { seq: Number(r.seq), type: r.type, at: r.at.getTime(), data: r.data };
      if (r.visibility !== null && r.visibility !== undefined) event.visibility = r.visibility as LoggedEvent["visibility"];
      return event;
    });
  }

  /** Stores a snapshot and deletes all but the latest `keepSnapshots` of the table. */
  async saveSnapshot(snapshot: StoredSnapshot, modelJson = JSON.stringify(snapshot.model)): Promise<void> {
    const tableId = snapshot.model.tableId;
    await this.pool.query(
      `INSERT INTO table_snapshots (table_id, seq, model, taken_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (table_id, seq) DO NOTHING`,
      [tableId, snapshot.seq, modelJson, new Date(snapshot.takenAt).toISOString()],
    );
    await this.pool.query(
      TABLE_ARCHIVE_SQL.trimSnapshots,
      [tableId, this.keepSnapshots],
    );
  }

  async latestSnapshot(tableId: string): Promise<StoredSnapshot | null> {
    const { rows } = await this.pool.query<{ seq: number; model: TableModel; taken_at: Date }>(
      TABLE_ARCHIVE_SQL.latestSnapshot,
      [tableId],
    );
    const row = rows[0];
    return row ? { seq: Number(row.seq), model: row.model, takenAt: row.taken_at.getTime() } : null;
  }

  /** Tables with anything stored (snapshot or event): candidates for a restore at boot. */
  async tablesWithHistory(): Promise<string[]> {
    const { rows } = await this.pool.query<{ table_id: string }>(
      "SELECT table_id FROM table_snapshots UNION SELECT DISTINCT table_id FROM table_events",
    );
    return rows.map((r) => r.table_id);
  }

  /** Flushes what is queued (best effort) and stops the timer. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch((err) => this.logger.error({ err, lost: this.queue.length }, "table events not archived at close"));
  }
}
