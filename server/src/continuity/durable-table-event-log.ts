import type { RedisClient as Redis } from "../redis/redis-client.ts";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { MemoryTableEventLog, type LoggedEvent, type ReadOptions, type TableEventLog } from "../tables/table-event-log.ts";
import type { ContinuityCommands } from "./redis-scripts.ts";
import type { TableArchive } from "./table-archive.ts";

/** The hot part of the log: recent events, fast, possibly trimmed or lost. */
export interface HotTableLog extends TableEventLog {
  /** Appends are checked against this owner's lease from now on (null: no check). */
  fence(tableId: string, owner: string | null): void;
}

/** How long an idle table's Redis keys (stream, snapshot) live: 7 days. */
export const TABLE_KEY_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * The hot log in a Redis stream per table (`hf:tbl:{ID}:log`), entry id `seq-0`, trimmed
 * to about `retention` entries. Appends go through `table-log-append.lua`, which refuses
 * them unless the room's owner id still holds the table's lease (fencing: a room that
 * lost its lease can never write) and unless they follow the stream's last seq.
 */
export class RedisHotTableLog implements HotTableLog {
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly redis: Redis & ContinuityCommands,
    private readonly keys: RedisKeys,
    private readonly retention: number,
  ) {}

  fence(tableId: string, owner: string | null): void {
    if (owner) this.owners.set(tableId, owner);
    else this.owners.delete(tableId);
  }

  async append(tableId: string, events: LoggedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const args: (string | number)[] = [
      this.owners.get(tableId) ?? "",
      this.retention,
      // Approximate trimming is cheaper; exact keeps a small retention honest.
      this.retention >= 100 ? "~" : "=",
      TABLE_KEY_TTL_MS,
    ];
    for (const e of events) args.push(e.seq, JSON.stringify(e));
    const result = await this.redis.hfTableLogAppend(this.keys.tableLog(tableId), this.keys.tableLease(tableId), ...args);
    if (result === -1) throw new AppError(ErrorCode.UNAVAILABLE, `this room no longer hosts table ${tableId}`);
    if (result === -2) throw new AppError(ErrorCode.UNAVAILABLE, `table ${tableId} moved on without this room`);
  }

  async readAfter(tableId: string, afterSeq: number, limit: number): Promise<{ events: LoggedEvent[]; complete: boolean }> {
    const key = this.keys.tableLog(tableId);
    const entries = (await this.redis.xrange(key, `${afterSeq + 1}-0`, "+", "COUNT", limit)) as [string, string[]][];
    const events = entries.map(([, fields]) => JSON.parse(fields[1]) as LoggedEvent);
    if (events.length > 0) return { events, complete: events[0].seq === afterSeq + 1 };
    // Nothing after afterSeq here: complete unless the stream is empty (lost, expired)
    // or starts later (everything was trimmed) — then the caller cannot tell.
    const first = (await this.redis.xrange(key, "-", "+", "COUNT", 1)) as [string, string[]][];
    const firstSeq = first.length > 0 ? Number(first[0][0].split("-")[0]) : null;
    return { events, complete: firstSeq !== null && firstSeq <= afterSeq + 1 };
  }

  /** Everything the stream still holds after `afterSeq` (restore). */
  async readAll(tableId: string, afterSeq: number): Promise<LoggedEvent[]> {
    const entries = (await this.redis.xrange(this.keys.tableLog(tableId), `${afterSeq + 1}-0`, "+")) as [string, string[]][];
    return entries.map(([, fields]) => JSON.parse(fields[1]) as LoggedEvent);
  }
}

/** Embedded mode: the hot log in memory (one process; no fencing needed beyond the room). */
export class MemoryHotTableLog extends MemoryTableEventLog implements HotTableLog {
  fence(): void {}

  async readAll(tableId: string, afterSeq: number): Promise<LoggedEvent[]> {
    return (await this.readAfter(tableId, afterSeq, Number.MAX_SAFE_INTEGER)).events;
  }
}

/**
 * A table's event log as rooms and routes see it: the hot log first, every event then
 * queued for Postgres (`table_events`, batched). `append` resolves once the hot log has
 * the events (so the room acknowledges only logged events); reads that reach before the
 * hot log fall back to Postgres, unless `hotOnly` (resync wants to know the hot log
 * cannot answer, to send a snapshot instead).
 */
export class DurableTableEventLog implements TableEventLog {
  constructor(
    readonly hot: HotTableLog & { readAll(tableId: string, afterSeq: number): Promise<LoggedEvent[]> },
    readonly archive: TableArchive,
  ) {}

  async append(tableId: string, events: LoggedEvent[]): Promise<void> {
    await this.hot.append(tableId, events);
    this.archive.enqueue(tableId, events);
  }

  async readAfter(
    tableId: string,
    afterSeq: number,
    limit: number,
    options: ReadOptions = {},
  ): Promise<{ events: LoggedEvent[]; complete: boolean }> {
    const hot = await this.hot.readAfter(tableId, afterSeq, limit);
    if (options.hotOnly || (hot.complete && hot.events.length > 0)) return hot;
    // The hot log was trimmed (or lost): Postgres has the rest, once the queue is written.
    await this.archive.flush().catch(() => undefined);
    const archived = await this.archive.readAfter(tableId, afterSeq, limit);
    const merged = mergeBySeq(archived, hot.events).slice(0, limit);
    const contiguous = takeContiguous(merged, afterSeq);
    return { events: contiguous, complete: contiguous.length === merged.length };
  }

  /** Every stored event after `afterSeq`, hot log and Postgres merged, contiguous (restore). */
  async readForRestore(tableId: string, afterSeq: number): Promise<LoggedEvent[]> {
    // Events this process queued and not yet wrote (a room re-created on the same node)
    // must be in Postgres before it is read, or they would look like a gap.
    await this.archive.flush().catch(() => undefined);
    const [hot, archived] = await Promise.all([
      this.hot.readAll(tableId, afterSeq),
      this.archive.readAfter(tableId, afterSeq, Number.MAX_SAFE_INTEGER),
    ]);
    const events = takeContiguous(mergeBySeq(archived, hot), afterSeq);
    // A host that died took its queue of not-yet-archived events with it; the hot log
    // still has them: archive them now, so Postgres keeps the whole history.
    const inArchive = new Set(archived.map((e) => e.seq));
    const missing = events.filter((e) => !inArchive.has(e.seq));
    if (missing.length > 0) this.archive.enqueue(tableId, missing);
    return events;
  }
}

/** Events of both lists by seq, in order, each seq once (the first list wins). */
export function mergeBySeq(a: LoggedEvent[], b: LoggedEvent[]): LoggedEvent[] {
  const bySeq = new Map<number, LoggedEvent>();
  for (const e of b) bySeq.set(e.seq, e);
  for (const e of a) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

/** The run of events that starts right after `afterSeq` and has no gap. */
export function takeContiguous(events: LoggedEvent[], afterSeq: number): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  let next = afterSeq + 1;
  for (const e of events) {
    if (e.seq < next) continue;
    if (e.seq !== next) break;
    out.push(e);
    next++;
  }
  return out;
}
