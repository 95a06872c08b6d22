import { Cluster } from "ioredis";
import type { RedisClient } from "./redis-client.ts";

/**
 * PUBSUB answers about the subscribers of the node it is asked on. One Redis server
 * sees every subscriber; in a Redis Cluster a PUBLISH reaches every node but each
 * subscriber connection sits on one of them (ioredis picks one at random), so the
 * question goes to every node and the answers are added up.
 */
function nodesOf(client: RedisClient): RedisClient[] {
  return client instanceof Cluster ? client.nodes("all") : [client];
}

/** How many connections listen on `channel`, over the whole deployment. */
export async function subscriberCount(client: RedisClient, channel: string): Promise<number> {
  const nodes = nodesOf(client);
  // No cluster node connected yet (or reconnecting): no answer, not "nobody listens",
  // which would make a live process look dead to the liveness check for a minute.
  if (nodes.length === 0) throw new Error("no Redis Cluster node connected");
  const replies = await Promise.all(nodes.map((n) => n.pubsub("NUMSUB", channel) as Promise<[string, number | string]>));
  return replies.reduce((sum, reply) => sum + Number(reply[1] ?? 0), 0);
}

/** The channels with at least one subscriber matching `pattern`, over the whole deployment. */
export async function activeChannels(client: RedisClient, pattern: string): Promise<string[]> {
  const replies = await Promise.all(nodesOf(client).map((n) => n.pubsub("CHANNELS", pattern) as Promise<string[]>));
  return [...new Set(replies.flat())];
}
