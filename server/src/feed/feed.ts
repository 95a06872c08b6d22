import type { Presence } from "@colyseus/core";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import { OrderEventType, type OrderEvent, type TableKind } from "@holdfast/shared";
import type { OrderEvents } from "../orders/order-events.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { TableRepository } from "../tables/table-repository.ts";
import { branchRoutes } from "./branch-routes.ts";
import { FeedBus, tableTopics } from "./feed-bus.ts";
import type { TopicLookups } from "./feed-topics.ts";
import type { SessionService } from "../identity/session-service.ts";
import { MemoryGrantCache, RedisGrantCache, StaffPermissions } from "./staff-permissions.ts";
import { StaffRepository } from "./staff-repository.ts";

export interface FeedDeps {
  db: Database;
  redis: Redis | undefined;
  keys: RedisKeys;
  presence: Presence;
  logger: Logger;
  sessions: SessionService;
  tables: TableRepository;
  /** Order events of every node (the feed re-delivers them on this node's bus). */
  orderEvents: Pick<OrderEvents, "listen">;
}

/**
 * The live feed: the bus, staff permissions with their cache and cross-node
 * invalidation, the branch admin routes, and the bridge that turns order events into
 * feed events on every node.
 */
export function createFeed(deps: FeedDeps) {
  const bus = new FeedBus(deps.presence, deps.keys.feedChannel, deps.logger);
  const repo = new StaffRepository(deps.db.pool);
  const cache = deps.redis ? new RedisGrantCache(deps.redis, (userId) => deps.keys.staffGrants(userId)) : new MemoryGrantCache();
  const permissions = new StaffPermissions(repo, cache, deps.presence, deps.keys.staffGrantsChannel, deps.logger);
  const lookups: TopicLookups = {
    permissions,
    async orderOwner(orderId) {
      const { rows } = await deps.db.pool.query<{ user_id: string }>("SELECT user_id FROM orders WHERE order_id = $1", [orderId]);
      return rows[0]?.user_id ?? null;
    },
    async tableBranch(tableId) {
      return (await deps.tables.find(tableId))?.options.branchId;
    },
  };

  // Order events reach every node on their own channel; each node hands them to its
  // feed rooms locally (re-publishing would multiply them by the number of nodes).
  const onOrderEvent = (e: OrderEvent) => {
    const topics = ["admin", `order:${e.orderId}`];
    // A dining checkout's `order.created` already went out as a table event.
    if (e.type !== OrderEventType.CREATED) {
      if (e.tableId) topics.push(`table:${e.tableId}`);
      if (e.branchId) topics.push(`branch:${e.branchId}`);
    }
    bus.deliverLocally({ topics, type: e.type, at: Date.parse(e.at) || Date.now(), data: { ...e } });
  };

  let stopOrderEvents: (() => void) | undefined;

  return {
    bus,
    permissions,
    lookups,
    routes: branchRoutes({ sessions: deps.sessions, repo, permissions }),
    /** Public table events go to `admin`, `table:T` and the table's branch. */
    publishTableEvent(table: { tableId: string; kind: TableKind; branchId?: string }, event: { type: string; at: number; data: Record<string, unknown> }) {
      bus.publish({ topics: tableTopics(table.tableId, table.branchId), type: event.type, at: event.at, data: { tableId: table.tableId, ...event.data } });
    },
    async start() {
      await bus.start();
      await permissions.start();
      stopOrderEvents = deps.orderEvents.listen(onOrderEvent);
    },
    stop() {
      stopOrderEvents?.();
      permissions.stop();
      bus.stop();
    },
  };
}

export type Feed = ReturnType<typeof createFeed>;
