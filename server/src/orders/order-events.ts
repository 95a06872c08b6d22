import type { Presence } from "@colyseus/core";
import { OrderEventType, type OrderEvent, type OrderView } from "@holdfast/shared";
import type { Logger } from "../logger.ts";

const TYPE_OF = {
  pending: OrderEventType.CREATED,
  paid: OrderEventType.PAID,
  cancelled: OrderEventType.CANCELLED,
  expired: OrderEventType.EXPIRED,
} as const;

/** Publishes order events over Colyseus presence (Redis pub/sub when REDIS_URL is set). */
export class OrderEvents {
  constructor(
    private readonly presence: Presence,
    readonly channel: string,
    private readonly logger: Logger,
  ) {}

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
      .then(() => this.presence.publish(this.channel, event))
      .catch((err: unknown) => this.logger.warn({ err, orderId: order.orderId }, "order event not published"));
  }
}
