import { Router } from "express";
import { CreateSaleBody, SaleId } from "@holdfast/shared/schemas";
import { z } from "zod";
import { parseOrThrow } from "../http/validate.ts";
import { identityOf, requireAdmin, requireAuth } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { SaleQueueStore } from "./sale-queue-store.ts";
import type { SaleService } from "./sale-service.ts";

const AdmissionsQuery = z
  .object({ offset: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(10_000).optional() })
  .strict();

/**
 * `/api/sales`: admins create sales and read the admission log; anyone reads a sale's
 * status; a signed-in buyer joins or leaves the line and reads its own ticket (the
 * admission token included, so a buyer can hold over HTTP).
 */
export function salesRoutes(sales: SaleService, queue: SaleQueueStore, sessions: SessionService): Router {
  const router = Router();
  router.post("/", requireAdmin(sessions), async (req, res) => {
    const body = parseOrThrow(CreateSaleBody, req.body);
    res.status(201).json(await sales.create(body));
  });
  router.get("/:saleId", async (req, res) => {
    res.json(await sales.view(parseOrThrow(SaleId, req.params.saleId, "saleId")));
  });
  router.get("/:saleId/ticket", requireAuth(sessions), async (req, res) => {
    const saleId = parseOrThrow(SaleId, req.params.saleId, "saleId");
    await sales.get(saleId);
    res.json(await sales.ticket(saleId, identityOf(req).userId));
  });
  // The line over HTTP, for clients without a WebSocket: the same idempotent join and leave.
  router.post("/:saleId/queue", requireAuth(sessions), async (req, res) => {
    const saleId = parseOrThrow(SaleId, req.params.saleId, "saleId");
    const userId = identityOf(req).userId;
    await sales.join(saleId, userId);
    res.json(await sales.ticket(saleId, userId));
  });
  router.delete("/:saleId/queue", requireAuth(sessions), async (req, res) => {
    const saleId = parseOrThrow(SaleId, req.params.saleId, "saleId");
    await sales.get(saleId);
    await sales.leave(saleId, identityOf(req).userId);
    res.status(204).end();
  });
  router.get("/:saleId/admissions", requireAdmin(sessions), async (req, res) => {
    const saleId = parseOrThrow(SaleId, req.params.saleId, "saleId");
    const q = parseOrThrow(AdmissionsQuery, req.query, "query");
    await sales.get(saleId);
    res.json({ admissions: await queue.admissions(saleId, q.offset ?? 0, q.limit ?? 1000) });
  });
  return router;
}
