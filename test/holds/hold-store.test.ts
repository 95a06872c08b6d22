import assert from "node:assert/strict";
import { CommerceKeys } from "../../server/src/holds/commerce-keys.ts";
import { cartLineHoldId, StockNotLoadedError, type HoldStore } from "../../server/src/holds/hold-store.ts";
import { eventually } from "../support/e2e.ts";
import { MemoryHoldStore } from "../../server/src/holds/memory-hold-store.ts";
import { RedisHoldStore } from "../../server/src/holds/redis-hold-store.ts";
import { rejectsWith, storeContract } from "../support/store-contract.ts";

/**
 * One contract, two stores: every rule of HoldStore is checked against the memory store
 * and the Redis store (Lua scripts). The Redis half skips without REDIS_URL.
 */
const SRC = { total: 10, committed: 0, perUserLimit: 5 };

storeContract<HoldStore>(
  "HoldStore contract",
  { memory: () => new MemoryHoldStore(), redis: (redis, prefix) => new RedisHoldStore(redis, new CommerceKeys(prefix)) },
  (name, current) => {
    let store: HoldStore;
    let n = 0;
    let sku: string;

    beforeEach(async function () {
      store = current();
      sku = `sku-${name}-${++n}`;
      await store.setStock(sku, SRC);
    });

    it("reports counters and null for an unknown SKU", async () => {
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 10, held: 0 });
      assert.equal(await store.getCounts("nope"), null);
      await assert.rejects(store.reserve({ sku: "nope", userId: "u1", quantity: 1, ttlSeconds: 60 }), StockNotLoadedError);
    });

    it("reserves, refuses SOLD_OUT and HOLD_LIMIT", async () => {
      const h = await store.reserve({ sku, userId: "u1", quantity: 4, ttlSeconds: 60 });
      assert.equal(h.status, "active");
      assert.ok(h.expiresAt > Date.now() + 50_000);
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 6, held: 4 });
      await rejectsWith(store.reserve({ sku, userId: "u1", quantity: 2, ttlSeconds: 60 }), "HOLD_LIMIT");
      await store.reserve({ sku, userId: "u2", quantity: 5, ttlSeconds: 60 });
      await rejectsWith(store.reserve({ sku, userId: "u3", quantity: 2, ttlSeconds: 60 }), "SOLD_OUT");
      await store.reserve({ sku, userId: "u3", quantity: 1, ttlSeconds: 60 });
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 0, held: 10 });
      // A limit override (flash sale) wins over the SKU's.
      await store.setStock(sku, { ...SRC, total: 20 });
      await store.reserve({ sku, userId: "u1", quantity: 6, ttlSeconds: 60, perUserLimit: 10 });
    });

    it("gets and releases idempotently; another user's hold is not found", async () => {
      const h = await store.reserve({ sku, userId: "u1", quantity: 3, ttlSeconds: 60 });
      assert.equal((await store.get(h.holdId))?.quantity, 3);
      assert.equal(await store.get("h_0000000000000000_x"), null);
      await rejectsWith(store.release(h.holdId, "u2"), "HOLD_NOT_FOUND");
      assert.equal(await store.release(h.holdId, "u1"), "released");
      assert.equal(await store.release(h.holdId, null), "unchanged");
      assert.equal((await store.get(h.holdId))?.status, "released");
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 10, held: 0 });
    });

    it("consumes all or none, and unconsume puts holds back", async () => {
      const a = await store.reserve({ sku, userId: "u1", quantity: 2, ttlSeconds: 60 });
      const b = await store.reserve({ sku, userId: "u1", quantity: 1, ttlSeconds: 60 });
      const other = await store.reserve({ sku, userId: "u2", quantity: 1, ttlSeconds: 60 });
      await rejectsWith(store.consume("u1", [a.holdId, other.holdId], "u1"), "HOLD_NOT_FOUND");
      assert.equal((await store.get(a.holdId))?.status, "active");
      const consumed = await store.consume("u1", [a.holdId, b.holdId], "u1");
      assert.deepEqual(consumed.map((c) => c.quantity), [2, 1]);
      assert.equal((await store.get(a.holdId))?.status, "consumed");
      // Consumed stock is neither held nor available.
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 6, held: 1 });
      await rejectsWith(store.consume("u1", [a.holdId], "u1"), "CONFLICT");
      await rejectsWith(store.release(a.holdId, "u1"), "CONFLICT");
      await store.unconsume("u1", [a.holdId, b.holdId]);
      assert.equal((await store.get(a.holdId))?.status, "active");
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 6, held: 4 });
    });

    it("compensates across SKUs when a later SKU fails", async () => {
      const sku2 = `${sku}-b`;
      await store.setStock(sku2, SRC);
      const a = await store.reserve({ sku, userId: "u1", quantity: 2, ttlSeconds: 60 });
      const b = await store.reserve({ sku: sku2, userId: "u1", quantity: 1, ttlSeconds: 60 });
      await store.release(b.holdId, "u1");
      await rejectsWith(store.consume("u1", [a.holdId, b.holdId], "u1"), "HOLD_NOT_FOUND");
      assert.equal((await store.get(a.holdId))?.status, "active");
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 8, held: 2 });
    });

    it("counts units in pending orders against the order's buyer until the order settles", async () => {
      const h = await store.reserve({ sku, userId: "u1", quantity: 3, ttlSeconds: 60 });
      await store.consume("u1", [h.holdId], "u1");
      await rejectsWith(store.reserve({ sku, userId: "u1", quantity: 3, ttlSeconds: 60 }), "HOLD_LIMIT"); // 3 pending + 3 > 5
      const two = await store.reserve({ sku, userId: "u1", quantity: 2, ttlSeconds: 60 });
      // A failed order insert gives the holds back: still the same buyer's units, counted once.
      const c = await store.consume("u1", [two.holdId], "u1");
      assert.equal(c[0].quantity, 2);
      await store.unconsume("u1", [two.holdId]);
      await rejectsWith(store.reserve({ sku, userId: "u1", quantity: 1, ttlSeconds: 60 }), "HOLD_LIMIT");
      await store.settle(sku, "u1", 3);
      await store.reserve({ sku, userId: "u1", quantity: 3, ttlSeconds: 60 });
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 2, held: 5 });
    });

    it("restocks capped at total", async () => {
      const h = await store.reserve({ sku, userId: "u1", quantity: 3, ttlSeconds: 60 });
      await store.consume("u1", [h.holdId], "u1");
      await store.restock(sku, 3);
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 10, held: 0 });
      await store.restock(sku, 3); // a double return cannot create stock
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 10, held: 0 });
    });

    it("sets a cart line's quantity by difference", async () => {
      const line = { cartKey: "c1", sku, optionsHash: "o1", noteHash: "n1", userId: "u1", buyerId: "u1", ttlSeconds: 60 };
      const h1 = await store.setQuantity({ ...line, quantity: 3 });
      assert.equal(h1?.quantity, 3);
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 7, held: 3 });
      const h2 = await store.setQuantity({ ...line, quantity: 5 });
      assert.equal(h2?.holdId, h1?.holdId);
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 5, held: 5 });
      await rejectsWith(store.setQuantity({ ...line, quantity: 6 }), "HOLD_LIMIT");
      await store.setQuantity({ ...line, quantity: 1 });
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 9, held: 1 });
      await store.setQuantity({ ...line, noteHash: "n2", quantity: 2 });
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 7, held: 3 });
      await rejectsWith(store.setQuantity({ ...line, userId: "u2", buyerId: "u2", quantity: 1 }), "HOLD_NOT_FOUND");
      assert.equal(await store.setQuantity({ ...line, quantity: 0 }), null);
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 8, held: 2 });
    });

    it("counts cart lines against the diner who raised them, across carts and plain holds", async () => {
      // The SKU's limit is 5 per buyer (SRC); enough stock that only limits refuse.
      await store.setStock(sku, { ...SRC, total: 30 });
      const cart = (cartKey: string) => ({ cartKey, sku, optionsHash: "o", noteHash: "n", userId: `cart:${cartKey}`, ttlSeconds: 60 });
      await store.reserve({ sku, userId: "ann", quantity: 2, ttlSeconds: 60 });
      await store.setQuantity({ ...cart("t1"), buyerId: "ann", quantity: 2 });
      await rejectsWith(store.setQuantity({ ...cart("t2"), buyerId: "ann", quantity: 2 }), "HOLD_LIMIT"); // 2 + 2 + 2 > 5, another table
      await store.setQuantity({ ...cart("t2"), buyerId: "ann", quantity: 1 });
      await rejectsWith(store.reserve({ sku, userId: "ann", quantity: 1, ttlSeconds: 60 }), "HOLD_LIMIT");
      // Bob raises ann's line at t1 to 3: the whole line is now on bob; ann has room again.
      await store.setQuantity({ ...cart("t1"), buyerId: "bob", quantity: 3 });
      await store.reserve({ sku, userId: "ann", quantity: 2, ttlSeconds: 60 });
      // Lowering a line leaves it on its buyer: ann lowering bob's line needs no room of her own.
      await store.setQuantity({ ...cart("t1"), buyerId: "ann", quantity: 1 });
      await rejectsWith(store.setQuantity({ ...cart("t1"), buyerId: "bob", quantity: 6 }), "HOLD_LIMIT");
      await store.setQuantity({ ...cart("t1"), buyerId: "bob", quantity: 5 });
      // Checkout by bob: the line's units stay on bob's count while the order is pending.
      const [consumed] = await store.consume("cart:t1", [cartLineHoldId({ ...cart("t1") })], "bob");
      assert.equal(consumed.quantity, 5);
      await rejectsWith(store.setQuantity({ ...cart("t3"), buyerId: "bob", quantity: 1 }), "HOLD_LIMIT");
      await store.settle(sku, "bob", 5); // the order was paid (or cancelled, or expired)
      await store.setQuantity({ ...cart("t3"), buyerId: "bob", quantity: 5 });
      await rejectsWith(store.reserve({ sku, userId: "bob", quantity: 1, ttlSeconds: 60 }), "HOLD_LIMIT");
      assert.deepEqual(await store.getCounts(sku), { total: 30, available: 15, held: 10 });
    });

    it("moves available with total and builds missing counters from committed stock", async () => {
      await store.reserve({ sku, userId: "u1", quantity: 4, ttlSeconds: 60 });
      await store.setStock(sku, { ...SRC, total: 12 });
      assert.deepEqual(await store.getCounts(sku), { total: 12, available: 8, held: 4 });
      assert.equal(await store.loadStock(sku, { ...SRC, total: 99 }), false);
      assert.equal(await store.loadStock(`${sku}-new`, { total: 10, committed: 7, perUserLimit: 5 }), true);
      assert.deepEqual(await store.getCounts(`${sku}-new`), { total: 10, available: 3, held: 0 });
    });

    it("never oversells under concurrency", async () => {
      await store.setStock(sku, { total: 50, committed: 0, perUserLimit: 5 });
      const results = await Promise.allSettled(
        Array.from({ length: 300 }, (_, i) => store.reserve({ sku, userId: `u${i % 60}`, quantity: 1, ttlSeconds: 60 })),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 50);
      assert.deepEqual(await store.getCounts(sku), { total: 50, available: 0, held: 50 });
    });

    it("expires holds after their TTL and returns the stock", async function () {
      const h = await store.reserve({ sku, userId: "u1", quantity: 4, ttlSeconds: 1 });
      await eventually(async () => (await store.get(h.holdId))?.status === "expired", 1000, "the hold expired");
      await rejectsWith(store.consume("u1", [h.holdId], "u1"), "HOLD_EXPIRED");
      assert.equal(await store.sweep(sku), 0); // consume's sweep already expired it
      assert.deepEqual(await store.getCounts(sku), { total: 10, available: 10, held: 0 });
      assert.equal(await store.release(h.holdId, "u1"), "unchanged");
      // The user's limit is free again.
      await store.reserve({ sku, userId: "u1", quantity: 5, ttlSeconds: 60 });
    });

    it("tracks whether its data is intact", async () => {
      await store.markIntact();
      assert.equal(await store.isIntact(), true);
    });
  },
);
