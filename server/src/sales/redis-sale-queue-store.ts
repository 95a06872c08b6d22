import { randomInt } from "node:crypto";
import type { PrequeueMode } from "@holdfast/shared";
import { QUEUE_SCRIPTS } from "../redis/lua-scripts.ts";
import { QUEUE_CODES, START_CODES } from "../redis/script-codes.ts";
import type { ScriptClient } from "../redis/scripts.ts";
import type { SaleKeys } from "./sale-keys.ts";
import {
  QUEUE_STATES,
  queueCodeError,
  type Admission,
  type QueueEntry,
  type QueueStats,
  type SaleQueueStore,
} from "./sale-queue-store.ts";

type BoundQueueScripts = { [K in keyof typeof QUEUE_SCRIPTS]: ReturnType<(typeof QUEUE_SCRIPTS)[K]["on"]> };

/** The shared line of every sale in Redis: sorted sets, one Lua script per operation (lua/*.lua). */
export class RedisSaleQueueStore implements SaleQueueStore {
  readonly kind = "redis" as const;
  private readonly run: BoundQueueScripts;

  constructor(
    private readonly redis: ScriptClient,
    private readonly keys: SaleKeys,
  ) {
    const s = QUEUE_SCRIPTS;
    this.run = {
      join: s.join.on(redis),
      leave: s.leave.on(redis),
      lookup: s.lookup.on(redis),
      start: s.start.on(redis),
      admit: s.admit.on(redis),
      lapse: s.lapse.on(redis),
      claim: s.claim.on(redis),
      confirm: s.confirm.on(redis),
      unclaim: s.unclaim.on(redis),
      markDone: s.markDone.on(redis),
    };
  }

  async join(saleId: string, userId: string): Promise<QueueEntry & { created: boolean }> {
    const [state, position, admittedUntil, created, order] = await this.run.join(this.keys.queue(saleId), userId);
    return { state: QUEUE_STATES[state], position, admittedUntil, order, created: created === 1 };
  }

  async leave(saleId: string, userId: string): Promise<boolean> {
    return (await this.run.leave(this.keys.queue(saleId), userId)) === 1;
  }

  async lookup(saleId: string, userIds: readonly string[]): Promise<{ stats: QueueStats; entries: QueueEntry[] }> {
    const r = await this.run.lookup(this.keys.queue(saleId), ...userIds);
    const stats: QueueStats = { length: r[0], admittedTotal: r[1], outstanding: r[2], started: r[3] === 1, now: r[4], headOrder: r[5] };
    const entries: QueueEntry[] = [];
    for (let i = 6; i < r.length; i += 4) {
      entries.push({ state: QUEUE_STATES[r[i]], position: r[i + 1], admittedUntil: r[i + 2], order: r[i + 3] });
    }
    return { stats, entries };
  }

  async length(saleId: string): Promise<number> {
    return this.redis.zcard(this.keys.queue(saleId)[0]);
  }

  async start(saleId: string, prequeue: PrequeueMode, seed = randomInt(1, 2 ** 31 - 1)): Promise<boolean> {
    return START_CODES.name(await this.run.start(this.keys.queue(saleId), prequeue, seed)) !== "ALREADY_STARTED";
  }

  async admit(saleId: string, n: number, ttlMs: number): Promise<{ userIds: string[]; admittedUntil: number }> {
    const [deadline, ...userIds] = await this.run.admit(this.keys.queue(saleId), Math.max(0, Math.floor(n)), ttlMs);
    return { userIds, admittedUntil: Number(deadline) };
  }

  async lapse(saleId: string): Promise<string[]> {
    return await this.run.lapse(this.keys.queue(saleId));
  }

  async claim(saleId: string, userId: string, quantity: number, limit: number): Promise<void> {
    const reply = Number(await this.run.claim(this.keys.queue(saleId), userId, quantity, limit));
    if (reply < 0) throw queueCodeError(QUEUE_CODES.name(reply), saleId);
  }

  async confirm(saleId: string, userId: string): Promise<void> {
    await this.run.confirm(this.keys.queue(saleId), userId);
  }

  async unclaim(saleId: string, userId: string, quantity: number): Promise<void> {
    await this.run.unclaim(this.keys.queue(saleId), userId, quantity);
  }

  async markDone(saleId: string, userId: string): Promise<void> {
    await this.run.markDone(this.keys.queue(saleId), userId);
  }

  async admissions(saleId: string, offset: number, limit: number): Promise<Admission[]> {
    if (limit <= 0) return [];
    const rows = await this.redis.lrange(this.keys.queue(saleId)[5], offset, offset + limit - 1);
    return rows.map((row) => {
      const at = row.lastIndexOf("|");
      return { userId: row.slice(0, at), joinSeq: Number(row.slice(at + 1)) };
    });
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }
}
