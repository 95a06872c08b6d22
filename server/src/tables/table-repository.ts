import type pg from "pg";
import type { TableDto, TableKind, TableOptions } from "@holdfast/shared";

interface TableRow {
  table_id: string;
  kind: TableKind;
  seats: number;
  options: TableOptions;
  created_at: Date;
}

const toDto = (r: TableRow): TableDto => ({
  tableId: r.table_id,
  kind: r.kind,
  seats: r.seats,
  options: r.options ?? {},
  createdAt: r.created_at.toISOString(),
});

/** Table definitions in Postgres. Live state is the room's, not this table's. */
export class TableRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Inserts a table; returns null when the id is taken. */
  async create(table: { tableId: string; kind: TableKind; seats: number; options: TableOptions }): Promise<TableDto | null> {
    const { rows } = await this.pool.query<TableRow>(
      `INSERT INTO tables (table_id, kind, seats, options) VALUES ($1, $2, $3, $4)
       ON CONFLICT (table_id) DO NOTHING RETURNING *`,
      [table.tableId, table.kind, table.seats, JSON.stringify(table.options)],
    );
    return rows[0] ? toDto(rows[0]) : null;
  }

  async find(tableId: string): Promise<TableDto | null> {
    const { rows } = await this.pool.query<TableRow>("SELECT * FROM tables WHERE table_id = $1", [tableId]);
    return rows[0] ? toDto(rows[0]) : null;
  }

  async list(): Promise<TableDto[]> {
    const { rows } = await this.pool.query<TableRow>("SELECT * FROM tables ORDER BY created_at, table_id LIMIT 1000");
    return rows.map(toDto);
  }
}
