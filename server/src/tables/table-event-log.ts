import type { TableEvent } from "@holdfast/shared";
import type { EventVisibility } from "./games/table-game.ts";

/** An event as the log keeps it: with who may see it (absent = public). */
export interface LoggedEvent extends TableEvent {
  visibility?: Exclude<EventVisibility, "public">;
}

/** How far a read may reach: the hot log only (resync), or the archive too. */
export interface ReadOptions {
  /** Only the hot log (Redis stream or memory); default false: fall back to the archive. */
  hotOnly?: boolean;
}

/**
 * A table's events, in order. `append` happens before a command is acknowledged.
 * This in-memory log keeps the last `retention` events per table; the durable log in
 * `continuity/` puts a Redis stream (or this) and Postgres behind the same interface.
 */
export interface TableEventLog {
  append(tableId: string, events: LoggedEvent[]): Promise<void>;
  /**
   * Events with seq > `afterSeq`, at most `limit`. `complete` is false when events
   * right after `afterSeq` are no longer kept (the caller needs a snapshot).
   */
  readAfter(tableId: string, afterSeq: number, limit: number, options?: ReadOptions): Promise<{ events: LoggedEvent[]; complete: boolean }>;
}

export class MemoryTableEventLog implements TableEventLog {
  private readonly logs = new Map<string, LoggedEvent[]>();
  constructor(private readonly retention = 1000) {}

  async append(tableId: string, events: LoggedEvent[]): Promise<void> {
    let log = this.logs.get(tableId);
    if (!log) this.logs.set(tableId, (log = []));
    for (const e of events) {
      const last = log[log.length - 1];
      if (last && e.seq !== last.seq + 1) throw new Error(`event log gap on ${tableId}: ${last.seq} then ${e.seq}`);
      log.push(structuredClone(e));
    }
    if (log.length > this.retention) log.splice(0, log.length - this.retention);
  }

  async readAfter(tableId: string, afterSeq: number, limit: number, _options?: ReadOptions): Promise<{ events: LoggedEvent[]; complete: boolean }> {
    const log = this.logs.get(tableId) ?? [];
    const first = log[0];
    const complete = !first || first.seq <= afterSeq + 1;
    const events = log.filter((e) => e.seq > afterSeq).slice(0, limit);
    return { events: structuredClone(events), complete };
  }
}
