import type { Database } from "./database.ts";

/**
 * The demo data a playable `npm start` needs: a Hold'em table and a dining table, the
 * dining table's branch, three dishes with stock, and the branch's menu. Seeded by
 * `npm run seed:demo`, and at start when SEED_DEMO says so (config.ts: embedded
 * defaults, or DATABASE_URL outside production); never by a migration, so a production
 * database gets none of it.
 *
 * Idempotent: each row is inserted only when its key is free, so a second run changes
 * nothing, and rows an operator edited (stock, prices, table options) are left alone.
 */
export const DEMO_TABLES = [
  {
    tableId: "demo-holdem",
    kind: "holdem",
    seats: 6,
    options: { smallBlind: 5, bigBlind: 10, minBuyIn: 200, maxBuyIn: 2000, defaultBuyIn: 1000 },
  },
  { tableId: "demo-dining", kind: "dining", seats: 4, options: { branchId: "B1" } },
] as const;

export const DEMO_BRANCH = { branchId: "B1", name: "Demo branch" } as const;

export const DEMO_DISHES = [
  { sku: "ramen", name: "Shoyu ramen", priceCents: 1300, total: 40 },
  { sku: "gyoza", name: "Gyoza (6)", priceCents: 700, total: 60 },
  { sku: "matcha", name: "Iced matcha", priceCents: 450, total: 80 },
] as const;

/** Rows inserted by one run, per table (0 everywhere on a database that has them all). */
export interface DemoSeedResult {
  tables: number;
  branches: number;
  inventory: number;
  menuItems: number;
}

export async function seedDemo(db: Database): Promise<DemoSeedResult> {
  return db.transaction(async (client) => {
    let tables = 0;
    for (const t of DEMO_TABLES) {
      const r = await client.query(
        "INSERT INTO tables (table_id, kind, seats, options) VALUES ($1, $2, $3, $4) ON CONFLICT (table_id) DO NOTHING",
        [t.tableId, t.kind, t.seats, JSON.stringify(t.options)],
      );
      tables += r.rowCount ?? 0;
    }
    const branch = await client.query("INSERT INTO branches (branch_id, name) VALUES ($1, $2) ON CONFLICT (branch_id) DO NOTHING", [
      DEMO_BRANCH.branchId,
      DEMO_BRANCH.name,
    ]);
    let inventory = 0;
    let menuItems = 0;
    for (const d of DEMO_DISHES) {
      const r = await client.query(
        "INSERT INTO inventory (sku, name, price_cents, total) VALUES ($1, $2, $3, $4) ON CONFLICT (sku) DO NOTHING",
        [d.sku, d.name, d.priceCents, d.total],
      );
      inventory += r.rowCount ?? 0;
      const m = await client.query("INSERT INTO branch_menu_items (branch_id, sku) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
        DEMO_BRANCH.branchId,
        d.sku,
      ]);
      menuItems += m.rowCount ?? 0;
    }
    return { tables, branches: branch.rowCount ?? 0, inventory, menuItems };
  });
}
