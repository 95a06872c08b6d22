/*
 * Wire vocabulary of flash sales: the admin and read routes, the `sale` room's
 * join options, commands, state and the per-client `ticket` message. No dependencies:
 * the zod schemas are in `@holdfast/shared/schemas`.
 */

export const SaleStatus = { UPCOMING: "upcoming", OPEN: "open", SOLD_OUT: "sold_out", ENDED: "ended" } as const;
export type SaleStatus = (typeof SaleStatus)[keyof typeof SaleStatus];

export const AdmissionMode = { RATE: "rate", STOCK: "stock" } as const;
export type AdmissionMode = (typeof AdmissionMode)[keyof typeof AdmissionMode];

/** What happens at `startsAt` to those who joined before it. */
export const PrequeueMode = { RANDOM: "random", FIFO: "fifo" } as const;
export type PrequeueMode = (typeof PrequeueMode)[keyof typeof PrequeueMode];

/**
 * A buyer's place in a sale, as the `ticket` message tells it:
 * waiting (in line, or in the pre-queue), admitted (may hold until `admittedUntil`),
 * holding (placed a hold), done (made an order), sold_out (nothing left to hold right
 * now; stock coming back reopens the line), lapsed (admitted but did not hold in time),
 * ended (the sale is over), left (gave the place up).
 */
export const TicketStatus = {
  WAITING: "waiting",
  ADMITTED: "admitted",
  HOLDING: "holding",
  DONE: "done",
  SOLD_OUT: "sold_out",
  LAPSED: "lapsed",
  ENDED: "ended",
  LEFT: "left",
} as const;
export type TicketStatus = (typeof TicketStatus)[keyof typeof TicketStatus];

/** How admission works: a fixed rate per second, or as many as there is unheld stock. */
export type SaleAdmission = { mode: "rate"; perSecond: number } | { mode: "stock" };

/** Body of `POST /api/sales` (admin). Instants are ISO 8601 text or epoch milliseconds. */
export interface CreateSaleBodyInput {
  saleId?: string;
  sku: string;
  quantity: number;
  perUserLimit?: number;
  startsAt: string | number;
  endsAt?: string | number;
  admission?: SaleAdmission;
  prequeue?: PrequeueMode;
  name?: string;
  priceCents?: number;
}

/** A sale as the API shows it. Times are ISO 8601. */
export interface SaleDto {
  saleId: string;
  sku: string;
  quantity: number;
  perUserLimit: number;
  startsAt: string;
  endsAt: string | null;
  admission: SaleAdmission;
  prequeue: PrequeueMode;
  createdAt: string;
}

/** `GET /api/sales/:saleId`. `admitted` counts every admission so far. */
export interface SaleView {
  sale: SaleDto;
  status: SaleStatus;
  stockRemaining: number;
  queueLength: number;
  admitted: number;
}

/** The per-client `ticket` message of the `sale` room (and `GET /api/sales/:saleId/ticket`). */
export interface Ticket {
  /** 1-based place in line while waiting; 0 otherwise (and in a random pre-queue, which is not ordered yet). */
  position: number;
  /** Estimated seconds until admission from the observed admission rate; null when it cannot be estimated. */
  eta: number | null;
  status: TicketStatus;
  /** True while the sale has not started (joined the pre-queue). */
  prequeue: boolean;
  /** While admitted: the admission token for `POST /api/holds` (or the room's `hold`). */
  admissionToken?: string;
  /** While admitted: epoch ms until which a hold may be placed. */
  admittedUntil?: number;
}

export const SaleMessage = { TICKET: "ticket", ERROR: "error" } as const;

/** Join options of the `sale` room. */
export interface SaleJoinOptions {
  saleId: string;
}

/** The `sale` room's `hold` command. */
export interface SaleHoldCommand {
  quantity: number;
  cid?: string;
}

/** Admin read of the admission log: who was admitted, in order, with their join number. */
export interface SaleAdmissionsView {
  admissions: { userId: string; joinSeq: number }[];
}
