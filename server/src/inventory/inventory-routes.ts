import { Router } from "express";
import { PutInventoryBody, Sku } from "@holdfast/shared/schemas";
import { parseOrThrow } from "../http/validate.ts";
import { requireAdmin, requireAuth } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { InventoryService } from "./inventory-service.ts";

/** `/api/inventory/:sku`: admins set stock; any signed-in user reads counters. */
export function inventoryRoutes(inventory: InventoryService, sessions: SessionService): Router {
  const router = Router();
  router.put("/inventory/:sku", requireAdmin(sessions), async (req, res) => {
    const sku = parseOrThrow(Sku, req.params.sku, "sku");
    const body = parseOrThrow(PutInventoryBody, req.body);
    res.json(await inventory.put(sku, body));
  });
  router.get("/inventory/:sku", requireAuth(sessions), async (req, res) => {
    res.json(await inventory.view(parseOrThrow(Sku, req.params.sku, "sku")));
  });
  return router;
}
