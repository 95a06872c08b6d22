import type { HoldStatus } from "@holdfast/shared";
import { HOLD_SCRIPTS } from "../redis/lua-scripts.ts";
import { HOLD_CODES } from "../redis/script-codes.ts";
import type { ScriptClient } from "../redis/scripts.ts";
import { CommerceKeys } from "./commerce-keys.ts";
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
  private readonly reserveScript;
  private readonly setQuantityScript;
  private readonly releaseScript;
  private readonly consumeScript;
  private readonly unconsumeScript;
  private readonly restockScript;
  private readonly settleScript;
  private readonly sweepScript;
  private readonly setStockScript;

  constructor(
    private readonly redis: ScriptClient,
    private readonly keys: CommerceKeys,
    private readonly retentionMs = HOLD_RECORD_RETENTION_MS,
  ) {
    this.reserveScript = HOLD_SCRIPTS.reserve.on(redis);
    this.setQuantityScript = HOLD_SCRIPTS.setQuantity.on(redis);
    this.releaseScript = HOLD_SCRIPTS.release.on(redis);
    this.consumeScript = HOLD_SCRIPTS.consume.on(redis);
    this.unconsumeScript = HOLD_SCRIPTS.unconsume.on(redis);
    this.restockScript = HOLD_SCRIPTS.restock.on(redis);
    this.settleScript = HOLD_SCRIPTS.settle.on(redis);
    this.sweepScript = HOLD_SCRIPTS.sweep.on(redis);
    this.setStockScript = HOLD_SCRIPTS.setStock.on(redis);
  }

  /** The socket corked for this turn of the event loop, if any (see `cmd`). */
  private corked: { uncork(): void } | undefined;
  private readonly uncork = (): void => {
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };

  /**
   * Corks the client's socket until the end of this turn of the event loop: every
   * command issued meanwhile (by all concurrent requests) leaves in one write. This is
   * what ioredis' auto-pipelining does, without its limit of one batch in flight (a
   * command waited for the previous batch's replies before it was even sent) and
   * without its Pipeline objects, which outlived young-generation GCs and made every
   * scavenge slow (promoted garbage). Give the store a client without auto-pipelining.
   * A Cluster client has one socket per node and none of its own: nothing to cork.
   */
  private cork(): void {
    if (this.corked !== undefined || !("stream" in this.redis)) return;
    const redis = this.redis;
    if (redis.status === "ready" && redis.stream) {
      const stream = redis.stream;
      stream.cork();
      this.corked = stream;
      setImmediate(this.uncork);
    }
  }

  async setStock(sku: string, s: StockSource): Promise<void> {
    this.cork();
    await this.setStockScript(this.keys.sku(sku), s.total, s.committed, s.perUserLimit, "set");
  }

  async loadStock(sku: string, s: StockSource): Promise<boolean> {
    this.cork();
    return (await this.setStockScript(this.keys.sku(sku), s.total, s.committed, s.perUserLimit, "load")) === 2;
  }

  async getCounts(sku: string): Promise<StockCounts | null> {
    this.cork();
    const r = await this.sweepScript(this.keys.sku(sku), this.retentionMs);
    if (HOLD_CODES.name(r[0]) === "NOT_LOADED") return null;
    return { total: r[1], available: r[2], held: r[3] };
  }

  async reserve(input: ReserveInput): Promise<HoldRecord> {
    const holdId = input.holdId ?? newHoldId(input.sku);
    this.cork();
    const res = Number(
      await this.reserveScript(
        this.keys.sku(input.sku),
        holdId,
        input.userId,
        input.quantity,
        input.ttlSeconds * 1000,
        input.perUserLimit ?? "",
        this.retentionMs,
      ),
    );
    if (res <= 0) throw holdCodeError(HOLD_CODES.name(res), input.sku);
    return { holdId, sku: input.sku, userId: input.userId, quantity: input.quantity, status: "active", expiresAt: res, createdAt: Date.now() };
  }

  async setQuantity(input: CartLineInput): Promise<HoldRecord | null> {
    const holdId = cartLineHoldId(input);
    this.cork();
    const res = Number(
      await this.setQuantityScript(
        this.keys.sku(input.sku),
        holdId,
        input.userId,
        input.quantity,
        input.ttlSeconds * 1000,
        input.perUserLimit ?? "",
        this.retentionMs,
        input.buyerId,
      ),
    );
    if (res < 0) throw holdCodeError(HOLD_CODES.name(res), input.sku, "cart line");
    if (res === 0) return null;
    return this.get(holdId);
  }

  async get(holdId: string): Promise<HoldRecord | null> {
    const sku = skuOfHoldId(holdId);
    if (!sku) return null;
    this.cork();
    const rec = await this.redis.hget(this.keys.sku(sku)[1], holdId);
    return rec ? parseRecord(holdId, sku, rec) : null;
  }

  async release(holdId: string, ownerId: string | null): Promise<"released" | "unchanged"> {
    const sku = skuOfHoldId(holdId);
    if (!sku) throw holdCodeError("HOLD_NOT_FOUND", holdId);
    this.cork();
    const res = Number(await this.releaseScript(this.keys.sku(sku), holdId, ownerId ?? "", this.retentionMs));
    if (res < 0) throw holdCodeError(HOLD_CODES.name(res), sku);
    return res === 1 ? "released" : "unchanged";
  }

  consume(userId: string, holdIds: string[], buyerId: string): Promise<ConsumedHold[]> {
    return consumeAcrossSkus(
      userId,
      holdIds,
      async (sku, ids) => {
        this.cork();
        const [status, ...rest] = await this.consumeScript(this.keys.sku(sku), userId, this.retentionMs, buyerId, ...ids);
        if (status === 1) return rest;
        // A refusal is [code, 1-based index of the hold it concerns (0: none)].
        const at = rest[0];
        throw holdCodeError(HOLD_CODES.name(status), sku, at > 0 ? `hold ${ids[at - 1]}` : "hold");
      },
      (sku, ids) => this.unconsumeSku(userId, sku, ids),
    );
  }

  async unconsume(userId: string, holdIds: string[]): Promise<void> {
    for (const [sku, ids] of groupBySku(holdIds, "skip")) await this.unconsumeSku(userId, sku, ids);
  }

  private async unconsumeSku(userId: string, sku: string, ids: string[]): Promise<void> {
    this.cork();
    await this.unconsumeScript(this.keys.sku(sku), userId, ...ids);
  }

  async restock(sku: string, quantity: number): Promise<void> {
    this.cork();
    await this.restockScript(this.keys.sku(sku), quantity);
  }

  async settle(sku: string, buyerId: string, quantity: number): Promise<void> {
    this.cork();
    await this.settleScript(this.keys.sku(sku), buyerId, quantity);
  }

  async sweep(sku: string): Promise<number> {
    this.cork();
    const r = await this.sweepScript(this.keys.sku(sku), this.retentionMs);
    if (HOLD_CODES.name(r[0]) === "NOT_LOADED") throw new StockNotLoadedError(sku);
    return r[0];
  }

  async isIntact(): Promise<boolean> {
    return (await this.redis.exists(this.keys.sentinel)) === 1;
  }

  async markIntact(): Promise<void> {
    await this.redis.set(this.keys.sentinel, String(Date.now()));
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
