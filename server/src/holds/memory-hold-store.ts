import type { HoldStatus } from "@holdfast/shared";
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

interface Rec {
  userId: string;
  /** Whose per-buyer count the units are in (a cart line's diner; else the owner). */
  buyerId: string;
  quantity: number;
  expiresAt: number;
  status: HoldStatus;
  createdAt: number;
  /** When a finished record is forgotten. */
  purgeAt?: number;
}

interface SkuState {
  total: number;
  avail: number;
  held: number;
  limit: number;
  holds: Map<string, Rec>;
  /** buyer -> units counted against them now (active holds, cart lines, pending order units). */
  users: Map<string, number>;
  /** Earliest expiry or purge time among the records: sweeps before it are no-ops. */
  nextDue: number;
}

/**
 * HoldStore in process memory (embedded mode, one node). Same rules and codes as the
 * Lua scripts, step for step; JavaScript runs each call to completion, which gives the
 * atomicity a script has in Redis.
 */
export class MemoryHoldStore implements HoldStore {
  readonly kind = "memory";
  private readonly skus = new Map<string, SkuState>();
  private intact = false;

  constructor(
    private readonly retentionMs = HOLD_RECORD_RETENTION_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async setStock(sku: string, s: StockSource): Promise<void> {
    const st = this.skus.get(sku);
    if (!st) {
      this.build(sku, s);
      return;
    }
    this.sweepState(st, this.now());
    st.avail += s.total - st.total;
    st.total = s.total;
    st.limit = s.perUserLimit;
  }

  async loadStock(sku: string, s: StockSource): Promise<boolean> {
    if (this.skus.has(sku)) return false;
    this.build(sku, s);
    return true;
  }

  private build(sku: string, s: StockSource): void {
    this.skus.set(sku, {
      total: s.total,
      avail: s.total - s.committed,
      held: 0,
      limit: s.perUserLimit,
      holds: new Map(),
      users: new Map(),
      nextDue: Infinity,
    });
  }

  async getCounts(sku: string): Promise<StockCounts | null> {
    const st = this.skus.get(sku);
    if (!st) return null;
    this.sweepState(st, this.now());
    return { total: st.total, available: st.avail, held: st.held };
  }

  async reserve(input: ReserveInput): Promise<HoldRecord> {
    const st = this.loaded(input.sku);
    const now = this.now();
    this.sweepState(st, now);
    const holdId = input.holdId ?? newHoldId(input.sku);
    if (st.holds.has(holdId)) throw holdCodeError("DUPLICATE_HOLD_ID", input.sku);
    if (st.avail < input.quantity) throw holdCodeError("SOLD_OUT", input.sku);
    const limit = input.perUserLimit ?? st.limit;
    if ((st.users.get(input.userId) ?? 0) + input.quantity > limit) throw holdCodeError("HOLD_LIMIT", input.sku);
    const rec: Rec = { userId: input.userId, buyerId: input.userId, quantity: input.quantity, expiresAt: now + input.ttlSeconds * 1000, status: "active", createdAt: now };
    this.add(st, input.userId, input.quantity);
    st.holds.set(holdId, rec);
    st.nextDue = Math.min(st.nextDue, rec.expiresAt);
    return view(holdId, input.sku, rec, now);
  }

  async setQuantity(input: CartLineInput): Promise<HoldRecord | null> {
    const st = this.loaded(input.sku);
    const now = this.now();
    this.sweepState(st, now);
    const holdId = cartLineHoldId(input);
    const rec = st.holds.get(holdId);
    let cur = 0;
    let createdAt = now;
    let was: string | undefined;
    if (rec) {
      if (rec.userId !== input.userId) throw holdCodeError("HOLD_NOT_FOUND", input.sku, "cart line");
      if (rec.status === "consumed") throw holdCodeError("ALREADY_CONSUMED", input.sku, "cart line");
      if (rec.status === "active") {
        cur = rec.quantity;
        createdAt = rec.createdAt;
        was = rec.buyerId;
        if (input.quantity === 0) {
          this.retire(st, rec, "released", now);
          this.giveBack(st, rec.quantity);
          return null;
        }
      }
    }
    if (input.quantity === 0) return null;
    const diff = input.quantity - cur;
    // As set-quantity.lua: lowered, the line keeps its buyer; raised, the raiser takes the whole line.
    const counted = diff <= 0 && was !== undefined ? was : input.buyerId;
    if (diff > 0) {
      if (st.avail < diff) throw holdCodeError("SOLD_OUT", input.sku);
      const limit = input.perUserLimit ?? st.limit;
      const adding = was !== undefined && was !== input.buyerId ? input.quantity : diff;
      if ((st.users.get(input.buyerId) ?? 0) + adding > limit) throw holdCodeError("HOLD_LIMIT", input.sku);
    }
    st.avail -= diff;
    if (was !== undefined && was !== counted) {
      this.addHeld(st, was, -cur);
      this.addHeld(st, counted, input.quantity);
    } else {
      this.addHeld(st, counted, diff);
    }
    const next: Rec = {
      userId: input.userId,
      buyerId: counted,
      quantity: input.quantity,
      expiresAt: now + input.ttlSeconds * 1000,
      status: "active",
      createdAt,
    };
    st.holds.set(holdId, next);
    st.nextDue = Math.min(st.nextDue, next.expiresAt);
    return view(holdId, input.sku, next, now);
  }

  async get(holdId: string): Promise<HoldRecord | null> {
    const sku = skuOfHoldId(holdId);
    const rec = sku ? this.skus.get(sku)?.holds.get(holdId) : undefined;
    if (!sku || !rec) return null;
    const now = this.now();
    if (rec.purgeAt !== undefined && rec.purgeAt <= now) return null;
    return view(holdId, sku, rec, now);
  }

  async release(holdId: string, ownerId: string | null): Promise<"released" | "unchanged"> {
    const sku = skuOfHoldId(holdId);
    if (!sku) throw holdCodeError("HOLD_NOT_FOUND", holdId);
    const st = this.loaded(sku);
    const now = this.now();
    this.sweepState(st, now);
    const rec = st.holds.get(holdId);
    if (!rec || (ownerId !== null && rec.userId !== ownerId)) throw holdCodeError("HOLD_NOT_FOUND", sku);
    if (rec.status === "consumed") throw holdCodeError("ALREADY_CONSUMED", sku);
    if (rec.status !== "active") return "unchanged";
    this.retire(st, rec, "released", now);
    this.giveBack(st, rec.quantity);
    return "released";
  }

  consume(userId: string, holdIds: string[], buyerId: string): Promise<ConsumedHold[]> {
    return consumeAcrossSkus(
      userId,
      holdIds,
      async (sku, ids) => {
        const st = this.loaded(sku);
        const now = this.now();
        this.sweepState(st, now);
        const recs: Rec[] = [];
        ids.forEach((id, i) => {
          const rec = st.holds.get(id);
          const what = `hold ${id}`;
          if (!rec || rec.userId !== userId) throw holdCodeError("HOLD_NOT_FOUND", sku, what);
          if (rec.status === "consumed") throw holdCodeError("ALREADY_CONSUMED", sku, what);
          if (rec.status === "expired" || (rec.status === "active" && rec.expiresAt <= now)) throw holdCodeError("HOLD_EXPIRED", sku, what);
          if (rec.status !== "active") throw holdCodeError("HOLD_NOT_FOUND", sku, what);
          recs[i] = rec;
        });
        // As consume.lua: out of `held`, but still counted, now against the order's buyer (until settle).
        for (const rec of recs) {
          rec.status = "consumed";
          rec.purgeAt = now + this.retentionMs;
          st.nextDue = Math.min(st.nextDue, rec.purgeAt);
          st.held -= rec.quantity;
          if (rec.buyerId !== buyerId) {
            this.count(st, rec.buyerId, -rec.quantity);
            this.count(st, buyerId, rec.quantity);
            rec.buyerId = buyerId;
          }
        }
        return recs.map((r) => r.quantity);
      },
      async (sku, ids) => this.unconsumeSku(userId, sku, ids),
    );
  }

  async unconsume(userId: string, holdIds: string[]): Promise<void> {
    for (const [sku, ids] of groupBySku(holdIds, "skip")) this.unconsumeSku(userId, sku, ids);
  }

  private unconsumeSku(userId: string, sku: string, ids: string[]): void {
    const st = this.skus.get(sku);
    if (!st) return;
    for (const id of ids) {
      const rec = st.holds.get(id);
      if (!rec || rec.userId !== userId || rec.status !== "consumed") continue;
      rec.status = "active";
      rec.purgeAt = undefined;
      st.nextDue = Math.min(st.nextDue, rec.expiresAt);
      // Back in `held` (consumption never returned them to avail); still on the buyer's count.
      st.held += rec.quantity;
    }
  }

  async restock(sku: string, quantity: number): Promise<void> {
    const st = this.skus.get(sku);
    if (st) this.giveBack(st, quantity);
  }

  async settle(sku: string, buyerId: string, quantity: number): Promise<void> {
    const st = this.skus.get(sku);
    if (st) this.count(st, buyerId, -quantity);
  }

  async sweep(sku: string): Promise<number> {
    return this.sweepState(this.loaded(sku), this.now());
  }

  async isIntact(): Promise<boolean> {
    return this.intact;
  }

  async markIntact(): Promise<void> {
    this.intact = true;
  }

  async close(): Promise<void> {
    this.skus.clear();
  }

  private loaded(sku: string): SkuState {
    const st = this.skus.get(sku);
    if (!st) throw new StockNotLoadedError(sku);
    return st;
  }

  /** Takes `qty` (may be negative) from avail into a user's held units. */
  private add(st: SkuState, userId: string, qty: number): void {
    st.avail -= qty;
    this.addHeld(st, userId, qty);
  }

  /** Adds `qty` (may be negative) to the SKU's held units and to the buyer's count. */
  private addHeld(st: SkuState, buyerId: string, qty: number): void {
    st.held += qty;
    this.count(st, buyerId, qty);
  }

  /** Adds `qty` (may be negative) to the units counted against the buyer. */
  private count(st: SkuState, buyerId: string, qty: number): void {
    const left = (st.users.get(buyerId) ?? 0) + qty;
    if (left <= 0) st.users.delete(buyerId);
    else st.users.set(buyerId, left);
  }

  private retire(st: SkuState, rec: Rec, status: HoldStatus, now: number): void {
    rec.status = status;
    rec.purgeAt = now + this.retentionMs;
    st.nextDue = Math.min(st.nextDue, rec.purgeAt);
    this.addHeld(st, rec.buyerId, -rec.quantity);
  }

  private giveBack(st: SkuState, qty: number): void {
    st.avail = Math.min(st.avail + qty, st.total - st.held);
  }

  private sweepState(st: SkuState, now: number): number {
    if (now < st.nextDue) return 0;
    let n = 0;
    let next = Infinity;
    for (const [id, rec] of st.holds) {
      if (rec.status === "active" && rec.expiresAt <= now) {
        this.retire(st, rec, "expired", now);
        this.giveBack(st, rec.quantity);
        n++;
      } else if (rec.purgeAt !== undefined && rec.purgeAt <= now) {
        st.holds.delete(id);
        continue;
      }
      next = Math.min(next, rec.status === "active" ? rec.expiresAt : (rec.purgeAt ?? Infinity));
    }
    st.nextDue = next;
    return n;
  }
}

function view(holdId: string, sku: string, rec: Rec, now: number): HoldRecord {
  const status = rec.status === "active" && rec.expiresAt <= now ? "expired" : rec.status;
  return { holdId, sku, userId: rec.userId, quantity: rec.quantity, status, expiresAt: rec.expiresAt, createdAt: rec.createdAt };
}
