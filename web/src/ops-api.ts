import { api } from "./client.ts";

/**
 * The operator API (`/api/admin`, see docs/operator-console.md) as the console reads it.
 * The server checks every call; the console only hides what the scope says it may not use.
 */
export interface OpsScope {
  userId: string;
  admin: boolean;
  branches: string[];
}

export interface OpsSeat {
  seat: number;
  status: "empty" | "active" | "away";
  userId: string | null;
  name: string;
  awayUntil: number | null;
}

export interface OpsTable {
  tableId: string;
  kind: string;
  branchId: string | null;
  roomId: string;
  hostedBy: string;
  live: { tableId: string; seq: number; clients: number; seats: OpsSeat[] } | null;
}

export interface OpsSale {
  saleId: string;
  sku: string;
  quantity: number;
  startsAt: string;
  endsAt: string | null;
  status: string;
  pausedAt: number | null;
  stockRemaining: number;
  queueLength: number;
  admittedTotal: number;
  outstanding: number;
  admissionRatePerSecond: number | null;
  etaSeconds: number | null;
}

export const ORDER_STATES = ["pending", "paid", "cancelled", "expired"] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export interface OpsOrder {
  orderId: string;
  userId: string;
  status: OrderState;
  amountCents: number;
  createdAt: string;
  expiresAt: string;
  tableId: string | null;
  branchId: string | null;
}

export interface OpsNode {
  processId: string;
  publicAddress: string | null;
  at: number;
  uptimeSeconds: number;
  rooms: number;
  clients: number;
  eventLoopLagMs: number;
  eventLoopLagP99Ms: number;
  rssBytes: number;
  heapUsedBytes: number;
  draining: boolean;
}

const seg = encodeURIComponent;

export const opsApi = {
  scope: () => api<OpsScope>("GET", "/api/admin/scope"),
  tables: () => api<{ at: number; tables: OpsTable[] }>("GET", "/api/admin/tables"),
  release: (tableId: string, seat: number) => api<{ released: number[] }>("POST", `/api/admin/tables/${seg(tableId)}/seats/${seat}/release`),
  close: (tableId: string) => api<{ released: number[] }>("POST", `/api/admin/tables/${seg(tableId)}/close`),
  sales: () => api<{ at: number; sales: OpsSale[] }>("GET", "/api/admin/sales"),
  pause: (saleId: string) => api<OpsSale>("POST", `/api/admin/sales/${seg(saleId)}/pause`),
  resume: (saleId: string) => api<OpsSale>("POST", `/api/admin/sales/${seg(saleId)}/resume`),
  orders: (status: OrderState) =>
    api<{ status: OrderState; counts: Record<OrderState, number>; orders: OpsOrder[] }>("GET", `/api/admin/orders?status=${seg(status)}&limit=50`),
  nodes: () => api<{ at: number; nodes: OpsNode[] }>("GET", "/api/admin/nodes"),
};
