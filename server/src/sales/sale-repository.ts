import type pg from "pg";
import type { PrequeueMode, SaleAdmission, SaleDto } from "@holdfast/shared";

/** A sale as the server works with it (times as epoch ms). Sales never change once created. */
export interface Sale {
  saleId: string;
  sku: string;
  quantity: number;
  perUserLimit: number;
  startsAt: number;
  /** null: open until sold out. */
  endsAt: number | null;
  admission: SaleAdmission;
  prequeue: PrequeueMode;
  createdAt: number;
}

export interface NewSale {
  saleId: string;
  sku: string;
  quantity: number;
  perUserLimit: number;
  startsAt: Date;
  endsAt: Date | null;
  admission: SaleAdmission;
  prequeue: PrequeueMode;
}

const COLUMNS = "sale_id, sku, quantity, per_user_limit, starts_at, ends_at, admission, prequeue, created_at";

/** Sales in Postgres: the record of what was put on sale and how it admits. */
export class SaleRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Inserts a sale; null when the id is taken. */
  async insert(sale: NewSale): Promise<Sale | null> {
    const { rows } = await this.pool.query(
      `INSERT INTO sales (sale_id, sku, quantity, per_user_limit, starts_at, ends_at, admission, prequeue)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sale_id) DO NOTHING RETURNING ${COLUMNS}`,
      [sale.saleId, sale.sku, sale.quantity, sale.perUserLimit, sale.startsAt, sale.endsAt, JSON.stringify(sale.admission), sale.prequeue],
    );
    return rows[0] ? toSale(rows[0]) : null;
  }

  async get(saleId: string): Promise<Sale | null> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM sales WHERE sale_id = $1`, [saleId]);
    return rows[0] ? toSale(rows[0]) : null;
  }

  /** The latest sale of every SKU (the one that governs holds on it). */
  async latestPerSku(): Promise<Sale[]> {
    const { rows } = await this.pool.query(`SELECT DISTINCT ON (sku) ${COLUMNS} FROM sales ORDER BY sku, created_at DESC, sale_id`);
    return rows.map(toSale);
  }
}

function toSale(r: any): Sale {
  return {
    saleId: r.sale_id,
    sku: r.sku,
    quantity: Number(r.quantity),
    perUserLimit: Number(r.per_user_limit),
    startsAt: new Date(r.starts_at).getTime(),
    endsAt: r.ends_at ? new Date(r.ends_at).getTime() : null,
    admission: typeof r.admission === "string" ? JSON.parse(r.admission) : r.admission,
    prequeue: r.prequeue,
    createdAt: new Date(r.created_at).getTime(),
  };
}

export function toSaleDto(s: Sale): SaleDto {
  return {
    saleId: s.saleId,
    sku: s.sku,
    quantity: s.quantity,
    perUserLimit: s.perUserLimit,
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: s.endsAt === null ? null : new Date(s.endsAt).toISOString(),
    admission: s.admission,
    prequeue: s.prequeue,
    createdAt: new Date(s.createdAt).toISOString(),
  };
}
