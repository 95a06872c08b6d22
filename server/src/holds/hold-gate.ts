import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";

/**
 * The one rule every way of holding stock passes (docs/holds-and-orders.md, "The hold
 * gate"): `POST /api/holds` (express route and fast path), the `sale` room's `hold`, a
 * dining table's `cart.set`, and checkout (`POST /api/orders`, dining `checkout`).
 *
 * In order, first failure wins:
 *   1. menu        dining only: the SKU is on the table's branch menu      NOT_ON_MENU
 *   2. sale        a SKU in a flash sale: the sale has started and not ended SALE_NOT_OPEN
 *                  the buyer is admitted (queue record; a token where the
 *                  channel carries one)                                      NOT_ADMITTED
 *                  the sale's per-buyer limit, counted over every unit the
 *                  buyer took through the sale (holds, cart lines, orders),
 *                  claimed atomically in the sale's queue store              HOLD_LIMIT
 *   3. stock       the hold store's script (Lua on Redis, one synchronous
 *                  step in memory): enough available units               SOLD_OUT
 *                  and the per-buyer limit (the sale's, else the SKU's own),
 *                  counted over the buyer's active holds and cart lines     HOLD_LIMIT
 *
 * Steps 1 and 2 are here; step 3 is atomic inside the store (HoldStore.reserve /
 * setQuantity, which count units against the buyer, not the cart). Checkout re-applies
 * 1 and the sale's start (`admitOrder`): stock held before a SKU went on sale, or before
 * a dish left the menu, cannot be ordered around the rule.
 */
export const HoldChannel = {
  HTTP: "http",
  SALE_ROOM: "sale-room",
  DINING: "dining",
} as const;
export type HoldChannel = (typeof HoldChannel)[keyof typeof HoldChannel];

/** A request to take `quantity` more units of `sku` for `buyerId`. */
export interface HoldRequest {
  channel: HoldChannel;
  /** Whose limits the units count against (the diner for a cart line). */
  buyerId: string;
  sku: string;
  /** Units added by this request (a cart line's increase), > 0. */
  quantity: number;
  saleId?: string;
  admissionToken?: string;
  /** Dining: the table's branch (null when the table has none: nothing is on its menu). */
  branchId?: string | null;
}

/** What the gate lets through: the limit the store enforces, then confirm or undo the pass. */
export interface HoldPass {
  /** The per-buyer limit to reserve under; undefined = the SKU's own limit. */
  perUserLimit?: number;
  /** The hold was placed. */
  done(): Promise<void>;
  /** The hold failed: give back what the pass claimed. */
  undo(): Promise<void>;
}

/** Flash sales' part of the rule (sales/sale-service.ts). */
export interface SaleRules {
  /** Null = the SKU is not in a sale. Throws SALE_NOT_OPEN, NOT_ADMITTED, HOLD_LIMIT. */
  beforeHold(request: HoldRequest): Promise<HoldPass | null>;
  /** Throws SALE_NOT_OPEN when the SKU is in a sale that has not started. */
  beforeOrder(sku: string): void;
  /** Units of `sku` went back to the stock (a hold was released). */
  stockReturned(sku: string): void;
}

/** Which SKUs a branch serves (inventory/branch-menu-repository.ts). */
export interface MenuSource {
  isOnMenu(branchId: string, sku: string): Promise<boolean>;
}

const OPEN_PASS: HoldPass = { done: async () => undefined, undo: async () => undefined };

export class HoldGate {
  private sales: SaleRules | undefined;

  constructor(private readonly menus: MenuSource) {}

  /** Puts flash-sale rules in the gate (sales are built after commerce). */
  useSales(sales: SaleRules): void {
    this.sales = sales;
  }

  /** Steps 1 and 2 of the rule for one hold; step 3 runs in the store under `perUserLimit`. */
  async admit(request: HoldRequest): Promise<HoldPass> {
    if (request.channel === HoldChannel.DINING) await this.checkMenu(request.branchId ?? null, request.sku);
    const pass = this.sales ? await this.sales.beforeHold(request) : null;
    return pass ?? OPEN_PASS;
  }

  /** Checkout: every SKU of the order still passes the menu (dining) and the sale's start. */
  async admitOrder(skus: Iterable<string>, dining?: { branchId: string | null }): Promise<void> {
    for (const sku of new Set(skus)) {
      if (dining) await this.checkMenu(dining.branchId, sku);
      this.sales?.beforeOrder(sku);
    }
  }

  stockReturned(sku: string): void {
    this.sales?.stockReturned(sku);
  }

  private async checkMenu(branchId: string | null, sku: string): Promise<void> {
    if (branchId === null || !(await this.menus.isOnMenu(branchId, sku))) {
      throw new AppError(ErrorCode.NOT_ON_MENU, branchId === null ? "this table has no branch menu" : `${sku} is not on the menu of branch ${branchId}`);
    }
  }
}
