import type { RedisKeys } from "../redis/keys.ts";

/** The five keys every hold script gets, in KEYS order (see lua/common.lua). */
export type SkuKeys = [inv: string, holds: string, exp: string, users: string, dead: string];

/**
 * Key names of inventory, holds and orders, under the same prefix as RedisKeys. Every
 * key of one SKU carries the hash tag `{sku:ID}` so a script's keys share a slot.
 */
export class CommerceKeys {
  constructor(readonly prefix: string) {}

  static from(keys: RedisKeys): CommerceKeys {
    return new CommerceKeys(keys.prefix);
  }

  private readonly skuKeys = new Map<string, Readonly<SkuKeys>>();

  /** The five keys of a SKU (cached: every hold script call needs them). Do not mutate. */
  sku(sku: string): SkuKeys {
    let keys = this.skuKeys.get(sku);
    if (!keys) {
      const base = `${this.prefix}{sku:${sku}}:`;
      keys = Object.freeze([`${base}inv`, `${base}holds`, `${base}exp`, `${base}users`, `${base}dead`] as SkuKeys);
      // Bounded: unknown SKUs in requests must not grow it without limit.
      if (this.skuKeys.size >= 10_000) this.skuKeys.clear();
      this.skuKeys.set(sku, keys);
    }
    return keys as SkuKeys;
  }

  /** Present while the counters in Redis are trusted; missing = Redis lost data, rebuild. */
  get sentinel(): string {
    return `${this.prefix}commerce:sentinel`;
  }

  /** Single-runner lease of the order expiry sweeper. */
  get sweeperLease(): string {
    return `${this.prefix}lease:order-sweeper`;
  }

  /** Presence channel of order events (order.created / paid / cancelled / expired). */
  get orderEventsChannel(): string {
    return `${this.prefix}orders:events`;
  }
}
