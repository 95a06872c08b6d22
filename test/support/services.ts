import { flushRedis, scenarioRedisUrl, scratchDatabase } from "../../tools/src/loadtest/common.ts";
import { randomBytes } from "node:crypto";
import { backendSetting, clusterTestNodes, flushCluster, type RedisBackend } from "./redis-backends.ts";

/**
 * Real services for the tests that are about them. Without REDIS_URL / DATABASE_URL a
 * suite may skip, printing why; with REQUIRE_SERVICES=1 (CI) a missing service fails.
 */
export const requireServices = process.env.REQUIRE_SERVICES === "1";

/** Skips the current suite (or fails under REQUIRE_SERVICES=1) when `what` is missing. */
export function skipUnless(ctx: Mocha.Context, available: boolean, what: string): void {
  if (available) return;
  if (requireServices) throw new Error(`${what} is required (REQUIRE_SERVICES=1) but not configured`);
  console.log(`      (skipped: ${what} not configured)`);
  ctx.skip();
}

/**
 * A Redis URL on a DB number of its own (Colyseus's driver keeps global keys, so each
 * suite that boots servers gets a separate DB), flushed before use. Returns undefined
 * when REDIS_URL is unset.
 */
export async function testRedisUrl(db: number): Promise<string | undefined> {
  if (!process.env.REDIS_URL) return undefined;
  const url = scenarioRedisUrl(undefined, db);
  await flushRedis(url);
  return url;
}

export const flushRedisDb = flushRedis;

/** A unique Redis key prefix, for store tests sharing DB 0. */
export function uniquePrefix(name: string): string {
  return `hftest:${name}:${randomBytes(4).toString("hex")}:`;
}

/** Creates a fresh database on the DATABASE_URL server; `drop()` removes it. */
export async function createTestDatabase(name: string): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const base = process.env.DATABASE_URL;
  return base ? scratchDatabase(base, name.toLowerCase()) : undefined;
}

/**
 * What a suite of several server processes shares: Redis (a DB of its own on REDIS_URL,
 * or the whole test cluster of REDIS_CLUSTER_TEST_NODES, flushed) and a fresh Postgres
 * database, both required (skipUnless). `env` has REDIS_URL or REDIS_CLUSTER_NODES,
 * DATABASE_URL and a REDIS_PREFIX of its own (pub/sub ignores the DB number: the prefix
 * keeps this suite's channels apart). `cleanup()` drops and flushes them.
 */
export async function sharedServices(
  ctx: Mocha.Context,
  name: string,
  redisDb: number,
  backend: RedisBackend = "redis",
): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  skipUnless(ctx, Boolean(process.env[backendSetting(backend)]), `${backendSetting(backend)} (nodes share Redis)`);
  skipUnless(ctx, Boolean(process.env.DATABASE_URL), "DATABASE_URL (nodes share Postgres)");
  const redis = backend === "redis" ? await singleRedis(redisDb) : await clusterRedis();
  const database = (await createTestDatabase(name))!;
  return {
    env: { ...redis.env, DATABASE_URL: database.url, REDIS_PREFIX: uniquePrefix(name) },
    async cleanup() {
      await database.drop();
      await redis.flush();
    },
  };
}

async function singleRedis(db: number): Promise<{ env: Record<string, string>; flush(): Promise<void> }> {
  const url = (await testRedisUrl(db))!;
  return { env: { REDIS_URL: url }, flush: () => flushRedisDb(url) };
}

/** The test cluster, flushed (Colyseus's listings are global keys; a cluster has DB 0 only). */
async function clusterRedis(): Promise<{ env: Record<string, string>; flush(): Promise<void> }> {
  await flushCluster();
  return { env: { REDIS_CLUSTER_NODES: clusterTestNodes()! }, flush: () => flushCluster() };
}

/** The test cluster as a `redis+cluster://` URL (what the load scenarios' --redis takes), flushed. */
export async function testClusterUrl(): Promise<string | undefined> {
  const nodes = clusterTestNodes();
  if (!nodes) return undefined;
  await flushCluster(nodes);
  return `redis+cluster://${nodes}`;
}
