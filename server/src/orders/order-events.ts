import type { Presence } from "@colyseus/core";
import { OrderEventType, type OrderEvent, type OrderView } from "@holdfast/shared";
import type { Logger } from "../logger.ts";
import { PresenceChannel } from "../redis/presence-channel.ts";

const TYPE_OF = {
  pending: OrderEventType.CREATED,
  paid: OrderEventType.PAID,
  cancelled: OrderEventType.CANCELLED,
  expired: OrderEventType.EXPIRED,
} as const;

const EVENT_TYPES = new Set<string>(Object.values(OrderEventType));

/** An order event as it arrives from another node, or null when it is not one. */
function parseOrderEvent(raw: unknown): OrderEvent | null {
  const e = raw as Partial<OrderEvent> | null;
  if (!e || typeof e !== "object") return null;
  if (typeof e.orderId !== "string" || typeof e.userId !== "string" || !EVENT_TYPES.has(e.type as string)) return null;
  if (e.items !== undefined && !Array.isArray(e.items)) return null;
  return e as OrderEvent;
}

/**
 * Order events (created, paid, cancelled, expired) on one presence channel (Redis pub/sub
 * when REDIS_URL is set): the order service publishes, and every node's listeners (the
 * sales that mark buyers done and admit more, the live feed) hear them through one
 * subscription per node.
 */
export class OrderEvents {
  private readonly channel: PresenceChannel<OrderEvent>;

  constructor(
    presence: Presence,
    channelName: string,
    private readonly logger: Logger,
  ) {
    this.channel = new PresenceChannel(presence, channelName, parseOrderEvent);
  }

  start(): Promise<void> {
    return this.channel.start();
  }

  stop(): void {
    this.channel.stop();
  }

  /** Fire and forget: an event lost to a presence hiccup must not fail the request. */
  publish(order: OrderView): void {
    const event: OrderEvent = {
      type: TYPE_OF[order.status],
      orderId: order.orderId,
      userId: order.userId,
      status: order.status,
      items: order.items,
      at: new Date().toISOString(),
      ...(order.tableId ? { tableId: order.tableId } : {}),
      ...(order.branchId ? { branchId: order.branchId } : {}),
    };
    Promise.resolve()
      .then(() => this.channel.publish(event))
      .catch((err: unknown) => this.logger.warn({ err, orderId: order.orderId }, "order event not published"));
  }

  /** Hears every node's order events. Returns the function that stops `listener`. */
  listen(listener: (event: OrderEvent) => void): () => void {
    return this.channel.listen(listener);
  }
}
