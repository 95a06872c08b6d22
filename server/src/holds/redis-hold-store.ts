import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { HoldStatus } from "@holdfast/shared";
import { CommerceKeys } from "./commerce-keys.ts";
import { defineHoldCommands, type HoldCommands } from "./hold-scripts.ts";
import {
  cartLineHoldId,
  consumeAcrossSkus,
  groupBySku,
  HOLD_RECORD_RETENTION_MS,
  holdCodeError,
  newHoldId,
  skuOfHoldId,
  StockNotLoadedError,
  type CartLineInput,
  type ConsumedHold,
  type HoldRecord,
  type HoldStore,
  type ReserveInput,
  type StockCounts,
  type StockSource,
} from "./hold-store.ts";

/**
 * HoldStore on Redis: one Lua script per operation (lua/*.lua), every key of a SKU
 * under one hash tag. Shared by all nodes; survives node restarts; when Redis loses
 * its data the counters are rebuilt from Postgres (see CommerceService.rebuild).
 */
export class RedisHoldStore implements HoldStore {
  readonly kind = "redis";
  private readonly redis: Redis & HoldCommands;

  constructor(
    redis: Redis,
    private readonly keys: CommerceKeys,
    private readonly retentionMs = HOLD_RECORD_RETENTION_MS,
  ) {
    this.redis = defineHoldCommands(redis);
  }

  /** The socket corked for this turn of the event loop, if any (see `cmd`). */
  private corked: { uncork(): void } | undefined;
  private readonly uncork = (): void => {
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };

  /**
   * The client, with its socket corked until the end of this turn of the event loop:
   * every command issued meanwhile (by all concurrent requests) leaves in one write.
   * This is what ioredis' auto-pipelining does, without its limit of one batch in
   * flight (a command waited for the previous batch's replies before it was even sent)
   * and without its Pipeline objects, which outlived young-generation GCs and made
   * every scavenge slow (promoted garbage). Give the store a client without
   * auto-pipelining. A Cluster client has one socket per node and no `stream`: its
   * commands leave one by one.
   */
  private cmd(): Redis & HoldCommands {
    const redis = this.redis;
    const stream = "stream" in redis ? redis.stream : undefined;
    if (this.corked === undefined && redis.status === "ready" && stream) {
      stream.cork();
      this.corked = stream;
      setImmediate(this.uncork);
    }
    return redis;
  }

  async setStock(sku: string, s: StockSource): Promise<void> {
    await this.cmd().hfSetStock(...this.keys.sku(sku), s.total, s.committed, s.perUserLimit, "set");
  }

  async loadStock(sku: string, s: StockSource): Promise<boolean> {
    return (await this.cmd().hfSetStock(...this.keys.sku(sku), s.total, s.committed, s.perUserLimit, "load")) === 2;
  }

  async getCounts(sku: string): Promise<StockCounts | null> {
    const r = (await this.cmd().hfSweep(...this.keys.sku(sku), this.retentionMs)) as number[];
    if (r[0] === -10) return null;
    return { total: r[1], available: r[2], held: r[3] };
  }

  async reserve(input: ReserveInput): Promise<HoldRecord> {
    const holdId = input.holdId ?? newHoldId(input.sku);
    const res = Number(
      await this.cmd().hfReserve(
        ...this.keys.sku(input.sku),
        holdId,
        input.userId,
        input.quantity,
        input.ttlSeconds * 1000,
        input.perUserLimit ?? "",
        this.retentionMs,
      ),
    );
    if (res <= 0) throw holdCodeError(res, input.sku);
    return { holdId, sku: input.sku, userId: input.userId, quantity: input.quantity, status: "active", expiresAt: res, createdAt: Date.now() };
  }

  async setQuantity(input: CartLineInput): Promise<HoldRecord | null> {
    const holdId = cartLineHoldId(input);
    const res = Number(
      await this.cmd().hfSetQuantity(
        ...this.keys.sku(input.sku),
        holdId,
        input.userId,
        input.quantity,
        input.ttlSeconds * 1000,
        input.perUserLimit ?? "",
        this.retentionMs,
        input.buyerId,
      ),
    );
    if (res < 0) throw holdCodeError(res, input.sku, "cart line");
    if (res === 0) return null;
    return this.get(holdId);
  }

  async get(holdId: string): Promise<HoldRecord | null> {
    const sku = skuOfHoldId(holdId);
    if (!sku) return null;
    const rec = await this.cmd().hget(this.keys.sku(sku)[1], holdId);
    return rec ? parseRecord(holdId, sku, rec) : null;
  }

  async release(holdId: string, ownerId: string | null): Promise<"released" | "unchanged"> {
    const sku = skuOfHoldId(holdId);
    if (!sku) throw holdCodeError(-3, "?");
    const res = Number(await this.cmd().hfRelease(...this.keys.sku(sku), holdId, ownerId ?? "", this.retentionMs));
    if (res < 0) throw holdCodeError(res, sku);
    return res === 1 ? "released" : "unchanged";
  }

  consume(userId: string, holdIds: string[], buyerId: string): Promise<ConsumedHold[]> {
    return consumeAcrossSkus(
      userId,
      holdIds,
      async (sku, ids) => {
        const r = (await this.cmd().hfConsume(...this.keys.sku(sku), userId, this.retentionMs, buyerId, ...ids)) as number[];
        if (r[0] !== 1) throw holdCodeError(r[0], sku, r[1] > 0 ? `hold ${ids[r[1] - 1]}` : "hold");
        return r.slice(1);
      },
      (sku, ids) => this.unconsumeSku(userId, sku, ids),
    );
  }

  async unconsume(userId: string, holdIds: string[]): Promise<void> {
    for (const [sku, ids] of groupBySku(holdIds, "skip")) await this.unconsumeSku(userId, sku, ids);
  }

  private async unconsumeSku(userId: string, sku: string, ids: string[]): Promise<void> {
    await this.cmd().hfUnconsume(...this.keys.sku(sku), userId, ...ids);
  }

  async restock(sku: string, quantity: number): Promise<void> {
    await this.cmd().hfRestock(...this.keys.sku(sku), quantity);
  }

  async settle(sku: string, buyerId: string, quantity: number): Promise<void> {
    await this.cmd().hfSettle(...this.keys.sku(sku), buyerId, quantity);
  }

  async sweep(sku: string): Promise<number> {
    const r = (await this.cmd().hfSweep(...this.keys.sku(sku), this.retentionMs)) as number[];
    if (r[0] === -10) throw new StockNotLoadedError(sku);
    return r[0];
  }

  async isIntact(): Promise<boolean> {
    return (await this.cmd().exists(this.keys.sentinel)) === 1;
  }

  async markIntact(): Promise<void> {
    await this.cmd().set(this.keys.sentinel, String(Date.now()));
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }
}

function parseRecord(holdId: string, sku: string, rec: string): HoldRecord {
  const [userId, qty, exp, status, created] = rec.split("|"); // a 6th field, the buyer, is the store's own
  const expiresAt = Number(exp);
  let s = status as HoldStatus;
  // Not swept yet, but past its expiry: it is expired for every reader.
  if (s === "active" && expiresAt <= Date.now()) s = "expired";
  return { holdId, sku, userId, quantity: Number(qty), status: s, expiresAt, createdAt: Number(created) };
}
