import { z } from "zod";
import type {
  CreateSaleBodyInput,
  SaleAdmission as SaleAdmissionShape,
  SaleHoldCommand as SaleHoldCommandShape,
  SaleJoinOptions as SaleJoinOptionsShape,
} from "../sales.ts";
import { Sku } from "./commerce.ts";
import { cid } from "./tables.ts";
import type { Same } from "./same.ts";

/** Request schemas of flash sales: the admin route, the `sale` room's join options and commands. */

/** Sale ids: lowercase letters, digits, `-` and `_`, at most 64 characters. */
export const SaleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lowercase letters, digits, - and _, at most 64 characters");

/** An instant: ISO 8601 text or epoch milliseconds. */
const Instant = z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).transform((v) => new Date(v));

export const SaleAdmission = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("rate"), perSecond: z.number().positive().max(100_000) }).strict(),
  z.object({ mode: z.literal("stock") }).strict(),
]);
export type SaleAdmission = z.infer<typeof SaleAdmission>;
export const saleAdmissionMatches: Same<SaleAdmission, SaleAdmissionShape> = true;

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
/** The body after parsing: instants are Dates. */
export type CreateSaleBody = z.infer<typeof CreateSaleBody>;
export const createSaleBodyMatches: Same<z.input<typeof CreateSaleBody>, CreateSaleBodyInput> = true;

/** Join options of the `sale` room. */
export const SaleJoinOptions = z.object({ saleId: SaleId }).strict();
export type SaleJoinOptions = z.infer<typeof SaleJoinOptions>;
export const saleJoinOptionsMatches: Same<SaleJoinOptions, SaleJoinOptionsShape> = true;

export const SaleHoldCommand = z.object({ quantity: z.number().int().min(1).max(1000), cid }).strict();
export type SaleHoldCommand = z.infer<typeof SaleHoldCommand>;
export const saleHoldCommandMatches: Same<SaleHoldCommand, SaleHoldCommandShape> = true;

export const SaleLeaveCommand = z.object({ cid }).strict();
