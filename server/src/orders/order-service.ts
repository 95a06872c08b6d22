import { randomUUID } from "node:crypto";
import {
  ErrorCode,
  PaymentOutcome,
  type CreateOrderResponse,
  type OrderStatus,
  type OrderView,
  type PaymentWebhookBody,
} from "@holdfast/shared";
import type { Database } from "../db/database.ts";
import { AppError } from "../errors.ts";
import type { HoldGate } from "../holds/hold-gate.ts";
import { groupBySku, type HoldStore } from "../holds/hold-store.ts";
import type { Identity } from "../identity/session-service.ts";
import type { Logger } from "../logger.ts";
import type { OrderEvents } from "./order-events.ts";
import type { OrderRepository } from "./order-repository.ts";

export interface OrderServiceOptions {
  db: Database;
  repo: OrderRepository;
  /** A store that loads missing counters itself (LoadingHoldStore). */
  store: HoldStore;
  /** Checkout passes the hold gate too (menu, sale start). */
  gate: HoldGate;
  events: OrderEvents;
  logger: Logger;
  orderTtlSeconds: number;
}

/**
 * Orders: made from holds (consumed in the store, then recorded in Postgres, with
 * compensation when the record fails), paid or cancelled by the payment webhook,
 * cancelled by their owner, expired by the sweeper. Postgres decides every status
 * change (`UPDATE ... WHERE status = 'pending'`), so stock returns exactly once.
 */
export class OrderService {
  constructor(private readonly o: OrderServiceOptions) {}

  async create(identity: Identity, holdIds: string[]): Promise<CreateOrderResponse> {
    return this.createFromHolds(identity, identity.userId, holdIds);
  }

  /**
   * Makes an order for `buyer` from holds owned by `holdOwnerId`: the buyer's own holds
   * (`create`), or a shared cart's holds, which the table holds under the cart's owner id.
   */
  async createFromHolds(
    buyer: Pick<Identity, "userId">,
    holdOwnerId: string,
    holdIds: string[],
    origin?: { tableId: string; branchId?: string },
  ): Promise<CreateOrderResponse> {
    const { store, repo } = this.o;
    // The gate again at checkout: a dish that left the menu, or stock held before its SKU
    // went on sale, is not ordered around the rule.
    await this.o.gate.admitOrder(groupBySku(holdIds).keys(), origin ? { branchId: origin.branchId ?? null } : undefined);
    const consumed = await store.consume(holdOwnerId, holdIds, buyer.userId);
    const orderId = `o_${randomUUID()}`;
    const expiresAt = new Date(Date.now() + this.o.orderTtlSeconds * 1000);
    let order: OrderView;
    try {
      order = await repo.insert({ orderId, userId: buyer.userId, expiresAt, items: consumed, origin });
    } catch (err) {
      // Redis consumed the holds but Postgres has no order: give the holds back.
      await store.unconsume(holdOwnerId, holdIds).catch((e: unknown) =>
        this.o.logger.error({ err: e, orderId, holdIds }, "compensation failed: holds stay consumed until rebuild"),
      );
      this.o.logger.error({ err, orderId }, "order not recorded; holds returned");
      throw err;
    }
    this.o.events.publish(order);
    return {
      order,
      payment: { expiresAt: order.expiresAt, durationMinutes: Math.max(1, Math.round(this.o.orderTtlSeconds / 60)) },
    };
  }

  async get(identity: Identity, orderId: string): Promise<OrderView> {
    const order = await this.o.repo.get(orderId);
    if (!order || (order.userId !== identity.userId && !identity.isAdmin)) {
      throw new AppError(ErrorCode.ORDER_NOT_FOUND, `order ${orderId} not found`);
    }
    return order;
  }

  /** Own orders; an admin asking for a status sees everyone's orders in it. */
  list(identity: Identity, query: { status?: OrderStatus; limit?: number }): Promise<OrderView[]> {
    const everyone = identity.isAdmin && query.status !== undefined;
    return this.o.repo.list({ userId: everyone ? undefined : identity.userId, status: query.status, limit: query.limit ?? 100 });
  }

  async cancel(identity: Identity, orderId: string): Promise<OrderView> {
    await this.get(identity, orderId); // 404 for strangers before any state is revealed
    return this.finish(orderId, "cancelled", { reason: identity.isAdmin ? "cancelled_by_admin" : "cancelled_by_user" });
  }

  /**
   * Takes back an order nobody was told of (the dining table that made it could not log
   * its `order.created`): the order is deleted, as if never made (a hold belongs to one
   * order only, so a cancelled one would keep the cart from ever checking out), and its
   * units go back to the holds they were consumed from, so the cart is again what the
   * table's log says. Listeners that saw it created see it cancelled. An order that is
   * no longer pending is left alone.
   */
  async withdraw(orderId: string, holdOwnerId: string, holdIds: string[]): Promise<void> {
    const { db, repo, store } = this.o;
    const order = await db.transaction(async (c) => {
      const current = await repo.getWith(c, orderId, true);
      return current?.status === "pending" && (await repo.deletePending(c, orderId)) ? current : null;
    });
    if (!order) return;
    await store.unconsume(holdOwnerId, holdIds);
    this.o.events.publish({ ...order, status: "cancelled", cancelReason: "not_recorded" });
  }

  /**
   * A verified payment outcome. succeeded → paid (sold raised in the same transaction);
   * failed → cancelled (stock returned). The same outcome again answers the same order.
   *
   * Refused, with what the provider should do (docs/holds-and-orders.md, "Payments"):
   * - the order's deadline has passed: 410 ORDER_EXPIRED; a still-pending order expires
   *   here and now (stock returned once, as the sweeper would), whether or not the
   *   sweeper ran. The provider refunds.
   * - amount or currency differ from the order's: 422 PAYMENT_MISMATCH, logged, the order
   *   is left as it was (it may still be paid correctly). The provider refunds.
   */
  async applyPayment(body: PaymentWebhookBody): Promise<OrderView> {
    const target = body.outcome === PaymentOutcome.SUCCEEDED ? "paid" : "cancelled";
    const { repo } = this.o;
    const result = await this.o.db.transaction(async (c) => {
      const found = await repo.getDue(c, body.orderId, true);
      if (!found) throw new AppError(ErrorCode.ORDER_NOT_FOUND, `order ${body.orderId} not found`);
      const { order, pastDeadline } = found;
      // A re-delivery of the outcome already applied: the same answer (when it is the same payment).
      if (order.status === target) {
        if (!sameMoney(body, order)) throw this.mismatch(body, order);
        return { order, changed: false, refusal: null };
      }
      if (order.status === "expired" || (order.status === "pending" && pastDeadline)) {
        const changed = order.status === "pending" && (await repo.finish(c, order.orderId, "expired", { reason: "payment_timeout" }));
        return {
          order: changed ? (await repo.getWith(c, order.orderId))! : order,
          changed,
          refusal: new AppError(ErrorCode.ORDER_EXPIRED, `order ${order.orderId} expired at ${order.expiresAt}: refund the payment`),
        };
      }
      if (!sameMoney(body, order)) throw this.mismatch(body, order);
      if (order.status !== "pending") {
        throw new AppError(ErrorCode.ORDER_STATE_CONFLICT, `order ${order.orderId} is ${order.status}, not pending`);
      }
      await repo.finish(c, order.orderId, target, { reference: body.reference, reason: target === "cancelled" ? "payment_failed" : undefined });
      return { order: (await repo.getWith(c, order.orderId))!, changed: true, refusal: null };
    });
    if (result.changed) await this.afterFinish(result.order);
    if (result.refusal) {
      this.o.logger.warn({ orderId: body.orderId, reference: body.reference, outcome: body.outcome }, "payment refused: order past its deadline");
      throw result.refusal;
    }
    return result.order;
  }

  private mismatch(body: PaymentWebhookBody, order: OrderView): AppError {
    this.o.logger.warn(
      {
        orderId: order.orderId,
        reference: body.reference,
        outcome: body.outcome,
        paid: { amount: body.amount, currency: body.currency },
        owed: { amount: order.amountCents, currency: order.currency },
      },
      "payment refused: amount or currency differs from the order's",
    );
    return new AppError(
      ErrorCode.PAYMENT_MISMATCH,
      `payment of ${body.amount} ${body.currency} does not match order ${order.orderId} (${order.amountCents} ${order.currency}): refund it`,
    );
  }

  /** Expires pending orders past their deadline (a batch). Returns how many. */
  async expireDue(limit = 100): Promise<number> {
    const expired = await this.o.db.transaction(async (c) => {
      const ids = await this.o.repo.lockDue(c, limit);
      const done: OrderView[] = [];
      for (const id of ids) {
        if (await this.o.repo.finish(c, id, "expired", { reason: "payment_timeout" })) done.push((await this.o.repo.getWith(c, id))!);
      }
      return done;
    });
    for (const order of expired) await this.afterFinish(order);
    return expired.length;
  }

  private async finish(
    orderId: string,
    target: Exclude<OrderStatus, "pending">,
    extra: { reference?: string; reason?: string },
  ): Promise<OrderView> {
    const { repo } = this.o;
    const result = await this.o.db.transaction(async (c) => {
      const current = await repo.getWith(c, orderId, true);
      if (!current) throw new AppError(ErrorCode.ORDER_NOT_FOUND, `order ${orderId} not found`);
      if (current.status !== "pending") {
        throw new AppError(ErrorCode.ORDER_STATE_CONFLICT, `order ${orderId} is ${current.status}, not pending`);
      }
      await repo.finish(c, orderId, target, extra);
      return { order: (await repo.getWith(c, orderId))!, changed: true };
    });
    if (result.changed) await this.afterFinish(result.order);
    return result.order;
  }

  /**
   * After the status change committed: the units stop counting against the buyer's
   * limits (every end), stock back for cancelled/expired, then the event.
   */
  private async afterFinish(order: OrderView): Promise<void> {
    const returned = order.status === "cancelled" || order.status === "expired";
    for (const item of order.items) {
      // If these fail, the units stay out of `available` (never oversold) or stay counted
      // against the buyer (they may buy less, never more) until the next rebuild.
      await this.o.store
        .settle(item.sku, order.userId, item.quantity)
        .catch((err: unknown) => this.o.logger.error({ err, orderId: order.orderId, sku: item.sku }, "settle failed"));
      if (returned) {
        await this.o.store
          .restock(item.sku, item.quantity)
          .catch((err: unknown) => this.o.logger.error({ err, orderId: order.orderId, sku: item.sku }, "restock failed"));
      }
    }
    this.o.events.publish(order);
  }
}

function sameMoney(body: PaymentWebhookBody, order: OrderView): boolean {
  return body.amount === order.amountCents && body.currency === order.currency;
}
