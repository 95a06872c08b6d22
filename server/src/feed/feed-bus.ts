import type { Presence } from "@colyseus/core";
import type { Logger } from "../logger.ts";

/** One event on the live feed, addressed to topics (`order:ID`, `branch:B`, `table:T`, `admin`). */
export interface FeedEvent {
  topics: string[];
  type: string;
  /** Epoch ms. */
  at: number;
  data: Record<string, unknown>;
}

/**
 * The cluster-wide feed: every node publishes what happened (order events, public
 * table events) on one presence channel (Redis pub/sub across nodes) and every node's
 * `feed` rooms pick out what their clients subscribed to.
 */
export class FeedBus {
  private readonly listeners = new Set<(event: FeedEvent) => void>();
  private readonly onMessage = (message: unknown) => {
    const event = message as FeedEvent;
    if (!event || !Array.isArray(event.topics) || typeof event.type !== "string") return;
    for (const listener of this.listeners) listener(event);
  };

  constructor(
    private readonly presence: Presence,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.presence.subscribe(this.channel, this.onMessage);
  }

  stop(): void {
    this.presence.unsubscribe(this.channel, this.onMessage);
  }

  /** Fire and forget: a feed hiccup must never fail the command that caused the event. */
  publish(event: FeedEvent): void {
    Promise.resolve()
      .then(() => this.presence.publish(this.channel, event))
      .catch((err: unknown) => this.logger.warn({ err, type: event.type }, "feed event not published"));
  }

  /** Hands an event to this node's listeners only (for events every node hears anyway). */
  deliverLocally(event: FeedEvent): void {
    this.onMessage(event);
  }

  listen(listener: (event: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Topics a table's public events go to. */
export function tableTopics(tableId: string, branchId: string | undefined): string[] {
  return ["admin", `table:${tableId}`, ...(branchId ? [`branch:${branchId}`] : [])];
}
