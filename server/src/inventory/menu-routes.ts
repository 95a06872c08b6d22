import { Router } from "express";
import { z } from "zod";
import { ErrorCode, type BranchMenuView } from "@holdfast/shared";
import { Sku } from "@holdfast/shared/schemas";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../http/validate.ts";
import { requireAdmin, requireAuth } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { BranchMenuRepository } from "./branch-menu-repository.ts";
import type { InventoryService } from "./inventory-service.ts";

const BranchId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "letters, digits, . _ -, at most 64");

/**
 * `/api/branches/:branchId/menu`: the SKUs the branch's dining tables may put in a cart.
 * Admins add (`PUT .../menu/:sku`) and remove (`DELETE`); any signed-in user reads it.
 */
export function menuRoutes(menus: BranchMenuRepository, inventory: InventoryService, sessions: SessionService): Router {
  const router = Router();
  const branchOf = async (raw: unknown): Promise<string> => {
    const branchId = parseOrThrow(BranchId, raw, "branch id");
    if (!(await menus.branchExists(branchId))) throw new AppError(ErrorCode.NOT_FOUND, `branch ${branchId} does not exist`);
    return branchId;
  };
  router.get("/branches/:branchId/menu", requireAuth(sessions), async (req, res) => {
    const branchId = await branchOf(req.params.branchId);
    const skus = await menus.list(branchId);
    // With each dish's name, price and stock, so a diner's menu needs one call.
    const items = await Promise.all(skus.map((sku) => inventory.menuItem(sku)));
    const view: BranchMenuView = { branchId, skus, items };
    res.json(view);
  });
  router.put("/branches/:branchId/menu/:sku", requireAdmin(sessions), async (req, res) => {
    const branchId = await branchOf(req.params.branchId);
    const sku = parseOrThrow(Sku, req.params.sku, "sku");
    if (!(await menus.add(branchId, sku))) throw new AppError(ErrorCode.NOT_FOUND, `no SKU ${sku}`);
    res.json({ branchId, sku, onMenu: true });
  });
  router.delete("/branches/:branchId/menu/:sku", requireAdmin(sessions), async (req, res) => {
    const branchId = await branchOf(req.params.branchId);
    await menus.remove(branchId, parseOrThrow(Sku, req.params.sku, "sku"));
    res.status(204).end();
  });
  return router;
}
