import { HoldGate } from "../../server/src/holds/hold-gate.ts";
import assert from "node:assert/strict";
import { LocalPresence } from "@colyseus/core";
import { Redis } from "ioredis";
import { openDatabase, type Database } from "../../server/src/db/database.ts";
import { migrate } from "../../server/src/db/migrate.ts";
import { CommerceKeys } from "../../server/src/holds/commerce-keys.ts";
import { LoadingHoldStore } from "../../server/src/holds/loading-hold-store.ts";
import type { HoldStore } from "../../server/src/holds/hold-store.ts";
import { MemoryHoldStore } from "../../server/src/holds/memory-hold-store.ts";
import { RedisHoldStore } from "../../server/src/holds/redis-hold-store.ts";
import type { Identity } from "../../server/src/identity/session-service.ts";
import { InventoryRepository } from "../../server/src/inventory/inventory-repository.ts";
import { InventoryService } from "../../server/src/inventory/inventory-service.ts";
import { createLogger } from "../../server/src/logger.ts";
import { OrderEvents } from "../../server/src/orders/order-events.ts";
import { OrderRepository, type NewOrder } from "../../server/src/orders/order-repository.ts";
import { OrderService } from "../../server/src/orders/order-service.ts";
import { verifySignature, signPayload } from "../../server/src/orders/payment-signature.ts";
import { createTestDatabase, skipUnless, uniquePrefix } from "../support/services.ts";

/** Postgres fails after the store consumed the holds: the holds come back, nothing is lost. */
class FailingRepository extends OrderRepository {
  failNext = true;
  override async insert(order: NewOrder) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("injected: postgres went away mid-order");
    }
    return super.insert(order);
  }
}

const alice: Identity = {
  userId: "u_alice",
  name: "alice",
  roles: [],
  sessionId: "s_1",
  expiresAt: new Date(Date.now() + 3600_000),
  source: "database",
  isAdmin: false,
};

for (const kind of ["memory", "redis"] as const) {
  describe(`order compensation (${kind} store, Postgres)`, function () {
    let db: Database;
    let testDb: { url: string; drop(): Promise<void> } | undefined;
    let redis: Redis | undefined;
    let store: HoldStore;
    let service: OrderService;
    let repo: FailingRepository;
    let inventory: InventoryService;
    const events: unknown[] = [];

    before(async function () {
      skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL");
      if (kind === "redis") skipUnless(this, Boolean(process.env.REDIS_URL), "REDIS_URL");
      testDb = await createTestDatabase(`comp_${kind}`);
      const logger = createLogger("silent");
      db = await openDatabase({ databaseUrl: testDb!.url, dataDir: ":memory:", logger });
      await migrate(db);
      if (kind === "redis") {
        redis = new Redis(process.env.REDIS_URL!);
        store = new RedisHoldStore(redis, new CommerceKeys(uniquePrefix("comp")));
      } else {
        store = new MemoryHoldStore();
      }
      inventory = new InventoryService(new InventoryRepository(db.pool), store, logger);
      repo = new FailingRepository(db);
      const presence = new LocalPresence();
      const orderEvents = new OrderEvents(presence, "orders", logger);
      await presence.subscribe("orders", (e: unknown) => events.push(e));
      const gate = new HoldGate({ isOnMenu: async () => true });
      service = new OrderService({ db, repo, store: new LoadingHoldStore(store, (sku) => inventory.ensureLoaded(sku)), gate, events: orderEvents, logger, orderTtlSeconds: 60 });
    });

    after(async () => {
      redis?.disconnect();
      await db?.close();
      await testDb?.drop();
    });

    it("returns consumed holds when the order insert fails, and a retry succeeds", async () => {
      await inventory.put("s-comp", { stock: 10 });
      await inventory.put("s-comp2", { stock: 10 });
      const a = await store.reserve({ sku: "s-comp", userId: alice.userId, quantity: 3, ttlSeconds: 60 });
      const b = await store.reserve({ sku: "s-comp2", userId: alice.userId, quantity: 1, ttlSeconds: 60 });
      await assert.rejects(service.create(alice, [a.holdId, b.holdId]), /injected/);
      assert.equal((await store.get(a.holdId))?.status, "active");
      assert.equal((await store.get(b.holdId))?.status, "active");
      assert.deepEqual(await inventory.view("s-comp"), { sku: "s-comp", total: 10, sold: 0, held: 3, available: 7 });
      const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM orders");
      assert.equal(rows[0].n, 0);

      const ok = await service.create(alice, [a.holdId, b.holdId]);
      assert.equal(ok.order.status, "pending");
      assert.deepEqual(await inventory.view("s-comp"), { sku: "s-comp", total: 10, sold: 0, held: 0, available: 7 });
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(events.some((e: any) => e.type === "order.created" && e.orderId === ok.order.orderId));

      // Counters lost (as after FLUSHDB / restart): rebuilt from Postgres with the pending order counted.
      await store.close();
      if (kind === "redis") {
        const keys = new CommerceKeys((store as any).keys.prefix).sku("s-comp");
        await redis!.del(...keys);
      }
      assert.deepEqual(await inventory.view("s-comp"), { sku: "s-comp", total: 10, sold: 0, held: 0, available: 7 });
      await service.applyPayment({ orderId: ok.order.orderId, outcome: "failed", reference: "r", amount: 0, currency: "EUR" });
      assert.deepEqual(await inventory.view("s-comp"), { sku: "s-comp", total: 10, sold: 0, held: 0, available: 10 });
    });
  });
}

describe("payment signature", () => {
  const body = Buffer.from('{"orderId":"x"}');
  it("accepts a fresh correct signature and refuses everything without a secret", () => {
    verifySignature("k", signPayload("k", body), body);
    assert.throws(() => verifySignature(undefined, signPayload("k", body), body), /not configured/);
    assert.throws(() => verifySignature("k", signPayload("k", body, Math.floor(Date.now() / 1000) + 301), body), /tolerance/);
    assert.throws(() => verifySignature("k", "v1=abc", body), /malformed/);
  });
});
