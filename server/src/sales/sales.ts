import { randomUUID } from "node:crypto";
import type { Presence } from "@colyseus/core";
import type { Router } from "express";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import { OrderEventType, type OrderEvent } from "@holdfast/shared";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { HoldGate } from "../holds/hold-gate.ts";
import type { HoldStore } from "../holds/hold-store.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { InventoryService } from "../inventory/inventory-service.ts";
import { MemoryLease, RedisLease } from "../jobs/leases.ts";
import type { Logger } from "../logger.ts";
import type { OrderEvents } from "../orders/order-events.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { AdmissionTokens } from "./admission-tokens.ts";
import { MemorySaleQueueStore } from "./memory-sale-queue-store.ts";
import { RedisSaleQueueStore } from "./redis-sale-queue-store.ts";
import { SaleAdmitter } from "./sale-admitter.ts";
import { SalePauses } from "./sale-pauses.ts";
import { SaleKeys } from "./sale-keys.ts";
import type { SaleQueueStore } from "./sale-queue-store.ts";
import { SaleRepository } from "./sale-repository.ts";
import { SaleService } from "./sale-service.ts";
import { salesRoutes } from "./sales-routes.ts";

/** What sales are built from: the app's shared parts and the commerce parts they use. */
export interface SalesDeps {
  config: Pick<Config, "jwtSecret" | "admissionTtlSeconds">;
  db: Database;
  redis: Redis | undefined;
  keys: RedisKeys;
  logger: Logger;
  presence: Presence;
  sessions: SessionService;
  holdStore: HoldStore;
  /** Sales put their rule in front of every hold (admission, per-sale limit). */
  holdGate: HoldGate;
  inventory: InventoryService;
  /** Orders mark their buyers done; cancelled and expired ones admit more buyers. */
  orderEvents: Pick<OrderEvents, "listen">;
}

export interface Sales {
  service: SaleService;
  queue: SaleQueueStore;
  admitter: SaleAdmitter;
  /** Operator pauses of admission (every node's admitter honours them). */
  pauses: SalePauses;
  /** Mount at `/api/sales` (after a JSON body parser). */
  routes: Router;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How often each node looks at every live sale (lapses, admissions, lease renewal). */
const ADMIT_INTERVAL_MS = 200;
/** How often each node re-reads the sales table (a missed sale.created message, say). */
const REFRESH_INTERVAL_MS = 5000;

/**
 * Flash sales, built from the app's shared parts. Puts the sale gate in front
 * of holds (admission required on SKUs in a sale), follows order events (an order marks
 * its buyer done; cancelled and expired orders return stock, which admits more buyers).
 */
export function createSales(deps: SalesDeps): Sales {
  const { config, logger } = deps;
  const keys = SaleKeys.from(deps.keys);
  const queue: SaleQueueStore = deps.redis ? new RedisSaleQueueStore(deps.redis, keys) : new MemorySaleQueueStore();
  const tokens = new AdmissionTokens(config.jwtSecret);
  const service = new SaleService({
    repo: new SaleRepository(deps.db.pool),
    queue,
    holdStore: deps.holdStore,
    inventory: deps.inventory,
    tokens,
    presence: deps.presence,
    channel: keys.salesChannel,
    logger,
    admissionTtlSeconds: config.admissionTtlSeconds,
    newId: () => `sale-${randomUUID().slice(0, 8)}`,
  });
  const pauses = new SalePauses(deps.presence, deps.keys.pausedSales);
  const leaseRedis = deps.redis;
  const admitter = new SaleAdmitter({
    service,
    queue,
    leaseFor: (saleId) => (leaseRedis ? new RedisLease(leaseRedis, keys.admitterLease(saleId), 3000) : new MemoryLease()),
    admissionTtlSeconds: config.admissionTtlSeconds,
    intervalMs: ADMIT_INTERVAL_MS,
    logger,
    isPaused: (saleId) => pauses.isPaused(saleId),
  });
  deps.holdGate.useSales(service);
  const offStock = service.onStockReturned((sale) => void admitter.kick(sale));

  const onOrderEvent = (event: OrderEvent) => {
    for (const item of event.items ?? []) {
      const sale = service.saleForSku(item.sku);
      if (!sale) continue;
      if (event.type === OrderEventType.CREATED) {
        void queue.markDone(sale.saleId, event.userId).catch((err) => logger.warn({ err }, "could not mark a sale buyer done"));
      } else if (event.type === OrderEventType.CANCELLED || event.type === OrderEventType.EXPIRED) {
        void admitter.kick(sale);
      }
    }
  };
  let refresher: NodeJS.Timeout | undefined;
  let stopOrderEvents: (() => void) | undefined;

  return {
    service,
    queue,
    admitter,
    pauses,
    routes: salesRoutes(service, queue, deps.sessions),
    async start() {
      await service.start();
      stopOrderEvents = deps.orderEvents.listen(onOrderEvent);
      refresher = setInterval(() => void service.refresh().catch((err) => logger.warn({ err }, "sales refresh failed")), REFRESH_INTERVAL_MS);
      refresher.unref();
      admitter.start();
    },
    async stop() {
      clearInterval(refresher);
      offStock();
      stopOrderEvents?.();
      service.stop();
      await admitter.stop();
      await queue.close();
    },
  };
}
