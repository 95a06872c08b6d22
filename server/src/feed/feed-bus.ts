import type { Presence } from "@colyseus/core";
import type { Logger } from "../logger.ts";
import { PresenceChannel } from "../redis/presence-channel.ts";

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
  private readonly channel: PresenceChannel<FeedEvent>;

  constructor(
    presence: Presence,
    channelName: string,
    private readonly logger: Logger,
  ) {
    this.channel = new PresenceChannel(presence, channelName, (raw) => {
      const event = raw as FeedEvent | null;
      return event && Array.isArray(event.topics) && typeof event.type === "string" ? event : null;
    });
  }

  start(): Promise<void> {
    return this.channel.start();
  }

  stop(): void {
    this.channel.stop();
  }

  /** Fire and forget: a feed hiccup must never fail the command that caused the event. */
  publish(event: FeedEvent): void {
    this.channel.publish(event).catch((err: unknown) => this.logger.warn({ err, type: event.type }, "feed event not published"));
  }

  /** Hands an event to this node's listeners only (for events every node hears anyway). */
  deliverLocally(event: FeedEvent): void {
    this.channel.deliverLocally(event);
  }

  listen(listener: (event: FeedEvent) => void): () => void {
    return this.channel.listen(listener);
  }
}

/** Topics a table's public events go to. */
export function tableTopics(tableId: string, branchId: string | undefined): string[] {
  return ["admin", `table:${tableId}`, ...(branchId ? [`branch:${branchId}`] : [])];
}
