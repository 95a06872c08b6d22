/**
 * A dining table's stock I/O around its log, through `TableMaster` and the real hold and
 * order services (memory and Redis hold stores, Postgres or PGlite): when the log refuses a
 * command's events, no hold or order the log does not know of is left behind; when an
 * effect that follows an appended event fails, the event stands and the table goes on.
 */
import assert from "node:assert/strict";
import { LocalPresence } from "@colyseus/core";
import { ErrorCode, type TableDto } from "@holdfast/shared";
import type { Database } from "../../server/src/db/database.ts";
import { HoldGate } from "../../server/src/holds/hold-gate.ts";
import { HoldService } from "../../server/src/holds/hold-service.ts";
import { Redis } from "ioredis";
import { CommerceKeys } from "../../server/src/holds/commerce-keys.ts";
import type { HoldStore } from "../../server/src/holds/hold-store.ts";
import { MemoryHoldStore } from "../../server/src/holds/memory-hold-store.ts";
import { LoadingHoldStore } from "../../server/src/holds/loading-hold-store.ts";
import { RedisHoldStore } from "../../server/src/holds/redis-hold-store.ts";
import { InventoryRepository } from "../../server/src/inventory/inventory-repository.ts";
import { InventoryService } from "../../server/src/inventory/inventory-service.ts";
import { createLogger } from "../../server/src/logger.ts";
import { OrderEvents } from "../../server/src/orders/order-events.ts";
import { OrderRepository } from "../../server/src/orders/order-repository.ts";
import { OrderService } from "../../server/src/orders/order-service.ts";
import { createDiningGame, diningState } from "../../server/src/tables/games/dining-game.ts";
import { MemorySeatBindingStore } from "../../server/src/tables/seat-binding-store.ts";
import { MemoryTableEventLog, type LoggedEvent } from "../../server/src/tables/table-event-log.ts";
import { TableMaster } from "../../server/src/tables/table-master.ts";
import { testDatabase } from "../continuity/helpers.ts";
import { skipUnless, uniquePrefix } from "../support/services.ts";

/** A log that refuses appends while `failing` is set (Redis away, the lease fenced). */
class FlakyLog extends MemoryTableEventLog {
  failing = false;
  override async append(tableId: string, events: LoggedEvent[]): Promise<void> {
    if (this.failing) throw new Error("injected: the event log refused the append");
    return super.append(tableId, events);
  }
}

/** Hold releases fail while `releaseFails` is set (Redis away after the append). */
class FlakyHolds extends HoldService {
  releaseFails = false;
  override async releaseAny(holdIds: string[]): Promise<void> {
    if (this.releaseFails) throw new Error("injected: could not release holds");
    return super.releaseAny(holdIds);
  }
}

const logger = createLogger("silent");
const noAudience = { changed() {}, seatReleased() {}, publish() {}, ticked() {}, hostingLost() {} };

for (const kind of ["memory", "redis"] as const) describe(`dining table: holds and orders around the event log (${kind} hold store)`, function () {
  this.timeout(60_000);
  let database: { db: Database; drop(): Promise<void> };
  let redis: Redis | undefined;
  let inventory: InventoryService;
  let store: HoldStore;
  let holds: FlakyHolds;
  let orders: OrderService;
  let tableNo = 0;

  before(async function () {
    if (kind === "redis") skipUnless(this, Boolean(process.env.REDIS_URL), "REDIS_URL");
    database = await testDatabase(`diningfx_${kind}`);
    if (kind === "redis") {
      redis = new Redis(process.env.REDIS_URL!);
      store = new RedisHoldStore(redis, new CommerceKeys(uniquePrefix("diningfx")));
    } else {
      store = new MemoryHoldStore();
    }
    inventory = new InventoryService(new InventoryRepository(database.db.pool), store, logger);
    const gate = new HoldGate({ isOnMenu: async () => true });
    const loading = new LoadingHoldStore(store, (sku) => inventory.ensureLoaded(sku));
    holds = new FlakyHolds(loading, 600, gate);
    const events = new OrderEvents(new LocalPresence(), "orders", logger);
    orders = new OrderService({ db: database.db, repo: new OrderRepository(database.db), store: loading, gate, events, logger, orderTtlSeconds: 600 });
  });

  after(async () => {
    redis?.disconnect();
    await database?.drop();
  });

  let sku = "";
  beforeEach(() => {
    holds.releaseFails = false;
  });

  /** A dining table with `ann` seated, its master and its log; a dish of its own with 10 in stock. */
  async function diningTable() {
    sku = `s-fx-${++tableNo}`;
    await inventory.put(sku, { stock: 10 });
    const table: TableDto = { tableId: `fx-${tableNo}`, kind: "dining", seats: 4, options: { branchId: "b-fx" }, createdAt: new Date().toISOString() };
    const log = new FlakyLog();
    const master = new TableMaster(
      {
        table,
        game: createDiningGame({ holds, orders }),
        eventLog: log,
        bindings: new MemorySeatBindingStore(),
        logger,
        settings: { seatGraceSeconds: 30, seatTokenTtlSeconds: 3600, turnSeconds: 30 },
        clock: { now: () => Date.now(), every: () => () => undefined },
      },
      noAudience,
    );
    const seat = await master.sit({ userId: "ann", name: "Ann", tokenId: "tok-ann" });
    const play = (type: string, payload: unknown) => master.play({ type, seat, userId: "ann", payload });
    const setLine = (quantity: number) => play("cart.set", { sku, quantity });
    return { master, log, play, setLine, cart: () => diningState(master.model) };
  }

  const stock = () => inventory.view(sku);
  const ordersOf = async (tableId: string) =>
    (await database.db.pool.query("SELECT status, cancel_reason FROM orders WHERE table_id = $1 ORDER BY created_at", [tableId])).rows;

  it("cart.set refused by the log: the line's hold goes back to what the log says (none, then the previous quantity)", async () => {
    const { log, setLine, cart } = await diningTable();
    log.failing = true;
    await assert.rejects(setLine(2), /injected/);
    assert.deepEqual(cart().lines, []);
    assert.deepEqual(await stock(), { sku, total: 10, sold: 0, held: 0, available: 10 }, "no hold for a line the log never had");

    log.failing = false;
    await setLine(2);
    log.failing = true;
    await assert.rejects(setLine(5), /injected/);
    assert.equal(cart().lines[0].quantity, 2);
    assert.deepEqual(await stock(), { sku, total: 10, sold: 0, held: 2, available: 8 }, "the hold is back at the logged quantity");

    log.failing = false;
    await setLine(5);
    assert.deepEqual(await stock(), { sku, total: 10, sold: 0, held: 5, available: 5 });
  });

  it("checkout refused by the log: the order is withdrawn and its units are back in the cart's holds", async () => {
    const { master, log, play, setLine, cart } = await diningTable();
    await setLine(3);
    log.failing = true;
    await assert.rejects(play("checkout", {}), /injected/);
    assert.equal(cart().status, "open");
    assert.deepEqual(await ordersOf(master.table.tableId), [], "no order anyone could pay");
    assert.deepEqual(await stock(), { sku, total: 10, sold: 0, held: 3, available: 7 }, "held by the cart again, not sold, not lost");
    assert.equal((await store.get(cart().lines[0].holdId))?.status, "active");

    log.failing = false;
    const reply = await play("checkout", {});
    assert.ok((reply.order as { orderId: string }).orderId, "the same cart checks out once the log is back");
    assert.equal(cart().status, "ordered");
    assert.deepEqual(
      (await ordersOf(master.table.tableId)).map((o) => o.status),
      ["pending"],
    );
  });

  it("close refused by the log: the cart stays open and keeps its holds (released only after the append)", async () => {
    const { log, play, setLine, cart } = await diningTable();
    await setLine(2);
    log.failing = true;
    await assert.rejects(play("close", {}), /injected/);
    assert.equal(cart().status, "open");
    assert.equal((await store.get(cart().lines[0].holdId))?.status, "active", "the logged cart's line is still held");
    assert.deepEqual(await stock(), { sku, total: 10, sold: 0, held: 2, available: 8 });

    log.failing = false;
    await play("close", {});
    assert.equal(cart().status, "abandoned");
    assert.deepEqual(await stock(), { sku, total: 10, sold: 0, held: 0, available: 10 }, "released after the append");
  });

  it("a failed effect (the holds' release after close) does not undo the logged close; the table goes on", async () => {
    const { master, play, setLine, cart } = await diningTable();
    await setLine(2);
    const heldLine = cart().lines[0].holdId;
    holds.releaseFails = true;
    const reply = await play("close", {});
    assert.equal(reply.ok, true, "the close is in the log: the diner is told it happened");
    assert.equal(cart().status, "abandoned");
    assert.equal((await store.get(heldLine))?.status, "active", "the hold lapses at its TTL instead");

    holds.releaseFails = false;
    await setLine(1);
    assert.equal(cart().lines.length, 1, "the next cart works");
    assert.equal(master.model.seq, 4);
  });

  it("a hold the gate refuses is the command's error, and nothing is logged", async () => {
    const { master, setLine } = await diningTable();
    const seq = master.model.seq;
    await assert.rejects(setLine(11), (err: { code?: string }) => err.code === ErrorCode.SOLD_OUT);
    assert.equal(master.model.seq, seq);
  });
});
