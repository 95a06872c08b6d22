import { z } from "zod";

/**
 * Wire vocabulary of inventory, holds, orders and payments (issue 5): request schemas
 * (zod, one per body/param), response shapes and the order events published to nodes.
 */

/** A stock keeping unit id: letters, digits, `.`, `_`, `-`; at most 64 characters. */
export const Sku = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "expected 1-64 letters, digits, '.', '_' or '-'");

export const HoldStatus = { ACTIVE: "active", RELEASED: "released", EXPIRED: "expired", CONSUMED: "consumed" } as const;
export type HoldStatus = (typeof HoldStatus)[keyof typeof HoldStatus];

export const OrderStatus = { PENDING: "pending", PAID: "paid", CANCELLED: "cancelled", EXPIRED: "expired" } as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** Most units one hold may carry. */
export const MAX_HOLD_QUANTITY = 1000;

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

export interface InventoryView {
  sku: string;
  total: number;
  sold: number;
  held: number;
  available: number;
}

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

export const HoldId = z.string().regex(/^h_[0-9a-f]{16}_[A-Za-z0-9._-]{1,64}$/, "not a hold id");

export interface CreateHoldResponse {
  holdId: string;
  sku: string;
  quantity: number;
  expiresAt: string;
}

export interface HoldView extends CreateHoldResponse {
  status: HoldStatus;
  userId: string;
  createdAt: string;
}

/** Header value of `Idempotency-Key`. */
export const IdempotencyKey = z.string().min(1).max(255);

/** Body of `POST /api/orders`. */
export const CreateOrderBody = z
  .object({ holdIds: z.array(HoldId).min(1).max(50) })
  .strict()
  .refine((b) => new Set(b.holdIds).size === b.holdIds.length, { message: "holdIds must be distinct", path: ["holdIds"] });
export type CreateOrderBody = z.infer<typeof CreateOrderBody>;

export const OrderId = z.string().regex(/^o_[0-9a-f-]{36}$/, "not an order id");

export const ListOrdersQuery = z
  .object({
    status: z.enum([OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED]).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();
export type ListOrdersQuery = z.infer<typeof ListOrdersQuery>;

export interface OrderItemView {
  sku: string;
  quantity: number;
}

/** The one currency every price and order is in (ISO 4217); payments must be in it. */
export const ORDER_CURRENCY = "EUR";

export interface OrderView {
  orderId: string;
  userId: string;
  status: OrderStatus;
  items: OrderItemView[];
  /** What the buyer owes: the items at the prices they were ordered at, in cents. */
  amountCents: number;
  /** ISO 4217 code of `amountCents` (ORDER_CURRENCY). */
  currency: string;
  createdAt: string;
  expiresAt: string;
  paidAt?: string;
  paymentReference?: string;
  cancelledAt?: string;
  cancelReason?: string;
  /** Set when the order was checked out at a dining table. */
  tableId?: string;
  branchId?: string;
}

export interface CreateOrderResponse {
  order: OrderView;
  payment: { expiresAt: string; durationMinutes: number };
}

export const PaymentOutcome = { SUCCEEDED: "succeeded", FAILED: "failed" } as const;
export type PaymentOutcome = (typeof PaymentOutcome)[keyof typeof PaymentOutcome];

/**
 * Body of `POST /api/payments/webhook` (signed; see docs/holds-and-orders.md). `amount`
 * (integer cents) and `currency` are what the provider charged; both are required and
 * must equal the order's `amountCents` and `currency` (else 422 PAYMENT_MISMATCH).
 */
export const PaymentWebhookBody = z.object({
  orderId: OrderId,
  outcome: z.enum([PaymentOutcome.SUCCEEDED, PaymentOutcome.FAILED]),
  reference: z.string().min(1).max(200),
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR"),
});
export type PaymentWebhookBody = z.infer<typeof PaymentWebhookBody>;

export const OrderEventType = {
  CREATED: "order.created",
  PAID: "order.paid",
  CANCELLED: "order.cancelled",
  EXPIRED: "order.expired",
} as const;
export type OrderEventType = (typeof OrderEventType)[keyof typeof OrderEventType];

/** Published on the order events presence channel, heard by every node. */
export interface OrderEvent {
  type: OrderEventType;
  orderId: string;
  userId: string;
  status: OrderStatus;
  items: OrderItemView[];
  at: string;
  tableId?: string;
  branchId?: string;
}
