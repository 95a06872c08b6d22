/*
 * Wire vocabulary of inventory, holds, orders and payments: constants, request
 * and response shapes and the order events published to nodes. No dependencies: the zod
 * schemas that validate the request bodies are in `@holdfast/shared/schemas`.
 */

export const HoldStatus = { ACTIVE: "active", RELEASED: "released", EXPIRED: "expired", CONSUMED: "consumed" } as const;
export type HoldStatus = (typeof HoldStatus)[keyof typeof HoldStatus];

export const OrderStatus = { PENDING: "pending", PAID: "paid", CANCELLED: "cancelled", EXPIRED: "expired" } as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** Most units one hold may carry. */
export const MAX_HOLD_QUANTITY = 1000;

/** Body of `PUT /api/inventory/:sku` (admin). `perUserLimit` is a Holdfast extension. */
export interface PutInventoryBody {
  stock: number;
  name?: string;
  priceCents?: number;
  perUserLimit?: number;
}

export interface InventoryView {
  sku: string;
  total: number;
  sold: number;
  held: number;
  available: number;
}

/** A dish as a branch's menu shows it (`GET /api/branches/:branchId/menu`). */
export interface MenuItemView {
  sku: string;
  name: string;
  /** Unit price in cents (ORDER_CURRENCY). */
  priceCents: number;
  /** Units holdable right now. */
  available: number;
}

/** `GET /api/branches/:branchId/menu`: the SKUs, and each with its name, price and stock. */
export interface BranchMenuView {
  branchId: string;
  skus: string[];
  items: MenuItemView[];
}

/** Body of `POST /api/holds`. */
export interface CreateHoldBody {
  sku: string;
  quantity: number;
  saleId?: string;
  admissionToken?: string;
}

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

/** Body of `POST /api/orders`. */
export interface CreateOrderBody {
  holdIds: string[];
}

/** Query of `GET /api/orders`. */
export interface ListOrdersQuery {
  status?: OrderStatus;
  limit?: number;
}

export interface OrderItemView {
  sku: string;
  quantity: number;
}

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

/** The one currency every price and order is in (ISO 4217); payments must be in it. */
export const ORDER_CURRENCY = "EUR";

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
export interface PaymentWebhookBody {
  orderId: string;
  outcome: PaymentOutcome;
  reference: string;
  amount: number;
  currency: string;
}

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
