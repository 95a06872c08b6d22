import { Redis } from "ioredis";
import type { Logger } from "../logger.ts";

export type { Redis };

/**
 * ioredis client with settings that suit a request path: commands fail fast when
 * Redis is away instead of queueing forever, and reconnects back off to 2 s.
 */
export function createRedisClient(url: string, logger: Logger, name = "main"): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    connectionName: `holdfast:${name}`,
  });
  let lastError = "";
  let everReady = false;
  client.on("error", (err: Error) => {
    // One line per distinct error, not one per retry. Before the first connection the
    // start-up reports it (one line naming REDIS_URL), so it is only debug here.
    if (err.message !== lastError) logger[everReady ? "warn" : "debug"]({ err: err.message, client: name }, "redis error");
    lastError = err.message;
  });
  client.on("ready", () => {
    everReady = true;
    lastError = "";
  });
  return client;
}

/** Resolves with `fallback` if `promise` does not settle within `ms`. */
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
