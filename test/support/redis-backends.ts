import { Cluster, Redis } from "ioredis";
import type { RedisClient } from "../../server/src/redis/redis-client.ts";

/**
 * The Redis deployments a store is tested on besides memory: one server (REDIS_URL)
 * and a Redis Cluster (REDIS_CLUSTER_TEST_NODES=host:port,...; `.ci/run` starts a
 * 3-primary one on loopback). Tests delete what they write; suites that boot servers
 * flush the whole cluster (Colyseus keeps global keys and a cluster has DB 0 only), so
 * point REDIS_CLUSTER_TEST_NODES at a cluster of the tests' own.
 */
export type RedisBackend = "redis" | "redis-cluster";

export const REDIS_BACKENDS: readonly RedisBackend[] = ["redis", "redis-cluster"];

/** The variable that configures `backend`, for skip messages. */
export function backendSetting(backend: RedisBackend): string {
  return backend === "redis" ? "REDIS_URL" : "REDIS_CLUSTER_TEST_NODES";
}

export function backendConfigured(backend: RedisBackend): boolean {
  return Boolean(process.env[backendSetting(backend)]);
}

/** The cluster's seed nodes, as REDIS_CLUSTER_NODES takes them. */
export function clusterTestNodes(): string | undefined {
  return process.env.REDIS_CLUSTER_TEST_NODES || undefined;
}

function seeds(list: string): { host: string; port: number }[] {
  return list.split(",").map((entry) => {
    const i = entry.lastIndexOf(":");
    return { host: entry.slice(0, i), port: Number(entry.slice(i + 1)) };
  });
}

/** A client of `backend` (connects lazily; disconnect it after). */
export function connectBackend(backend: RedisBackend): RedisClient {
  if (backend === "redis") return new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  return new Cluster(seeds(clusterTestNodes()!), { redisOptions: { maxRetriesPerRequest: 1 } });
}

/** The nodes that hold data: the client itself, or every primary of a cluster. */
export function primariesOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes("master") : [client];
}

/** Every key under `prefix` (SCAN on every primary: KEYS and SCAN see one node's keys). */
export async function keysUnder(client: RedisClient, prefix: string): Promise<string[]> {
  if (client instanceof Cluster) await client.ping();
  const found: string[] = [];
  for (const node of primariesOf(client)) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      found.push(...keys);
    } while (cursor !== "0");
  }
  return found;
}

/** Deletes every key under `prefix` (SCAN is per node: every primary is scanned). */
export async function deleteKeysUnder(client: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  // One DEL per key through the client: keys of different slots cannot share a command
  // on a cluster, and the client sends each to its slot's primary.
  for (const key of await keysUnder(client, prefix)) deleted += await client.del(key);
  return deleted;
}

/** Empties every primary of the cluster (suites that boot servers on it). */
export async function flushCluster(nodes = clusterTestNodes()): Promise<void> {
  if (!nodes) return;
  const cluster = new Cluster(seeds(nodes), { redisOptions: { maxRetriesPerRequest: 1 } });
  try {
    await cluster.ping();
    await Promise.all(cluster.nodes("master").map((n) => n.flushall()));
  } finally {
    cluster.disconnect();
  }
}
