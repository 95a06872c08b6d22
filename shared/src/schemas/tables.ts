import { z } from "zod";
import type {
  CreateTableBody as CreateTableBodyShape,
  TableCommands,
  TableJoinOptions as TableJoinOptionsShape,
  TableOptions as TableOptionsShape,
} from "../tables.ts";
import type { Same } from "./same.ts";

/** Request schemas of tables: the admin route, the `table` room's join options and commands. */

const tableIdPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const TableId = z.string().regex(tableIdPattern, "lowercase letters, digits, - and _, at most 63 characters");

export const TableOptions = z
  .object({
    maxSpectators: z.number().int().min(0).max(10_000).optional(),
    multiTab: z.enum(["takeover", "reject", "spectate"]).optional(),
    minBuyIn: z.number().int().positive().optional(),
    maxBuyIn: z.number().int().positive().optional(),
    defaultBuyIn: z.number().int().positive().optional(),
    smallBlind: z.number().int().positive().optional(),
    bigBlind: z.number().int().positive().optional(),
    turnSeconds: z.number().int().positive().max(3600).optional(),
    /** Holdem: seconds an away player's turn lasts before the table acts for them (default 5). */
    awayActSeconds: z.number().int().min(0).max(3600).optional(),
    branchId: z.string().min(1).max(64).optional(),
  })
  .strict();
export type TableOptions = z.infer<typeof TableOptions>;
export const tableOptionsMatch: Same<TableOptions, TableOptionsShape> = true;

/** Body of `POST /api/tables` (admin). */
export const CreateTableBody = z
  .object({
    tableId: TableId.optional(),
    kind: z.enum(["holdem", "dining"]),
    seats: z.number().int().min(2).max(10),
    options: TableOptions.optional(),
  })
  .strict();
export type CreateTableBody = z.infer<typeof CreateTableBody>;
export const createTableBodyMatches: Same<CreateTableBody, CreateTableBodyShape> = true;

/** Join options of the `table` room. */
export const TableJoinOptions = z
  .object({
    tableId: TableId,
    seatToken: z.string().min(1).max(2048).optional(),
    lastSeq: z.number().int().min(0).optional(),
    spectate: z.boolean().optional(),
    packed: z.number().int().min(0).max(1000).optional(),
    batchedEvents: z.boolean().optional(),
  })
  .strip();
export type TableJoinOptions = z.infer<typeof TableJoinOptions>;
export const tableJoinOptionsMatch: Same<TableJoinOptions, TableJoinOptionsShape> = true;

/**
 * A client command id: repeat it and you get the first answer, applied once. The
 * contract lets every command carry one, so every command schema accepts it (commands
 * that are naturally idempotent, like `resync`, simply ignore it).
 */
export const cid = z.string().min(1).max(64).optional();

export const SitCommand = z
  .object({ seat: z.number().int().min(0).max(9).optional(), buyIn: z.number().int().positive().optional(), cid })
  .strict();
export const StandCommand = z.object({ cid }).strict();
export const HeartbeatCommand = z.object({}).strip();
/** `packed`: any version is accepted (a newer client's), the server answers in one it writes. */
export const ResyncCommand = z.object({ lastSeq: z.number().int().min(0), packed: z.number().int().min(0).max(1000).optional(), cid }).strict();
export const ActCommand = z
  .object({
    action: z.enum(["fold", "check", "call", "bet", "raise", "all_in"]),
    amount: z.number().int().min(0).optional(),
    cid,
  })
  .strict();

/** Dining: set one cart line's quantity (0 removes it). Options and note are part of the line's identity. */
export const CartSetCommand = z
  .object({
    sku: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "letters, digits, . _ -, at most 64"),
    quantity: z.number().int().min(0).max(99),
    options: z.record(z.string().max(40), z.union([z.string().max(80), z.number(), z.boolean()])).optional(),
    note: z.string().max(200).optional(),
    cid,
  })
  .strict();
export const CheckoutCommand = z.object({ cid }).strict();
export const CloseCommand = z.object({ cid }).strict();

export type SitCommand = z.infer<typeof SitCommand>;
export type ActCommand = z.infer<typeof ActCommand>;
export type CartSetCommand = z.infer<typeof CartSetCommand>;

export const sitCommandMatches: Same<SitCommand, TableCommands["sit"]> = true;
export const actCommandMatches: Same<ActCommand, TableCommands["act"]> = true;
export const cartSetCommandMatches: Same<CartSetCommand, TableCommands["cart.set"]> = true;
export const resyncCommandMatches: Same<z.infer<typeof ResyncCommand>, TableCommands["resync"]> = true;
