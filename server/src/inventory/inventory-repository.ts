import type pg from "pg";
import type { StockSource } from "../holds/hold-store.ts";

export interface InventoryRow {
  sku: string;
  name: string;
  priceCents: number;
  total: number;
  sold: number;
  perUserLimit: number;
}

const COLUMNS = "sku, name, price_cents, total, sold, per_user_limit";

/** SKU rows and what Postgres says is committed (sold + units in pending orders). */
export class InventoryRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates or updates a SKU. Throws when `total` would drop below `sold` (check constraint). */
  async upsert(row: { sku: string; total: number; name?: string; priceCents?: number; perUserLimit?: number }): Promise<InventoryRow> {
    const { rows } = await this.pool.query(
      `INSERT INTO inventory (sku, name, price_cents, total, per_user_limit)
       VALUES ($1, COALESCE($2, ''), COALESCE($3, 0), $4, COALESCE($5, 10))
       ON CONFLICT (sku) DO UPDATE SET
         total = EXCLUDED.total,
         name = COALESCE($2, inventory.name),
         price_cents = COALESCE($3, inventory.price_cents),
         per_user_limit = COALESCE($5, inventory.per_user_limit),
         updated_at = now()
       RETURNING ${COLUMNS}`,
      [row.sku, row.name ?? null, row.priceCents ?? null, row.total, row.perUserLimit ?? null],
    );
    return toRow(rows[0]);
  }

  async get(sku: string): Promise<InventoryRow | null> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM inventory WHERE sku = $1`, [sku]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async listSkus(): Promise<string[]> {
    const { rows } = await this.pool.query<{ sku: string }>("SELECT sku FROM inventory ORDER BY sku");
    return rows.map((r) => r.sku);
  }

  /** What the live counters are rebuilt from: total, sold + pending units, limit. */
  async stockSources(sku?: string): Promise<Map<string, StockSource>> {
    const { rows } = await this.pool.query(
      `SELECT i.sku, i.total, i.per_user_limit, i.sold + COALESCE(p.pending, 0) AS committed
         FROM inventory i
         LEFT JOIN (SELECT oi.sku, SUM(oi.quantity)::int AS pending
                      FROM order_items oi JOIN orders o ON o.order_id = oi.order_id
                     WHERE o.status = 'pending' ${sku ? "AND oi.sku = $1" : ""}
                     GROUP BY oi.sku) p ON p.sku = i.sku
        ${sku ? "WHERE i.sku = $1" : ""}`,
      sku ? [sku] : [],
    );
    return new Map(
      rows.map((r: any) => [r.sku as string, { total: Number(r.total), committed: Number(r.committed), perUserLimit: Number(r.per_user_limit) }]),
    );
  }
}

function toRow(r: any): InventoryRow {
  return {
    sku: r.sku,
    name: r.name,
    priceCents: Number(r.price_cents),
    total: Number(r.total),
    sold: Number(r.sold),
    perUserLimit: Number(r.per_user_limit),
  };
}
