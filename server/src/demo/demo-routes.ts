import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { ErrorCode, PaymentOutcome } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { InventoryService } from "../inventory/inventory-service.ts";
import { identityOf, requireAuth } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import { parseOrThrow } from "../http/validate.ts";
import type { OrderService } from "../orders/order-service.ts";
import type { SaleService } from "../sales/sale-service.ts";

const PayBody = z.object({ orderId: z.string().min(1).max(100), outcome: z.enum([PaymentOutcome.SUCCEEDED, PaymentOutcome.FAILED]) }).strict();

/**
 * `/api/demo/*`, mounted only when `DEMO_PAYMENTS=on` (refused in production by config):
 * what the demo page needs without an operator at hand. Any signed-in visitor may start
 * a small flash sale, and may simulate the payment provider's answer for their OWN
 * pending order (the real webhook stays signed and separate).
 */
export function demoRoutes(deps: { sessions: SessionService; inventory: InventoryService; sales: SaleService; orders: OrderService }): Router {
  const router = Router();
  const auth = requireAuth(deps.sessions);

  router.post("/sale", auth, async (_req, res) => {
    const sku = `demo-drop-${randomUUID().slice(0, 6)}`;
    await deps.inventory.put(sku, { stock: 5, name: "Limited sneaker (demo)", priceCents: 9900 });
    const sale = await deps.sales.create({
      sku,
      quantity: 5,
      perUserLimit: 1,
      startsAt: new Date(Date.now() + 5000),
      admission: { mode: "rate", perSecond: 1 },
      prequeue: "random",
    });
    res.status(201).json(sale);
  });

  router.post("/pay", auth, async (req, res) => {
    const body = parseOrThrow(PayBody, req.body);
    const identity = identityOf(req);
    // Only the caller's own order (an admin reading someone else's does not count).
    const own = await deps.orders.get(identity, body.orderId);
    if (own.userId !== identity.userId) throw new AppError(ErrorCode.ORDER_NOT_FOUND, `order ${body.orderId} not found`);
    // The simulated provider charges exactly what the order says, as a real one must.
    const order = await deps.orders.applyPayment({
      orderId: body.orderId,
      outcome: body.outcome,
      reference: `demo-${randomUUID().slice(0, 8)}`,
      amount: own.amountCents,
      currency: own.currency,
    });
    res.json(order);
  });

  return router;
}
