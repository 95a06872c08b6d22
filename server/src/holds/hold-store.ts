import { createHash, randomBytes } from "node:crypto";
import { ErrorCode, type HoldStatus } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { HoldCode } from "../redis/script-codes.ts";

/** One hold as the store keeps it. Times are epoch milliseconds. */
export interface HoldRecord {
  holdId: string;
  sku: string;
  userId: string;
  quantity: number;
  status: HoldStatus;
  expiresAt: number;
  createdAt: number;
}

export interface ConsumedHold {
  holdId: string;
  sku: string;
  quantity: number;
}

/** Live counters of one SKU. `available` may be below zero after an admin lowered stock. */
export interface StockCounts {
  total: number;
  available: number;
  held: number;
}

export interface ReserveInput {
  sku: string;
  userId: string;
  quantity: number;
  ttlSeconds: number;
  /** Overrides the SKU's per-user limit (flash sales). */
  perUserLimit?: number;
  /** Given by callers that need a stable id; a fresh one otherwise. */
  holdId?: string;
}

/** A cart line: one hold per {cartKey}:{sku}:{optionsHash}:{noteHash}. */
export interface CartLineInput {
  cartKey: string;
  sku: string;
  optionsHash: string;
  noteHash: string;
  /** The hold's owner (the cart), who may consume and release it. */
  userId: string;
  /**
   * Whose per-buyer limit the line's units count against: the diner who raised it last
   * (a line lowered by another diner stays on its buyer). Plain holds count against
   * their owner.
   */
  buyerId: string;
  /** The line's new quantity; 0 removes it. */
  quantity: number;
  ttlSeconds: number;
  perUserLimit?: number;
}

/** Stock loaded from Postgres: `committed` = sold + units in pending orders. */
export interface StockSource {
  total: number;
  committed: number;
  perUserLimit: number;
}

/**
 * Live stock counters and holds of every SKU: the fast path in front of Postgres.
 * Implementations: RedisHoldStore (Lua scripts, shared by every node) and
 * MemoryHoldStore (embedded mode, one process). Both pass test/holds/hold-store.test.ts.
 *
 * Every operation on a SKU whose counters are not loaded throws StockNotLoadedError; the
 * caller loads them from Postgres (`loadStock`) and retries.
 */
export interface HoldStore {
  readonly kind: "redis" | "memory";
  /** Sets total and per-user limit; builds counters if missing (see set-stock.lua). */
  setStock(sku: string, source: StockSource): Promise<void>;
  /** Builds counters only when missing. True when it built them. */
  loadStock(sku: string, source: StockSource): Promise<boolean>;
  /** Expires due holds of `sku` and reads its counters; null when not loaded. */
  getCounts(sku: string): Promise<StockCounts | null>;
  /** Places a hold. SOLD_OUT, HOLD_LIMIT (the buyer's active holds, cart lines and pending order units of the SKU, plus these). */
  reserve(input: ReserveInput): Promise<HoldRecord>;
  /** Sets a cart line's quantity, reserving or releasing only the difference. Null when set to 0. */
  setQuantity(input: CartLineInput): Promise<HoldRecord | null>;
  /** The hold as stored (status `expired` once past its expiry); null when unknown. */
  get(holdId: string): Promise<HoldRecord | null>;
  /** Ends an active hold; idempotent. `ownerId` null = any owner. HOLD_NOT_FOUND; CONFLICT when consumed. */
  release(holdId: string, ownerId: string | null): Promise<"released" | "unchanged">;
  /**
   * Consumes the user's holds for an order: all or none, across SKUs. In `holdIds` order.
   * The units stay counted against `buyerId` (the order's buyer) until `settle`.
   */
  consume(userId: string, holdIds: string[], buyerId: string): Promise<ConsumedHold[]>;
  /** Compensation: back to active the holds `consume` took (the order was not recorded). */
  unconsume(userId: string, holdIds: string[]): Promise<void>;
  /** Returns a finished order's units to `available` (capped). */
  restock(sku: string, quantity: number): Promise<void>;
  /** An order of `buyerId` left pending: its units of `sku` stop counting against the buyer's limit. */
  settle(sku: string, buyerId: string, quantity: number): Promise<void>;
  /** Expires due holds of `sku`. Number expired. */
  sweep(sku: string): Promise<number>;
  /** False when the store lost its data since `markIntact` (Redis flushed or restarted empty). */
  isIntact(): Promise<boolean>;
  markIntact(): Promise<void>;
  close(): Promise<void>;
}

/** The SKU's counters are not in the store; load them from Postgres and retry. */
export class StockNotLoadedError extends Error {
  constructor(readonly sku: string) {
    super(`stock counters of ${sku} are not loaded`);
    this.name = "StockNotLoadedError";
  }
}

/** How long finished hold records stay readable (GET /api/holds/:id shows their status). */
export const HOLD_RECORD_RETENTION_MS = 60 * 60 * 1000;

const HOLD_ID = /^h_([0-9a-f]{16})_([A-Za-z0-9._-]{1,64})$/;

/**
 * Fresh CSPRNG bytes for hold ids, 4 KiB at a time: `randomBytes(8)` per hold costs a
 * call into OpenSSL each time (about 10 % of a busy node's CPU). Every id still gets its
 * own 8 never-reused random bytes.
 */
const ID_POOL_SIZE = 4096;
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;

function randomHex8(): string {
  if (idPoolOffset + 8 > idPool.length) {
    idPool = randomBytes(ID_POOL_SIZE);
    idPoolOffset = 0;
  }
  const hex = idPool.toString("hex", idPoolOffset, idPoolOffset + 8);
  idPoolOffset += 8;
  return hex;
}

/** Hold ids carry their SKU, so a hold is found from its id alone: `h_<16 hex>_<sku>`. */
export function newHoldId(sku: string): string {
  return `h_${randomHex8()}_${sku}`;
}

/** The hold id of a cart line: stable for {cartKey}:{sku}:{optionsHash}:{noteHash}. */
export function cartLineHoldId(line: Pick<CartLineInput, "cartKey" | "sku" | "optionsHash" | "noteHash">): string {
  const key = `${line.cartKey}:${line.sku}:${line.optionsHash}:${line.noteHash}`;
  return `h_${createHash("sha256").update(key).digest("hex").slice(0, 16)}_${line.sku}`;
}

export function skuOfHoldId(holdId: string): string | undefined {
  return HOLD_ID.exec(holdId)?.[2];
}

/**
 * The one mapping from the stores' refusals (named in redis/script-codes.ts: the Lua
 * scripts' codes; the memory store throws the same names) to AppError. `undefined` is a
 * reply that is no known code (a script and its caller disagree).
 */
export function holdCodeError(code: HoldCode | undefined, sku: string, what = "hold"): Error {
  switch (code) {
    case "SOLD_OUT":
      return new AppError(ErrorCode.SOLD_OUT, `not enough stock of ${sku}`);
    case "HOLD_LIMIT":
      return new AppError(ErrorCode.HOLD_LIMIT, `per-user hold limit reached for ${sku}`);
    case "HOLD_NOT_FOUND":
      return new AppError(ErrorCode.HOLD_NOT_FOUND, `${what} not found`);
    case "HOLD_EXPIRED":
      return new AppError(ErrorCode.HOLD_EXPIRED, `${what} has expired`);
    case "DUPLICATE_HOLD_ID":
      return new AppError(ErrorCode.CONFLICT, `${what} id already in use`);
    case "ALREADY_CONSUMED":
      return new AppError(ErrorCode.CONFLICT, `${what} was already used by an order`);
    case "NOT_LOADED":
      return new StockNotLoadedError(sku);
    default:
      return new Error(`unexpected hold store reply for ${sku}`);
  }
}

/** Groups hold ids by SKU, keeping first-seen order. Malformed ids throw HOLD_NOT_FOUND, or are left out with `skip`. */
export function groupBySku(holdIds: string[], unknown: "throw" | "skip" = "throw"): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const id of holdIds) {
    const sku = skuOfHoldId(id);
    if (!sku && unknown === "skip") continue;
    if (!sku) throw new AppError(ErrorCode.HOLD_NOT_FOUND, `hold ${id} not found`);
    const list = groups.get(sku) ?? [];
    list.push(id);
    groups.set(sku, list);
  }
  return groups;
}

/**
 * All-or-none consumption across SKUs. Each SKU's holds are consumed atomically by
 * one store call (one Redis slot); when a later SKU fails, the SKUs already consumed
 * are put back (unconsume) before the error is rethrown.
 */
export async function consumeAcrossSkus(
  userId: string,
  holdIds: string[],
  consumeSku: (sku: string, ids: string[]) => Promise<number[]>,
  unconsumeSku: (sku: string, ids: string[]) => Promise<void>,
): Promise<ConsumedHold[]> {
  const groups = groupBySku(holdIds);
  const done: [string, string[]][] = [];
  const quantities = new Map<string, number>();
  try {
    for (const [sku, ids] of groups) {
      const qtys = await consumeSku(sku, ids);
      done.push([sku, ids]);
      ids.forEach((id, i) => quantities.set(id, qtys[i]));
    }
  } catch (err) {
    for (const [sku, ids] of done.reverse()) await unconsumeSku(sku, ids);
    throw err;
  }
  return holdIds.map((holdId) => ({ holdId, sku: skuOfHoldId(holdId)!, quantity: quantities.get(holdId)! }));
}
