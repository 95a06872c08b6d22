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

  sku(sku: string): SkuKeys {
    const base = `${this.prefix}{sku:${sku}}:`;
    return [`${base}inv`, `${base}holds`, `${base}exp`, `${base}users`, `${base}dead`];
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
