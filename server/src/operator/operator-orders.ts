import type pg from "pg";
import { OrderStatus } from "@holdfast/shared";

/** An order as the operator console lists it. */
export interface OperatorOrderView {
  orderId: string;
  userId: string;
  status: OrderStatus;
  amountCents: number;
  createdAt: string;
  expiresAt: string;
  tableId: string | null;
  branchId: string | null;
}

const ALL_STATUSES = Object.values(OrderStatus);

/**
 * Orders by state for operators: counts per status and the newest orders of one status,
 * all of them (admins) or those placed in the given branches (staff).
 */
export class OperatorOrders {
  constructor(private readonly pool: pg.Pool) {}

  async list(filter: { status: OrderStatus; branches: string[] | null; limit: number }): Promise<{ counts: Record<OrderStatus, number>; orders: OperatorOrderView[] }> {
    const args: unknown[] = [];
    const branchClause = filter.branches === null ? "" : `AND o.branch_id = ANY($${args.push(filter.branches)})`;
    const countArgs = [...args];
    const counts = await this.pool.query<{ status: OrderStatus; n: string }>(
      `SELECT o.status, COUNT(*) AS n FROM orders o WHERE TRUE ${branchClause} GROUP BY o.status`,
      countArgs,
    );
    const listArgs = [...args];
    const rows = await this.pool.query(
      `SELECT o.order_id, o.user_id, o.status, o.created_at, o.expires_at, o.table_id, o.branch_id,
              (SELECT COALESCE(SUM(quantity::bigint * price_cents), 0) FROM order_items WHERE order_id = o.order_id) AS amount_cents
         FROM orders o
        WHERE o.status = $${listArgs.push(filter.status)} ${branchClause}
        ORDER BY o.created_at DESC
        LIMIT $${listArgs.push(filter.limit)}`,
      listArgs,
    );
    const byStatus = Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
    for (const r of counts.rows) byStatus[r.status] = Number(r.n);
    return {
      counts: byStatus,
      orders: rows.rows.map((r) => ({
        orderId: r.order_id,
        userId: r.user_id,
        status: r.status,
        amountCents: Number(r.amount_cents),
        createdAt: new Date(r.created_at).toISOString(),
        expiresAt: new Date(r.expires_at).toISOString(),
        tableId: r.table_id ?? null,
        branchId: r.branch_id ?? null,
      })),
    };
  }
}
