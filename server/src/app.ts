import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { defineRoom, defineServer, LocalPresence, matchMaker, type Presence, type Server } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import type { RedisClient as Redis } from "./redis/redis-client.ts";
import { createCommerce } from "./commerce.ts";
import { createFeed } from "./feed/feed.ts";
import { demoRoutes } from "./demo/demo-routes.ts";
import { webRoutes } from "./http/web-routes.ts";
import { createFeedRoom } from "./feed/feed-room.ts";
import { rowRetentionJobs } from "./db/row-retention.ts";
import { createContinuity } from "./continuity/create-continuity.ts";
import type { Config } from "./config.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { seedDemo } from "./db/demo-seed.ts";
import { migrate } from "./db/migrate.ts";
import { errorHandler, notFoundHandler } from "./http/errors-middleware.ts";
import { ErrorBoundary } from "./error-boundary.ts";
import { installFrontDoor } from "./http/front-door.ts";
import { healthRoutes } from "./http/health-routes.ts";
import { Metrics } from "./metrics.ts";
import { guardMatchmaking } from "./rooms/matchmake-gate.ts";
import { installMatchmakeRoute } from "./rooms/matchmake-route.ts";
import { RateLimits } from "./http/rate-limits.ts";
import { identityRoutes } from "./identity/identity-routes.ts";
import { MemorySessionCache } from "./identity/memory-session-cache.ts";
import { RedisSessionCache } from "./identity/redis-session-cache.ts";
import { SessionRepository } from "./identity/session-repository.ts";
import { SessionRevocations } from "./identity/session-revocations.ts";
import { SessionService, TOKEN_CACHE_DEFAULTS } from "./identity/session-service.ts";
import { AccessTokens } from "./identity/tokens.ts";
import { createLogger, type Logger } from "./logger.ts";
import { UnreachableServiceError } from "./unreachable-service.ts";
import { RedisKeys } from "./redis/keys.ts";
import { connectPresence, createRedisClient, describeRedisTarget, redisCommandsSent, withTimeout } from "./redis/redis-client.ts";
import { MessageBudgets } from "./rooms/message-budgets.ts";
import { QuietRedisPresence } from "./redis/quiet-redis-presence.ts";
import { createPingRoom } from "./rooms/ping-room.ts";
import { createSaleRoom } from "./sales/sale-room.ts";
import { createSales } from "./sales/sales.ts";
import type { RoomDeps } from "./rooms/room-deps.ts";
import { MemorySeatBindingStore, RedisSeatBindingStore } from "./tables/seat-binding-store.ts";
import { SeatTokens } from "./tables/seat-tokens.ts";
import { TableRepository } from "./tables/table-repository.ts";
import { createTableRoom } from "./tables/table-room.ts";
import { createTableGames } from "./tables/games/registry.ts";
import type { TableRoomDeps } from "./tables/table-room-deps.ts";
import { tableRoutes } from "./tables/table-routes.ts";
import { randomUUID } from "node:crypto";
import { NodeHeartbeats } from "./operator/node-heartbeats.ts";
import { OperatorOrders } from "./operator/operator-orders.ts";
import { operatorRoutes } from "./operator/operator-routes.ts";
import { SaleOperations } from "./operator/sale-operations.ts";
import { TableOperations } from "./operator/table-operations.ts";

/** How often each node publishes its heartbeat for the operator console (records live three periods). */
const NODE_HEARTBEAT_MS = 5000;
/** How long the operator API waits for a table room on another node to answer. */
const OPERATOR_ROOM_CALL_MS = 5000;

/** How long the start waits for Redis to answer before it gives up, naming the setting. */
const REDIS_START_TIMEOUT_MS = 10_000;

/** A running Holdfast node: everything built from one Config, closed in one call. */
export interface HoldfastApp {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly redis: Redis | undefined;
  readonly sessions: SessionService;
  readonly metrics: Metrics;
  /** The bound port (useful with PORT=0). */
  readonly port: number;
  readonly isDraining: () => boolean;
  /**
   * Stops taking new work (readyz turns 503, no new rooms here) and moves the tables
   * away: final snapshots, leases released, clients closed with 4503. `close()` waits
   * for it.
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  logger?: Logger;
}

/**
 * The composition root. Builds the backends the configuration asks for (Redis or
 * memory; a Postgres server or embedded PGlite), applies migrations, wires services,
 * HTTP routes and rooms, and starts listening.
 *
 * Colyseus keeps its matchmaker in module state, so one process hosts one app at a
 * time; multi-node tests run nodes as separate processes.
 */
export async function startApp(config: Config, options: CreateAppOptions = {}): Promise<HoldfastApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const keys = new RedisKeys(config.redisPrefix);
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err }, "error while closing");
      }
    }
  };

  try {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, sharedBuffers: config.embeddedPgSharedBuffers });
    closers.push(() => db.close());
    if (config.databaseUrl) {
      const url = config.databaseUrl;
      await db.ping().catch((err) => {
        throw new UnreachableServiceError("DATABASE_URL", url, err);
      });
    }
    const migrated = await migrate(db);
    if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, "migrations applied");
    if (config.seedDemo) {
      const seeded = await seedDemo(db);
      if (Object.values(seeded).some((n) => n > 0)) logger.info({ seeded }, "demo data seeded (SEED_DEMO)");
    }

    let redis: Redis | undefined;
    let presence: Presence;
    if (config.redis) {
      const target = config.redis;
      redis = createRedisClient(target, logger, "main");
      closers.push(() => void redis!.disconnect());
      let lastError: unknown;
      redis.on("error", (err) => (lastError = err));
      // Bounded: a Cluster whose seeds are all away queues the PING and retries forever.
      await withTimeout(redis.ping(), REDIS_START_TIMEOUT_MS, "redis ping").catch((err) => {
        // ioredis reports "max retries per request"; the connection error says why.
        const setting = target.kind === "cluster" ? "REDIS_CLUSTER_NODES" : "REDIS_URL";
        throw new UnreachableServiceError(setting, describeRedisTarget(target), lastError ?? err);
      });
      presence = new QuietRedisPresence(connectPresence(target));
    } else {
      presence = new LocalPresence();
    }
    // Tables that outlive rooms and nodes: event log, snapshots, leases, matchmaking driver.
    const continuityParts = createContinuity({ config, db, redis, keys, logger });
    const { continuity } = continuityParts;
    closers.push(() => continuityParts.close());
    // Bounded growth of the other tables: idempotency keys, finished orders, expired sessions.
    const retentionJobs = rowRetentionJobs({ pool: db.pool, config, redis, keys, logger });
    closers.push(() => Promise.all(retentionJobs.map((job) => job.stop())).then(() => undefined));
    let drained: Promise<void> | undefined;

    const metrics = new Metrics();
    if (redis) metrics.countRedisCommands(redisCommandsSent);
    metrics.countArchivePending(continuityParts.archivePending);
    const revocations = new SessionRevocations(presence, keys.revocationChannel, logger);
    const accessTokens = new AccessTokens(config.jwtSecret);
    const sessions = new SessionService({
      repository: new SessionRepository(db.pool),
      cache: redis ? new RedisSessionCache(redis, keys) : new MemorySessionCache(),
      tokens: accessTokens,
      revocations,
      logger,
      sessionTtlSeconds: config.sessionTtlSeconds,
      cacheTtlSeconds: config.sessionCacheTtlSeconds,
      tokenCache: TOKEN_CACHE_DEFAULTS,
    });
    const limits = new RateLimits(config.rateLimits, { redis, keys }, logger);
    const commerce = createCommerce({ config, db, redis, keys, logger, presence, sessions, limits });
    const sales = createSales({
      config,
      db,
      redis,
      keys,
      logger,
      presence,
      sessions,
      holdStore: commerce.holdStore,
      holdGate: commerce.holdGate,
      inventory: commerce.inventory,
      orderEvents: commerce.orderEvents,
    });
    let draining = false;

    const errors = new ErrorBoundary(logger);
    const roomDeps: RoomDeps = {
      config,
      logger,
      errors,
      metrics,
      sessions,
      revocations,
      budgets: config.roomLimits ? new MessageBudgets(config.roomLimits) : undefined,
    };
    const tables = new TableRepository(db.pool);
    const feed = createFeed({
      db,
      redis,
      keys,
      presence,
      logger,
      sessions,
      tables,
      orderEvents: commerce.orderEvents,
    });
    const tableDeps: TableRoomDeps = {
      ...roomDeps,
      tables,
      feed,
      staff: feed.permissions,
      seatTokens: new SeatTokens(config.jwtSecret, config.seatTokenTtlSeconds),
      bindings: redis ? new RedisSeatBindingStore(redis, keys) : new MemorySeatBindingStore(),
      eventLog: continuity.log,
      continuity,
      games: createTableGames({ holds: commerce.holdService, orders: commerce.orderService }),
    };

    const heartbeats = new NodeHeartbeats({
      presence,
      recordKey: (processId) => keys.nodeHeartbeat(processId),
      indexKey: keys.nodeHeartbeats,
      intervalMs: NODE_HEARTBEAT_MS,
      publicAddress: config.publicAddress,
      isDraining: () => draining,
      logger,
    });

    const httpServer = http.createServer();
    const transport = new WebSocketTransport({ server: httpServer });
    const server: Server = defineServer({
      rooms: {
        ping: defineRoom(createPingRoom(roomDeps)),
        table: defineRoom(createTableRoom(tableDeps)).filterBy(["tableId"]),
        feed: defineRoom(createFeedRoom({ ...roomDeps, bus: feed.bus, permissions: feed.permissions, lookups: feed.lookups })),
        sale: defineRoom(createSaleRoom({ ...roomDeps, sales: sales.service, queue: sales.queue, holds: commerce.holdService })).filterBy(["saleId"]),
      },
      transport,
      presence,
      driver: continuityParts.driver,
      selectProcessIdToCreateRoom: continuityParts.selectProcess,
      publicAddress: config.publicAddress,
      gracefullyShutdown: false,
      greet: false,
      express: (app) => {
        app.disable("x-powered-by");
        app.set("trust proxy", "loopback");
        commerce.holdHotPath.mount(app, metrics, errors); // POST /api/holds in its common form skips express
        app.use(metrics.httpMiddleware());
        app.use(healthRoutes({ db, redis, metrics, isDraining: () => draining, metricsToken: config.metricsToken }));
        app.use(webRoutes(config));
        app.use("/api", commerce.routes); // inventory, holds, orders, payments (parses its own JSON)
        app.use("/api", express.json({ limit: config.maxBodyBytes, strict: false }));
        app.use("/api/auth", identityRoutes(sessions, limits));
        app.use("/api", limits.middleware("default"));
        app.use(
          "/api/tables",
          tableRoutes({
            tables: tableDeps.tables,
            sessions,
            eventLog: tableDeps.eventLog,
            bindings: tableDeps.bindings,
            staff: feed.permissions,
            newId: () => `t-${randomUUID().slice(0, 8)}`,
          }),
        );
        app.use("/api/sales", sales.routes);
        app.use("/api/branches", feed.routes);
        app.use(
          "/api/admin",
          operatorRoutes({
            sessions,
            staff: feed.permissions,
            tables: tableDeps.tables,
            tableOps: new TableOperations(tableDeps.tables, logger, OPERATOR_ROOM_CALL_MS),
            saleOps: new SaleOperations(sales.service, sales.pauses),
            orders: new OperatorOrders(db.pool),
            nodes: heartbeats,
            logger,
          }),
        );
        if (config.demoPayments) {
          app.use("/api/demo", demoRoutes({ sessions, inventory: commerce.inventory, sales: sales.service, orders: commerce.orderService }));
        }
        app.use(notFoundHandler);
        app.use(errorHandler(errors));
      },
    });

    await revocations.start();
    closers.push(() => revocations.stop());
    // Every node's revocations also evict this node's verified-token cache.
    closers.push(revocations.listen((ids) => sessions.forgetSessions(ids)));
    await commerce.start();
    closers.push(() => commerce.stop());
    await feed.start();
    closers.push(() => feed.stop());
    await sales.start();
    closers.push(() => sales.stop());
    await server.listen(config.port);
    closers.push(() => server.gracefullyShutdown(false));
    await heartbeats.start();
    closers.push(() => heartbeats.stop());
    // HTTP layers in front of Colyseus's listener, innermost first: the matchmaker route
    // (contract errors), the matchmake gate (no client create, rate limits), then the
    // front door (security headers, CORS allowlist, malformed URLs) around everything.
    installMatchmakeRoute(httpServer, { errors, maxBodyBytes: config.maxBodyBytes, transport });
    guardMatchmaking(httpServer, { limits, userOf: (token) => tryUserOf(accessTokens, token) });
    installFrontDoor(httpServer, { errors, corsOrigins: config.corsOrigins, maxBodyBytes: config.maxBodyBytes, transport });
    const port = (httpServer.address() as AddressInfo).port;
    const url = `http://${config.publicAddress ?? `localhost:${port}`}`;
    logger.info({ port, url, redis: Boolean(redis), db: db.kind }, `holdfast node listening on ${url} (demo page: ${url}/)`);
    const openTableRoom = (tableId: string) => matchMaker.handleCreateRoom("table", { tableId });
    for (const job of retentionJobs) job.start();
    continuityParts.start({ findTable: (tableId) => tableDeps.tables.find(tableId), createRoom: openTableRoom });
    // Tables that were seated when the last process stopped come back now (their away
    // deadlines keep running), unless a live node already hosts them.
    void tableDeps.tables
      .list()
      .then((tables) => continuity.restoreOrphans(openTableRoom, tables))
      .then((n) => n > 0 && logger.info({ tables: n }, "tables restored at start"))
      .catch((err) => logger.warn({ err }, "could not restore tables at start"));

    return {
      config,
      logger,
      db,
      redis,
      sessions,
      metrics,
      port,
      isDraining: () => draining,
      drain: () => {
        draining = true;
        drained ??= continuity.drain();
        return drained;
      },
      close: async () => {
        await drained?.catch(() => undefined);
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The user id of a valid access token, or undefined (the matchmaker refuses it later anyway). */
function tryUserOf(tokens: AccessTokens, token: string): string | undefined {
  try {
    return tokens.verify(token).sub;
  } catch {
    return undefined;
  }
}
