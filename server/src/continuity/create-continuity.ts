import { matchMaker, type MatchMakerDriver } from "@colyseus/core";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import type { RedisKeys } from "../redis/keys.ts";
import { MemoryLease, RedisLease } from "../jobs/leases.ts";
import { EventRetention } from "./event-retention.ts";
import { DurableTableEventLog, MemoryHotTableLog, RedisHotTableLog } from "./durable-table-event-log.ts";
import {
  DeadProcessSweeper,
  driverClient,
  HoldfastLocalDriver,
  HoldfastRedisDriver,
  ProcessLiveness,
  processSelector,
} from "./matchmaking.ts";
import { RedisSnapshotCache } from "./snapshot-cache.ts";
import { TableArchive } from "./table-archive.ts";
import { TableContinuity } from "./table-continuity.ts";
import { MemoryTableLeases, RedisTableLeases } from "./table-lease.ts";
import { RedisHostedTables, TableAdopter } from "./table-adoption.ts";
import type { TableDto } from "@holdfast/shared";

/** What adoption needs from the app: the stored table, and "open its room here". */
export interface AdoptionHooks {
  findTable: (tableId: string) => Promise<TableDto | null>;
  createRoom: (tableId: string) => Promise<unknown>;
}

export interface ContinuityParts {
  continuity: TableContinuity;
  /** The matchmaking driver to hand to `defineServer`. */
  driver: MatchMakerDriver;
  /** `defineServer({ selectProcessIdToCreateRoom })`. */
  selectProcess: (roomName: string, options: unknown) => Promise<string>;
  /** Starts the dead-process sweep, the event retention job and the adoption of orphaned tables (after the server listens). */
  start(hooks: AdoptionHooks): void;
  /** Flushes queued events and stops timers (before the database closes). */
  close(): Promise<void>;
  /** Events accepted by the hot log and not yet written to Postgres (a crash loses these). */
  archivePending(): number;
}

/**
 * Builds the continuity parts for the configured backends: with Redis, the hot log in
 * Redis Streams, leases and snapshot copies in Redis, listings filtered by liveness;
 * without, memory for all of them (one process). Postgres (or PGlite) keeps every event
 * and the latest snapshots in both modes.
 */
export function createContinuity(o: { config: Config; db: Database; redis: Redis | undefined; keys: RedisKeys; logger: Logger }): ContinuityParts {
  const { config, db, redis, keys, logger } = o;
  const archive = new TableArchive(db.pool, logger);
  const liveness = new ProcessLiveness(redis, logger);
  const settings = {
    snapshotEvery: config.tableSnapshotEvery,
    snapshotSeconds: config.tableSnapshotSeconds,
    leaseSeconds: config.tableLeaseSeconds,
  };
  const retentionMs = config.eventRetentionIntervalSeconds * 1000;
  const retention = new EventRetention(db.pool, {
    days: config.eventRetentionDays,
    keep: config.eventRetentionKeep,
    intervalMs: retentionMs,
  }).job(redis ? new RedisLease(redis, keys.eventRetentionLease, retentionMs * 2) : new MemoryLease(), logger);
  const startRetention = () => config.eventRetentionDays !== null && retention.start();

  if (redis && config.redis) {
    const driver = new HoldfastRedisDriver(driverClient(config.redis), liveness, logger);
    const sweeper = new DeadProcessSweeper(driver, liveness, logger);
    const hosted = new RedisHostedTables(redis, keys);
    let adopter: TableAdopter | undefined;
    const isDraining = async (processId: string) => processId === matchMaker.processId ? continuity.isDraining : (await redis.exists(keys.nodeDraining(processId))) === 1;
    const continuity: TableContinuity = new TableContinuity({
      settings,
      logger,
      log: new DurableTableEventLog(new RedisHotTableLog(redis, keys, config.tableLogRetention), archive),
      archive,
      snapshotCache: new RedisSnapshotCache(redis, keys),
      leases: new RedisTableLeases(redis, keys),
      liveness,
      driver,
      markDraining: async () => {
        adopter?.stop();
        await redis.set(keys.nodeDraining(matchMaker.processId), "1", "EX", 600);
      },
      hosted,
    });
    return {
      continuity,
      driver,
      archivePending: () => archive.pending,
      selectProcess: processSelector({ liveness, isDraining }),
      start: (hooks) => {
        sweeper.start();
        startRetention();
        adopter = new TableAdopter({
          index: hosted,
          logger,
          processId: () => matchMaker.processId,
          isDraining: () => continuity.isDraining,
          findTable: hooks.findTable,
          adopt: (table) => continuity.adoptIfOrphaned(table, hooks.createRoom),
        });
        adopter.start();
      },
      close: async () => {
        sweeper.stop();
        adopter?.stop();
        await retention.stop();
        await archive.close();
      },
    };
  }

  const driver = new HoldfastLocalDriver();
  const continuity: TableContinuity = new TableContinuity({
    settings,
    logger,
    log: new DurableTableEventLog(new MemoryHotTableLog(config.tableLogRetention), archive),
    archive,
    snapshotCache: null,
    leases: new MemoryTableLeases(),
    liveness,
    driver,
    markDraining: async () => undefined,
    hosted: null,
  });
  return {
    continuity,
    driver,
    archivePending: () => archive.pending,
    selectProcess: processSelector({ liveness, isDraining: async () => continuity.isDraining }),
    start: startRetention,
    close: async () => {
      await retention.stop();
      await archive.close();
    },
  };
}
