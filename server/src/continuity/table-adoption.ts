import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { TableDto } from "@holdfast/shared";
import type { Logger } from "../logger.ts";
import type { RedisKeys } from "../redis/keys.ts";

/**
 * Which tables are hosted and until when their leases run: a Redis sorted set
 * (`hf:tbl:hosted`, score = lease expiry in ms) that each hosting room keeps current as
 * it takes, renews and releases its lease. The lease stays the truth; this is the index
 * that lets a node find tables whose host stopped renewing without scanning them all.
 */
export interface HostedTablesIndex {
  touch(tableId: string, leaseUntilMs: number): Promise<void>;
  remove(tableId: string): Promise<void>;
  /** Tables whose lease expired before `nowMs` (at most `limit`). */
  expired(nowMs: number, limit: number): Promise<string[]>;
  /** True for the one caller that may adopt the table for the next `ttlMs`. */
  claim(tableId: string, by: string, ttlMs: number): Promise<boolean>;
}

export class RedisHostedTables implements HostedTablesIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async touch(tableId: string, leaseUntilMs: number): Promise<void> {
    await this.redis.zadd(this.keys.hostedTables, leaseUntilMs, tableId);
  }

  async remove(tableId: string): Promise<void> {
    await this.redis.zrem(this.keys.hostedTables, tableId);
  }

  expired(nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.hostedTables, "-inf", nowMs, "LIMIT", 0, limit);
  }

  async claim(tableId: string, by: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.tableAdoption(tableId), by, "PX", ttlMs, "NX")) === "OK";
  }
}

export interface AdoptionDeps {
  index: HostedTablesIndex;
  logger: Logger;
  /** This process (the claim's value). */
  processId: () => string;
  /** No adoption while this node drains. */
  isDraining: () => boolean;
  findTable: (tableId: string) => Promise<TableDto | null>;
  /**
   * Opens the table's room here when it still needs one (someone seated or away, no
   * live host); true when it did. `TableContinuity.adoptIfOrphaned`.
   */
  adopt: (table: TableDto) => Promise<boolean>;
  intervalMs?: number;
  /** How long one node's claim on a table keeps the others off it. */
  claimMs?: number;
}

/**
 * Several nodes: every second, each node looks for tables whose lease expired (their
 * host died or lost Redis) and adopts them: one node per table (a claim, then the lease
 * itself in the room's onCreate), so away deadlines, turn timers and auto-folds keep
 * running when nobody joins. Tables nobody sits at any more leave the index.
 */
export class TableAdopter {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly deps: AdoptionDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass; returns the number of tables adopted here. */
  async tick(): Promise<number> {
    if (this.running || this.deps.isDraining()) return 0;
    this.running = true;
    let adopted = 0;
    try {
      const { index } = this.deps;
      for (const tableId of await index.expired(Date.now(), 50)) {
        if (this.deps.isDraining()) break;
        if (!(await index.claim(tableId, this.deps.processId(), this.deps.claimMs ?? 10_000))) continue;
        try {
          const table = await this.deps.findTable(tableId);
          if (table && (await this.deps.adopt(table))) {
            adopted++;
            this.deps.logger.info({ tableId }, "adopted a table whose host stopped renewing its lease");
          } else {
            // Deleted, nobody seated, or hosted again meanwhile (that host re-adds it).
            await index.remove(tableId);
          }
        } catch (err) {
          this.deps.logger.warn({ err, tableId }, "could not adopt table (another node will retry)");
        }
      }
    } catch (err) {
      this.deps.logger.warn({ err }, "table adoption pass failed");
    } finally {
      this.running = false;
    }
    return adopted;
  }
}
