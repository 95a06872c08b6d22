import { z } from "zod";
import {
  MAX_HOLD_QUANTITY,
  OrderStatus,
  PaymentOutcome,
  type CreateHoldBody as CreateHoldBodyShape,
  type CreateOrderBody as CreateOrderBodyShape,
  type ListOrdersQuery as ListOrdersQueryShape,
  type PaymentWebhookBody as PaymentWebhookBodyShape,
  type PutInventoryBody as PutInventoryBodyShape,
} from "../commerce.ts";
import type { Same } from "./same.ts";

/** Request schemas (zod, one per body/param) of inventory, holds, orders and payments. */

/** A stock keeping unit id: letters, digits, `.`, `_`, `-`; at most 64 characters. */
export const Sku = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "expected 1-64 letters, digits, '.', '_' or '-'");

/** Body of `PUT /api/inventory/:sku` (admin). `perUserLimit` is a Holdfast extension. */
export const PutInventoryBody = z
  .object({
    stock: z.number().int().min(0).max(1_000_000_000),
    name: z.string().trim().max(200).optional(),
    priceCents: z.number().int().min(0).max(1_000_000_000).optional(),
    perUserLimit: z.number().int().positive().max(1_000_000_000).optional(),
  })
  .strict();
export type PutInventoryBody = z.infer<typeof PutInventoryBody>;
export const putInventoryBodyMatches: Same<PutInventoryBody, PutInventoryBodyShape> = true;

/** Body of `POST /api/holds`. */
export const CreateHoldBody = z
  .object({
    sku: Sku,
    quantity: z.number().int().min(1).max(MAX_HOLD_QUANTITY),
    saleId: z.string().min(1).max(64).optional(),
    admissionToken: z.string().min(1).max(2048).optional(),
  })
  .strict();
export type CreateHoldBody = z.infer<typeof CreateHoldBody>;
export const createHoldBodyMatches: Same<CreateHoldBody, CreateHoldBodyShape> = true;

export const HoldId = z.string().regex(/^h_[0-9a-f]{16}_[A-Za-z0-9._-]{1,64}$/, "not a hold id");

/** Header value of `Idempotency-Key`. */
export const IdempotencyKey = z.string().min(1).max(255);

/** Body of `POST /api/orders`. */
export const CreateOrderBody = z
  .object({ holdIds: z.array(HoldId).min(1).max(50) })
  .strict()
  .refine((b) => new Set(b.holdIds).size === b.holdIds.length, { message: "holdIds must be distinct", path: ["holdIds"] });
export type CreateOrderBody = z.infer<typeof CreateOrderBody>;
export const createOrderBodyMatches: Same<CreateOrderBody, CreateOrderBodyShape> = true;

export const OrderId = z.string().regex(/^o_[0-9a-f-]{36}$/, "not an order id");

export const ListOrdersQuery = z
  .object({
    status: z.enum([OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED]).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();
export type ListOrdersQuery = z.infer<typeof ListOrdersQuery>;
export const listOrdersQueryMatches: Same<ListOrdersQuery, ListOrdersQueryShape> = true;

/** Body of `POST /api/payments/webhook` (signed; see docs/holds-and-orders.md). */
export const PaymentWebhookBody = z.object({
  orderId: OrderId,
  outcome: z.enum([PaymentOutcome.SUCCEEDED, PaymentOutcome.FAILED]),
  reference: z.string().min(1).max(200),
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR"),
});
export type PaymentWebhookBody = z.infer<typeof PaymentWebhookBody>;
export const paymentWebhookBodyMatches: Same<PaymentWebhookBody, PaymentWebhookBodyShape> = true;
