import {
  groupBySku,
  StockNotLoadedError,
  type CartLineInput,
  type ConsumedHold,
  type HoldRecord,
  type HoldStore,
  type ReserveInput,
  type StockCounts,
  type StockSource,
} from "./hold-store.ts";

/** Builds a SKU's counters from the source of truth (InventoryService.ensureLoaded). */
export type StockLoader = (sku: string) => Promise<void>;

/**
 * A HoldStore that loads a SKU's counters when the store lacks them (first use, or Redis
 * lost its data) and tries the operation once more: the one place that handles
 * StockNotLoadedError, in front of the store every service uses. Inventory itself uses
 * the store underneath (it is what loads).
 */
export class LoadingHoldStore implements HoldStore {
  constructor(
    private readonly store: HoldStore,
    private readonly load: StockLoader,
  ) {}

  get kind(): HoldStore["kind"] {
    return this.store.kind;
  }

  private async loaded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof StockNotLoadedError)) throw err;
      await this.load(err.sku);
      return fn();
    }
  }

  reserve(input: ReserveInput): Promise<HoldRecord> {
    return this.loaded(() => this.store.reserve(input));
  }

  setQuantity(input: CartLineInput): Promise<HoldRecord | null> {
    return this.loaded(() => this.store.setQuantity(input));
  }

  release(holdId: string, ownerId: string | null): Promise<"released" | "unchanged"> {
    return this.loaded(() => this.store.release(holdId, ownerId));
  }

  sweep(sku: string): Promise<number> {
    return this.loaded(() => this.store.sweep(sku));
  }

  async consume(userId: string, holdIds: string[], buyerId: string): Promise<ConsumedHold[]> {
    try {
      return await this.store.consume(userId, holdIds, buyerId);
    } catch (err) {
      if (!(err instanceof StockNotLoadedError)) throw err;
      // Counters were lost (Redis flushed): rebuild every SKU of the order (an unknown one
      // is the consume's own HOLD_NOT_FOUND), then the holds are simply gone.
      for (const sku of groupBySku(holdIds).keys()) await this.load(sku).catch(() => undefined);
      return this.store.consume(userId, holdIds, buyerId);
    }
  }

  // Reads and writes that need no counters, or skip a SKU without them.
  setStock(sku: string, source: StockSource): Promise<void> {
    return this.store.setStock(sku, source);
  }
  loadStock(sku: string, source: StockSource): Promise<boolean> {
    return this.store.loadStock(sku, source);
  }
  getCounts(sku: string): Promise<StockCounts | null> {
    return this.store.getCounts(sku);
  }
  get(holdId: string): Promise<HoldRecord | null> {
    return this.store.get(holdId);
  }
  unconsume(userId: string, holdIds: string[]): Promise<void> {
    return this.store.unconsume(userId, holdIds);
  }
  restock(sku: string, quantity: number): Promise<void> {
    return this.store.restock(sku, quantity);
  }
  settle(sku: string, buyerId: string, quantity: number): Promise<void> {
    return this.store.settle(sku, buyerId, quantity);
  }
  isIntact(): Promise<boolean> {
    return this.store.isIntact();
  }
  markIntact(): Promise<void> {
    return this.store.markIntact();
  }
  close(): Promise<void> {
    return this.store.close();
  }
}
