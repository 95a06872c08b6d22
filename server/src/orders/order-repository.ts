import type pg from "pg";
import { ORDER_CURRENCY, type OrderItemView, type OrderStatus, type OrderView } from "@holdfast/shared";
import type { Database } from "../db/database.ts";

export interface NewOrder {
  orderId: string;
  userId: string;
  expiresAt: Date;
  items: { holdId: string; sku: string; quantity: number }[];
  /** Where the order was placed, when at a dining table (feed topics use it). */
  origin?: { tableId: string; branchId?: string };
}

type Q = Pick<pg.PoolClient, "query">;

const ORDER_COLUMNS = `o.order_id, o.user_id, o.status, o.created_at, o.expires_at, o.paid_at, o.payment_reference,
  o.cancelled_at, o.cancel_reason, o.table_id, o.branch_id,
  COALESCE((SELECT json_agg(json_build_object('sku', x.sku, 'quantity', x.q) ORDER BY x.sku)
              FROM (SELECT sku, SUM(quantity)::int AS q FROM order_items WHERE order_id = o.order_id GROUP BY sku) x),
           '[]'::json) AS items,
  (SELECT COALESCE(SUM(quantity::bigint * price_cents), 0) FROM order_items WHERE order_id = o.order_id) AS amount_cents,
  o.expires_at <= now() AS past_deadline`;

/** The order queries on hot paths, exported for the index-plan test. */
export const ORDER_SQL = {
  /** `$1` order id. */
  byId: `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.order_id = $1`,
  /** The sweeper's batch of overdue pending orders, `$1` limit. */
  lockDue: `SELECT order_id FROM orders WHERE status = 'pending' AND expires_at <= now()
        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
} as const;

/** `GET /orders` (a user's own, or an admin's by status): the SQL and its arguments. */
export function orderListQuery(filter: { userId?: string; status?: OrderStatus; limit: number }): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.userId) where.push(`o.user_id = $${values.push(filter.userId)}`);
  if (filter.status) where.push(`o.status = $${values.push(filter.status)}`);
  const text = `SELECT ${ORDER_COLUMNS} FROM orders o ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY o.created_at DESC LIMIT $${values.push(filter.limit)}`;
  return { text, values };
}

/** Orders and their items in Postgres: the record of what was bought. */
export class OrderRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the order and its items in one transaction. */
  async insert(order: NewOrder): Promise<OrderView> {
    return this.db.transaction(async (c) => {
      await c.query(
        "INSERT INTO orders (order_id, user_id, status, expires_at, table_id, branch_id) VALUES ($1, $2, 'pending', $3, $4, $5)",
        [order.orderId, order.userId, order.expiresAt, order.origin?.tableId ?? null, order.origin?.branchId ?? null],
      );
      for (const item of order.items) {
        await c.query(
          `INSERT INTO order_items (order_id, hold_id, sku, quantity, price_cents)
           SELECT $1, $2, $3, $4, price_cents FROM inventory WHERE sku = $3`,
          [order.orderId, item.holdId, item.sku, item.quantity],
        );
      }
      return (await this.getWith(c, order.orderId))!;
    });
  }

  /** Deletes a pending order and its items (never announced: see OrderService.withdraw); false if not pending. */
  async deletePending(c: Q, orderId: string): Promise<boolean> {
    const { rowCount } = await c.query("DELETE FROM orders WHERE order_id = $1 AND status = 'pending'", [orderId]);
    return (rowCount ?? 0) > 0;
  }

  get(orderId: string): Promise<OrderView | null> {
    return this.getWith(this.db.pool, orderId);
  }

  async getWith(q: Q, orderId: string, forUpdate = false): Promise<OrderView | null> {
    return (await this.getDue(q, orderId, forUpdate))?.order ?? null;
  }

  /** The order and whether its payment deadline has passed by the database's clock (the sweeper's clock). */
  async getDue(q: Q, orderId: string, forUpdate = false): Promise<{ order: OrderView; pastDeadline: boolean } | null> {
    if (forUpdate) await q.query("SELECT 1 FROM orders WHERE order_id = $1 FOR UPDATE", [orderId]);
    const { rows } = await q.query(ORDER_SQL.byId, [orderId]);
    return rows[0] ? { order: toView(rows[0]), pastDeadline: rows[0].past_deadline === true } : null;
  }

  async list(filter: { userId?: string; status?: OrderStatus; limit: number }): Promise<OrderView[]> {
    const { text, values } = orderListQuery(filter);
    const { rows } = await this.db.pool.query(text, values);
    return rows.map(toView);
  }

  /** Moves a pending order to `status` inside `c`'s transaction. False when it was not pending. */
  async finish(
    c: Q,
    orderId: string,
    status: Exclude<OrderStatus, "pending">,
    extra: { reference?: string; reason?: string },
  ): Promise<boolean> {
    const { rowCount } = await c.query(
      `UPDATE orders SET status = $2, updated_at = now(),
         paid_at = CASE WHEN $2 = 'paid' THEN now() END,
         cancelled_at = CASE WHEN $2 IN ('cancelled', 'expired') THEN now() END,
         payment_reference = COALESCE($3, payment_reference),
         cancel_reason = $4
       WHERE order_id = $1 AND status = 'pending'`,
      [orderId, status, extra.reference ?? null, extra.reason ?? null],
    );
    if (rowCount !== 1) return false;
    if (status === "paid") {
      // Paid stock is sold for good, in the same transaction as the status change.
      await c.query(
        `UPDATE inventory i SET sold = i.sold + x.q, updated_at = now()
           FROM (SELECT sku, SUM(quantity)::int AS q FROM order_items WHERE order_id = $1 GROUP BY sku) x
          WHERE i.sku = x.sku`,
        [orderId],
      );
    }
    return true;
  }

  /** Pending orders past their deadline, locked for this transaction (other sweepers skip them). */
  async lockDue(c: Q, limit: number): Promise<string[]> {
    const { rows } = await c.query<{ order_id: string }>(ORDER_SQL.lockDue, [limit]);
    return rows.map((r) => r.order_id);
  }
}

function iso(v: unknown): string | undefined {
  return v ? new Date(v as string).toISOString() : undefined;
}

function toView(r: any): OrderView {
  const view: OrderView = {
    orderId: r.order_id,
    userId: r.user_id,
    status: r.status,
    items: (r.items as OrderItemView[]).map((i) => ({ sku: i.sku, quantity: Number(i.quantity) })),
    amountCents: Number(r.amount_cents),
    currency: ORDER_CURRENCY,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at)!,
  };
  if (r.paid_at) view.paidAt = iso(r.paid_at);
  if (r.payment_reference) view.paymentReference = r.payment_reference;
  if (r.cancelled_at) view.cancelledAt = iso(r.cancelled_at);
  if (r.cancel_reason) view.cancelReason = r.cancel_reason;
  if (r.table_id) view.tableId = r.table_id;
  if (r.branch_id) view.branchId = r.branch_id;
  return view;
}
