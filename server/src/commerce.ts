import type { Presence } from "@colyseus/core";
import express, { Router, type Request } from "express";
import { duplicateClient, type RedisClient as Redis } from "./redis/redis-client.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { RateLimits } from "./http/rate-limits.ts";
import { CommerceKeys } from "./holds/commerce-keys.ts";
import { HoldGate } from "./holds/hold-gate.ts";
import { HoldService } from "./holds/hold-service.ts";
import type { HoldStore } from "./holds/hold-store.ts";
import { HoldHotPath } from "./holds/holds-fast-path.ts";
import { holdsRoutes } from "./holds/holds-routes.ts";
import { MemoryHoldStore } from "./holds/memory-hold-store.ts";
import { LoadingHoldStore } from "./holds/loading-hold-store.ts";
import { RedisHoldStore } from "./holds/redis-hold-store.ts";
import type { SessionService } from "./identity/session-service.ts";
import { BranchMenuRepository } from "./inventory/branch-menu-repository.ts";
import { InventoryRepository } from "./inventory/inventory-repository.ts";
import { inventoryRoutes } from "./inventory/inventory-routes.ts";
import { menuRoutes } from "./inventory/menu-routes.ts";
import { InventoryService } from "./inventory/inventory-service.ts";
import type { Logger } from "./logger.ts";
import { Idempotency } from "./http/idempotency.ts";
import { OrderEvents } from "./orders/order-events.ts";
import { OrderRepository } from "./orders/order-repository.ts";
import { OrderService } from "./orders/order-service.ts";
import { ordersRoutes } from "./orders/orders-routes.ts";
import { MemoryLease, RedisLease } from "./jobs/leases.ts";
import { LeasedJob } from "./jobs/repeater.ts";
import type { RedisKeys } from "./redis/keys.ts";

/** The app's shared parts that commerce and sales are built from. */
export interface AppParts {
  config: Config;
  db: Database;
  redis: Redis | undefined;
  keys: RedisKeys;
  logger: Logger;
  presence: Presence;
  sessions: SessionService;
}

export interface CommerceDeps extends AppParts {
  limits: RateLimits;
  /** Test seam: wraps the order repository (fault injection). */
  wrapOrderRepository?: (repo: OrderRepository) => OrderRepository;
}

export interface Commerce {
  /** Mount under `/api`, before the generic JSON parser (it parses its own bodies, keeping raw bytes). */
  routes: Router;
  /** `POST /api/holds` without express; `mount` it on the app before any route. */
  holdHotPath: HoldHotPath;
  holdStore: HoldStore;
  /** The one rule in front of every hold (sales add theirs with `useSales`). */
  holdGate: HoldGate;
  inventory: InventoryService;
  holdService: HoldService;
  orderService: OrderService;
  /** Order events of every node (one subscription per node; sales and the feed listen). */
  orderEvents: OrderEvents;
  sweeper: LeasedJob;
  /** Rebuilds missing counters from Postgres and starts the sweeper. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Paths this module answers; its JSON parser runs only on them. */
const PATHS = ["/inventory", "/holds", "/orders", "/payments"];

/**
 * Inventory, holds, orders and payments, built from the app's shared parts.
 * Redis mode: RedisHoldStore with its own connection (writes batched per event-loop
 * turn), and a Redis lease so one node sweeps. Embedded mode: MemoryHoldStore and an
 * always-held lease.
 */
export function createCommerce(deps: CommerceDeps): Commerce {
  const { config, db, logger } = deps;
  const keys = CommerceKeys.from(deps.keys);
  // A connection of our own. RedisHoldStore batches concurrent hold scripts into one
  // write per event-loop turn itself (cheaper than ioredis' auto-pipelining, see cmd()).
  const redis = deps.redis && duplicateClient(deps.redis, "holds", { enableAutoPipelining: false });
  const store: HoldStore = redis ? new RedisHoldStore(redis, keys) : new MemoryHoldStore();
  const inventoryRepo = new InventoryRepository(db.pool);
  const inventory = new InventoryService(inventoryRepo, store, logger);
  // What every service but inventory uses: counters missing from the store are loaded
  // from Postgres and the operation tried once more.
  const holdStore = new LoadingHoldStore(store, (sku) => inventory.ensureLoaded(sku));
  const menus = new BranchMenuRepository(db.pool);
  const holdGate = new HoldGate(menus);
  const holdService = new HoldService(holdStore, config.holdTtlSeconds, holdGate);
  const baseRepo = new OrderRepository(db);
  const orderEvents = new OrderEvents(deps.presence, keys.orderEventsChannel, logger);
  const orderService = new OrderService({
    db,
    repo: deps.wrapOrderRepository ? deps.wrapOrderRepository(baseRepo) : baseRepo,
    store: holdStore,
    gate: holdGate,
    events: orderEvents,
    logger,
    orderTtlSeconds: config.orderTtlSeconds,
  });
  const idempotency = new Idempotency(db.pool);

  const intervalMs = Math.min(1000, config.orderTtlSeconds * 250);
  const sweeper = new LeasedJob({
    name: "order sweeper",
    lease: redis ? new RedisLease(redis, keys.sweeperLease, intervalMs * 5) : new MemoryLease(),
    intervalMs,
    logger,
    // Every node notices lost Redis data (cheap EXISTS); loadStock is idempotent.
    always: async () => {
      await inventory.rebuildIfLost();
    },
    tick: async () => {
      while ((await orderService.expireDue(100)) === 100);
      for (const sku of await inventoryRepo.listSkus()) await holdStore.sweep(sku);
    },
  });

  const routes = Router();
  const limit = (routeClass: "holds" | "webhook" | "default") => deps.limits.middleware(routeClass);
  routes.use(
    PATHS,
    express.json({
      limit: config.maxBodyBytes,
      strict: false,
      verify: (req, _res, buf) => {
        (req as unknown as Request & { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  routes.use(["/inventory", "/holds/:holdId"], limit("default"));
  routes.use(inventoryRoutes(inventory, deps.sessions));
  routes.use(menuRoutes(menus, inventory, deps.sessions));
  routes.use(holdsRoutes(holdService, deps.sessions, idempotency, limit("holds")));
  routes.use(ordersRoutes(orderService, deps.sessions, idempotency, {
    webhookSecret: config.paymentWebhookSecret,
    webhookLimit: limit("webhook"),
    defaultLimit: limit("default"),
  }));

  const holdHotPath = new HoldHotPath({
    holds: holdService,
    sessions: deps.sessions,
    limits: deps.limits,
    logger,
    maxBodyBytes: config.maxBodyBytes,
  });

  return {
    routes,
    holdHotPath,
    holdStore,
    holdGate,
    inventory,
    holdService,
    orderService,
    orderEvents,
    sweeper,
    async start() {
      await orderEvents.start();
      await inventory.rebuildAll();
      sweeper.start();
    },
    async stop() {
      await sweeper.stop();
      orderEvents.stop();
      await holdStore.close();
      redis?.disconnect();
    },
  };
}
