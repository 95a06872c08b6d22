import type pg from "pg";
import type { MenuSource } from "../holds/hold-gate.ts";

/** How long a node trusts what it read about one (branch, SKU); a change on this node clears it at once. */
const CACHE_MS = 2000;

/**
 * Branch menus in Postgres (`branch_menu_items`): the SKUs a dining table of the branch
 * may put in its cart. Lookups are cached briefly per node because every `cart.set`
 * asks; an admin's change reaches other nodes within CACHE_MS.
 */
export class BranchMenuRepository implements MenuSource {
  private readonly cache = new Map<string, { at: number; on: boolean }>();

  constructor(private readonly pool: pg.Pool) {}

  async isOnMenu(branchId: string, sku: string): Promise<boolean> {
    const key = `${branchId}\u0000${sku}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.on;
    const { rowCount } = await this.pool.query("SELECT 1 FROM branch_menu_items WHERE branch_id = $1 AND sku = $2", [branchId, sku]);
    const on = (rowCount ?? 0) > 0;
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(key, { at: Date.now(), on });
    return on;
  }

  async list(branchId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ sku: string }>("SELECT sku FROM branch_menu_items WHERE branch_id = $1 ORDER BY sku", [branchId]);
    return rows.map((r) => r.sku);
  }

  /** Puts a SKU on the menu. False when the branch or the SKU does not exist. */
  async add(branchId: string, sku: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO branch_menu_items (branch_id, sku)
       SELECT b.branch_id, i.sku FROM branches b, inventory i WHERE b.branch_id = $1 AND i.sku = $2
       ON CONFLICT DO NOTHING`,
      [branchId, sku],
    );
    this.cache.delete(`${branchId}\u0000${sku}`);
    if ((rowCount ?? 0) > 0) return true;
    return this.isOnMenu(branchId, sku);
  }

  async remove(branchId: string, sku: string): Promise<void> {
    await this.pool.query("DELETE FROM branch_menu_items WHERE branch_id = $1 AND sku = $2", [branchId, sku]);
    this.cache.delete(`${branchId}\u0000${sku}`);
  }

  async branchExists(branchId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM branches WHERE branch_id = $1", [branchId]);
    return (rowCount ?? 0) > 0;
  }
}
