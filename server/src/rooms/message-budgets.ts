import type { MessageBudget, RoomLimits } from "../config.ts";

/**
 * Message classes: cheap reads the SDK sends on a timer (heartbeats, resyncs, pings) get
 * a looser budget than commands, which write events to the log (and to Postgres).
 */
export type MessageClass = "light" | "command";

const LIGHT_MESSAGES: ReadonlySet<string> = new Set(["hb", "resync", "ping"]);

export function messageClassOf(type: string): MessageClass {
  return LIGHT_MESSAGES.has(type) ? "light" : "command";
}

/**
 * A token bucket: `burst` tokens at most, refilled at `perSecond`. Synchronous and a
 * few arithmetic operations per call, so it can run before every room message (an
 * async limiter would cost a promise per message, which is what a flood multiplies).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly budget: MessageBudget,
    now: number,
  ) {
    this.tokens = budget.burst;
    this.updatedAt = now;
  }

  /** Takes one token: 0 when taken, else the ms until one will be there. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.budget.perSecond) * 1000);
  }

  /** True when the bucket is back to full (nothing to remember about its owner). */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.budget.burst;
  }

  private refill(now: number): void {
    const elapsed = now - this.updatedAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.budget.burst, this.tokens + (elapsed / 1000) * this.budget.perSecond);
    this.updatedAt = now;
  }
}

/** One refused message per second is forgiven: a client that backs off is never closed. */
const STRIKE_REFILL = 1;
const SWEEP_EVERY_MS = 30_000;

/**
 * The node's message budgets: one bucket per user and message class, shared by all of
 * that user's sockets in every room on this node (six tabs flood no faster than one),
 * and per socket a count of refused messages ("strikes") after which the socket is
 * closed for flooding. Users whose buckets are full again are forgotten on a sweep, so
 * memory follows the users active in the last few seconds.
 */
export class MessageBudgets {
  private readonly users = new Map<string, Record<MessageClass, TokenBucket>>();
  private readonly strikes = new WeakMap<object, TokenBucket>();
  private lastSweep: number;

  constructor(
    readonly limits: RoomLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  /** Charges one `type` message to `userId`: 0 when allowed, else the retry hint in ms. */
  charge(userId: string, type: string): number {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    let buckets = this.users.get(userId);
    if (!buckets) {
      buckets = { light: new TokenBucket(this.limits.light, now), command: new TokenBucket(this.limits.command, now) };
      this.users.set(userId, buckets);
    }
    return buckets[messageClassOf(type)].take(now);
  }

  /** Records a refused message of `socket`: true when it has flooded past its strikes. */
  strike(socket: object): boolean {
    const now = this.now();
    let bucket = this.strikes.get(socket);
    if (!bucket) {
      bucket = new TokenBucket({ perSecond: STRIKE_REFILL, burst: this.limits.floodStrikes }, now);
      this.strikes.set(socket, bucket);
    }
    return bucket.take(now) > 0;
  }

  /** Users with a budget being tracked (for tests and metrics). */
  get trackedUsers(): number {
    return this.users.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [userId, buckets] of this.users) {
      if (buckets.light.isFull(now) && buckets.command.isFull(now)) this.users.delete(userId);
    }
  }
}
