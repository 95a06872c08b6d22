import { ErrorCode, type InventoryView, type MenuItemView, type PutInventoryBody } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { HoldStore } from "../holds/hold-store.ts";
import type { Logger } from "../logger.ts";
import type { InventoryRepository } from "./inventory-repository.ts";

/**
 * Stock of every SKU: totals in Postgres, live counters in the HoldStore. Also the
 * rebuild: counters missing from the store (first use, or Redis lost its data) are built
 * from Postgres as available = total - sold - pending order units - active holds.
 */
export class InventoryService {
  constructor(
    private readonly repo: InventoryRepository,
    /** The store itself, not a LoadingHoldStore over it: this service is what loads. */
    private readonly store: HoldStore,
    private readonly logger: Logger,
  ) {}

  async put(sku: string, body: PutInventoryBody): Promise<InventoryView> {
    try {
      await this.repo.upsert({ sku, total: body.stock, name: body.name, priceCents: body.priceCents, perUserLimit: body.perUserLimit });
    } catch (err) {
      if ((err as { code?: string }).code === "23514") {
        throw new AppError(ErrorCode.CONFLICT, `stock of ${sku} cannot go below the units already sold`);
      }
      throw err;
    }
    const source = (await this.repo.stockSources(sku)).get(sku)!;
    await this.store.setStock(sku, source);
    return this.view(sku);
  }

  async view(sku: string): Promise<InventoryView> {
    const row = await this.repo.get(sku);
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, `no SKU ${sku}`);
    let counts = await this.store.getCounts(sku);
    if (!counts) {
      await this.ensureLoaded(sku);
      counts = await this.store.getCounts(sku);
    }
    return { sku, total: row.total, sold: row.sold, held: counts?.held ?? 0, available: Math.max(0, counts?.available ?? 0) };
  }

  /** The SKU as a menu shows it: name, unit price, units holdable now. NOT_FOUND for an unknown SKU. */
  async menuItem(sku: string): Promise<MenuItemView> {
    const row = await this.repo.get(sku);
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, `no SKU ${sku}`);
    const { available } = await this.view(sku);
    return { sku, name: row.name, priceCents: row.priceCents, available };
  }

  /** Builds the SKU's counters from Postgres if the store lacks them. NOT_FOUND for an unknown SKU. */
  async ensureLoaded(sku: string): Promise<void> {
    const source = (await this.repo.stockSources(sku)).get(sku);
    if (!source) throw new AppError(ErrorCode.NOT_FOUND, `no SKU ${sku}`);
    if (await this.store.loadStock(sku, source)) this.logger.info({ sku, ...source }, "stock counters rebuilt from postgres");
  }

  /**
   * Builds every missing SKU counter, then marks the store intact. At start that is
   * routine (an empty store: memory, or a fresh Redis), logged at info; after the store
   * lost its data (`rebuildIfLost`), a warning.
   */
  async rebuildAll(why: "start" | "lost" = "start"): Promise<number> {
    const sources = await this.repo.stockSources();
    let built = 0;
    for (const [sku, source] of sources) if (await this.store.loadStock(sku, source)) built++;
    await this.store.markIntact();
    if (built > 0 && why === "lost") this.logger.warn({ built }, "stock counters were lost (Redis data gone?): rebuilt from postgres");
    else if (built > 0) this.logger.info({ built }, "stock counters loaded from postgres");
    return built;
  }

  /** Rebuilds when the store lost its data since the last rebuild (sentinel key gone). */
  async rebuildIfLost(): Promise<boolean> {
    if (await this.store.isIntact()) return false;
    await this.rebuildAll("lost");
    return true;
  }
}
