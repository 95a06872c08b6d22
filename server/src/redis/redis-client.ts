import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from "ioredis";
import type { Logger } from "../logger.ts";

export type { Redis, Cluster };

/**
 * The Redis connection every store, script, stream, lease and rate limiter uses: one
 * Redis server or a Redis Cluster. Both speak the same commands; on a Cluster every
 * command goes to the primary of its key's slot, so a script's keys must share one
 * slot (hash tags), and node-local commands (PUBSUB, KEYS, SCAN, FLUSHALL) must be
 * sent to every node (see `cluster-pubsub.ts`).
 */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one server (a redis:// URL) or the seed nodes of a cluster. */
export type RedisTarget =
  | { kind: "single"; url: string }
  | { kind: "cluster"; nodes: { host: string; port: number }[]; username?: string; password?: string; tls?: boolean };

/** How the target is named in start-up errors ("REDIS_URL", "REDIS_CLUSTER_NODES"). */
export function describeRedisTarget(target: RedisTarget): string {
  return target.kind === "single" ? target.url : target.nodes.map((n) => `${n.host}:${n.port}`).join(",");
}

/** Settings that suit a request path: fail fast when Redis is away, reconnect within 2 s. */
function connectionOptions(name: string): RedisOptions {
  return {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    connectionName: `holdfast:${name}`,
  };
}

/** ioredis Cluster options for `target` (also handed to Colyseus's presence). */
export function clusterOptions(target: Extract<RedisTarget, { kind: "cluster" }>, name: string): ClusterOptions {
  return {
    redisOptions: {
      ...connectionOptions(name),
      username: target.username,
      password: target.password,
      tls: target.tls ? {} : undefined,
    },
    enableOfflineQueue: true,
    // A primary that restarts or fails over: keep the command and retry once the slot
    // map says where it lives now (the default delays, bounded by maxRedirections).
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    slotsRefreshTimeout: 2000,
  };
}

/**
 * Once a Cluster client is ready, commands fail at once while the cluster is away
 * instead of waiting in the offline queue: with every node unreachable a queued command
 * waits until the cluster is back, so requests would hang rather than get 503
 * UNAVAILABLE (as on one Redis server, whose client gives up after two retries).
 * Before the first `ready` the queue stays on, so start-up commands wait for the
 * connection (bounded by the start-up timeout). While one primary is away its slots
 * fail the same way; other slots carry on.
 */
export function failFastWhenAway(client: RedisClient): RedisClient {
  if (client instanceof Cluster) client.once("ready", () => (client.options.enableOfflineQueue = false));
  return client;
}

export function clusterSeeds(target: Extract<RedisTarget, { kind: "cluster" }>): ClusterNode[] {
  return target.nodes.map((n) => ({ host: n.host, port: n.port }));
}

let commandsSent = 0;

/** Commands this process sent to Redis on the connections made here (a metric). */
export function redisCommandsSent(): number {
  return commandsSent;
}

/** Counts every command `client` sends (a Cluster counts once per command, not per hop). */
function counted<C extends RedisClient>(client: C): C {
  const send = client.sendCommand.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { sendCommand: (...args: unknown[]) => unknown }).sendCommand = (...args) => {
    commandsSent++;
    return send(...args);
  };
  return client;
}

/** A new connection to `target` (plain ioredis Redis or Cluster; no auto-pipelining). */
export function connectRedis(target: RedisTarget, name: string): RedisClient {
  return counted(
    target.kind === "single" ? new Redis(target.url, connectionOptions(name)) : new Cluster(clusterSeeds(target), clusterOptions(target, name)),
  );
}

/**
 * The publishing connection of Colyseus's presence (it duplicates it for subscribing).
 * One server: ioredis defaults, as `new RedisPresence(url)` has them.
 */
export function connectPresence(target: RedisTarget): RedisClient {
  return counted(target.kind === "single" ? new Redis(target.url) : new Cluster(clusterSeeds(target), clusterOptions(target, "presence")));
}

/**
 * A second connection to the same Redis or cluster, named `name` (a pub/sub or
 * blocking connection, or one whose commands must not queue behind another's).
 */
export function duplicateClient(client: RedisClient, name: string, extra: { enableAutoPipelining?: boolean } = {}): RedisClient {
  if (client instanceof Cluster) {
    // The offline queue on until this connection is ready, then off like the source's
    // (see failFastWhenAway).
    return counted(
      failFastWhenAway(
        client.duplicate([], {
          ...extra,
          enableOfflineQueue: true,
          redisOptions: { ...client.options.redisOptions, connectionName: `holdfast:${name}` },
        }),
      ),
    );
  }
  return counted(client.duplicate({ ...extra, connectionName: `holdfast:${name}` }));
}

/**
 * A client with settings that suit a request path: commands fail fast when Redis is
 * away instead of queueing forever, and reconnects back off to 2 s. Errors are logged
 * once per distinct message.
 */
export function createRedisClient(target: RedisTarget | string, logger: Logger, name = "main"): RedisClient {
  const client = failFastWhenAway(connectRedis(typeof target === "string" ? { kind: "single", url: target } : target, name));
  let lastError = "";
  let everReady = false;
  client.on("error", (err: Error) => {
    // One line per distinct error, not one per retry. Before the first connection the
    // start-up reports it (one line naming the setting), so it is only debug here.
    if (err.message !== lastError) logger[everReady ? "warn" : "debug"]({ err: err.message, client: name }, "redis error");
    lastError = err.message;
  });
  client.on("ready", () => {
    everReady = true;
    lastError = "";
  });
  return client;
}

/** Rejects with `<what> timed out after <ms> ms` if `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
