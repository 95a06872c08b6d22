import assert from "node:assert/strict";
import { AppError, ErrorCode } from "../../server/src/errors.ts";
import { LoadingHoldStore } from "../../server/src/holds/loading-hold-store.ts";
import { MemoryHoldStore } from "../../server/src/holds/memory-hold-store.ts";

/** The one place that handles "counters not loaded": load from the source, try once more. */
describe("LoadingHoldStore", () => {
  const SOURCES: Record<string, { total: number; committed: number; perUserLimit: number }> = { a: { total: 3, committed: 1, perUserLimit: 5 } };
  let inner: MemoryHoldStore;
  let loads: string[];
  let store: LoadingHoldStore;

  beforeEach(() => {
    inner = new MemoryHoldStore();
    loads = [];
    store = new LoadingHoldStore(inner, async (sku) => {
      loads.push(sku);
      const source = SOURCES[sku];
      if (!source) throw new AppError(ErrorCode.NOT_FOUND, `no SKU ${sku}`);
      await inner.loadStock(sku, source);
    });
  });

  it("loads a SKU's missing counters once and places the hold", async () => {
    const hold = await store.reserve({ sku: "a", userId: "u1", quantity: 2, ttlSeconds: 60 });
    assert.equal(hold.status, "active");
    assert.deepEqual(await store.getCounts("a"), { total: 3, available: 0, held: 2 });
    await assert.rejects(store.reserve({ sku: "a", userId: "u2", quantity: 1, ttlSeconds: 60 }), (err: AppError) => err.code === ErrorCode.SOLD_OUT);
    assert.deepEqual(loads, ["a"], "loaded once: the second hold found the counters");
  });

  it("an unknown SKU answers the loader's error, not 'not loaded'", async () => {
    await assert.rejects(store.reserve({ sku: "nope", userId: "u1", quantity: 1, ttlSeconds: 60 }), (err: AppError) => err.code === ErrorCode.NOT_FOUND);
  });

  it("consume after the counters were lost: loads every SKU of the order, then the holds are gone", async () => {
    const hold = await store.reserve({ sku: "a", userId: "u1", quantity: 1, ttlSeconds: 60 });
    // The store loses everything (Redis flushed): a fresh one under the same loader.
    inner = new MemoryHoldStore();
    store = new LoadingHoldStore(inner, async (sku) => {
      loads.push(sku);
      await inner.loadStock(sku, SOURCES[sku]);
    });
    await assert.rejects(store.consume("u1", [hold.holdId], "u1"), (err: AppError) => err.code === ErrorCode.HOLD_NOT_FOUND);
    assert.deepEqual(loads, ["a", "a"]);
    assert.deepEqual(await store.getCounts("a"), { total: 3, available: 2, held: 0 });
  });
});
