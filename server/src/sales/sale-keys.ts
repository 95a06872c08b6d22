import type { RedisKeys } from "../redis/keys.ts";

/** The seven keys every queue script gets, in KEYS order (see lua/common.lua). */
export type QueueKeys = [q: string, adm: string, st: string, meta: string, units: string, log: string, jseq: string];

/**
 * Key names of flash sales, under the app's Redis prefix. Every key of one sale carries
 * the hash tag `{sale:ID}`, so a queue script's keys share one Redis Cluster slot.
 */
export class SaleKeys {
  constructor(readonly prefix: string) {}

  static from(keys: RedisKeys): SaleKeys {
    return new SaleKeys(keys.prefix);
  }

  queue(saleId: string): QueueKeys {
    const base = `${this.prefix}{sale:${saleId}}:`;
    return [`${base}q`, `${base}adm`, `${base}st`, `${base}meta`, `${base}units`, `${base}log`, `${base}jseq`];
  }

  /** The single-admitter lease of one sale (owner-checked, see redis/lua/lease-acquire.lua). */
  admitterLease(saleId: string): string {
    return `${this.prefix}{sale:${saleId}}:lease`;
  }

  /** Presence channel: a sale was created (every node refreshes its SKU → sale map). */
  get salesChannel(): string {
    return `${this.prefix}sales:events`;
  }
}
