import { RedisPresence } from "@colyseus/redis-presence";
import { activeChannels } from "./cluster-pubsub.ts";

type Callback = Parameters<RedisPresence["unsubscribe"]>[1];

/**
 * Colyseus's RedisPresence with a quiet shutdown. At shutdown the matchmaker and our
 * services unsubscribe from their channels while the presence quits its connections;
 * RedisPresence lets those unsubscribes reject ("Connection is closed") with nobody
 * listening, and each printed an unhandled-rejection stack on every clean stop. After
 * `shutdown()` a failed unsubscribe is simply done (the connection, and with it every
 * subscription, is gone); the subscriber is closed at once instead of sent QUIT.
 *
 * On a Redis Cluster, `channels()` (the matchmaker asks it which processes are alive)
 * asks every node: PUBSUB CHANNELS only sees the subscribers of the node it runs on.
 */
export class QuietRedisPresence extends RedisPresence {
  private closed = false;

  override async unsubscribe(topic: string, callback?: Callback): Promise<this> {
    try {
      return await super.unsubscribe(topic, callback);
    } catch (err) {
      if (this.closed) return this;
      throw err;
    }
  }

  override channels(pattern = "*"): Promise<string[]> {
    return activeChannels(this.pub, pattern);
  }

  override shutdown(): void {
    this.closed = true;
    this.sub.disconnect();
    this.pub.quit().catch(() => undefined);
  }
}
