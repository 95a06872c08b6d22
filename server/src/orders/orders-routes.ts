import { Router, type Request, type RequestHandler } from "express";
import { ErrorCode } from "@holdfast/shared";
import { CreateOrderBody, ListOrdersQuery, OrderId, PaymentWebhookBody } from "@holdfast/shared/schemas";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../http/validate.ts";
import { identityOf, requireAuth } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { Idempotency } from "../http/idempotency.ts";
import type { OrderService } from "./order-service.ts";
import { verifySignature } from "./payment-signature.ts";

function orderIdParam(raw: unknown): string {
  const parsed = OrderId.safeParse(raw);
  if (!parsed.success) throw new AppError(ErrorCode.ORDER_NOT_FOUND, "order not found");
  return parsed.data;
}

/** The exact bytes of the request body, kept by the JSON parser (see commerce.ts). */
export function rawBodyOf(req: Request): Buffer {
  return (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
}

/** `/api/orders` and `/api/payments/webhook`. */
export function ordersRoutes(
  orders: OrderService,
  sessions: SessionService,
  idempotency: Idempotency,
  opts: { webhookSecret: string | undefined; webhookLimit: RequestHandler; defaultLimit: RequestHandler },
): Router {
  const router = Router();
  const auth = requireAuth(sessions);
  router.post("/orders", opts.defaultLimit, auth, async (req, res) => {
    const identity = identityOf(req);
    const body = parseOrThrow(CreateOrderBody, req.body);
    await idempotency.run(req, res, { userId: identity.userId, scope: "orders", required: true }, async () => ({
      status: 201,
      body: await orders.create(identity, body.holdIds),
    }));
  });
  router.get("/orders", opts.defaultLimit, auth, async (req, res) => {
    const query = parseOrThrow(ListOrdersQuery, req.query, "query");
    res.json({ orders: await orders.list(identityOf(req), query) });
  });
  router.get("/orders/:orderId", opts.defaultLimit, auth, async (req, res) => {
    res.json(await orders.get(identityOf(req), orderIdParam(req.params.orderId)));
  });
  router.post("/orders/:orderId/cancel", opts.defaultLimit, auth, async (req, res) => {
    res.json(await orders.cancel(identityOf(req), orderIdParam(req.params.orderId)));
  });
  router.post("/payments/webhook", opts.webhookLimit, async (req, res) => {
    // Signature first, over the raw bytes: nothing of an unsigned body is looked at.
    verifySignature(opts.webhookSecret, req.header("x-holdfast-signature"), rawBodyOf(req));
    const body = parseOrThrow(PaymentWebhookBody, req.body);
    res.json(await orders.applyPayment(body));
  });
  return router;
}
