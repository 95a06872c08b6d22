import { z } from "zod";
import { Sku } from "./commerce.ts";

/**
 * Wire vocabulary of flash sales (issue 6): the admin and read routes, the `sale` room's
 * join options, commands, state and the per-client `ticket` message.
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

/** Sale ids: lowercase letters, digits, `-` and `_`, at most 64 characters. */
export const SaleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lowercase letters, digits, - and _, at most 64 characters");

/** An instant: ISO 8601 text or epoch milliseconds. */
const Instant = z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).transform((v) => new Date(v));

export const SaleAdmission = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("rate"), perSecond: z.number().positive().max(100_000) }).strict(),
  z.object({ mode: z.literal("stock") }).strict(),
]);
export type SaleAdmission = z.infer<typeof SaleAdmission>;

/** Body of `POST /api/sales` (admin). The sale's `quantity` becomes the SKU's stock. */
export const CreateSaleBody = z
  .object({
    saleId: SaleId.optional(),
    sku: Sku,
    quantity: z.number().int().min(1).max(1_000_000_000),
    perUserLimit: z.number().int().min(1).max(1000).optional(),
    startsAt: Instant,
    endsAt: Instant.optional(),
    admission: SaleAdmission.optional(),
    prequeue: z.enum(["random", "fifo"]).optional(),
    name: z.string().trim().max(200).optional(),
    priceCents: z.number().int().min(0).max(1_000_000_000).optional(),
  })
  .strict()
  .refine((b) => !b.endsAt || b.endsAt.getTime() > b.startsAt.getTime(), { message: "endsAt must be after startsAt", path: ["endsAt"] });
export type CreateSaleBody = z.infer<typeof CreateSaleBody>;

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
export const SaleJoinOptions = z.object({ saleId: SaleId }).strict();
export type SaleJoinOptions = z.infer<typeof SaleJoinOptions>;

export const SaleHoldCommand = z
  .object({ quantity: z.number().int().min(1).max(1000), cid: z.string().min(1).max(64).optional() })
  .strict();
export type SaleHoldCommand = z.infer<typeof SaleHoldCommand>;

export const SaleLeaveCommand = z.object({ cid: z.string().min(1).max(64).optional() }).strict();

/** Admin read of the admission log: who was admitted, in order, with their join number. */
export interface SaleAdmissionsView {
  admissions: { userId: string; joinSeq: number }[];
}
