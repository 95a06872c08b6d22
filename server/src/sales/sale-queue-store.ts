import { ErrorCode, type PrequeueMode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { QueueCode } from "../redis/script-codes.ts";

/** Where a user stands in one sale's line. */
export type QueueState = "none" | "waiting" | "admitted" | "holding" | "done" | "lapsed";

/** The numbers the Lua scripts use for QueueState (see lua/common.lua). */
export const QUEUE_STATES: readonly QueueState[] = ["none", "waiting", "admitted", "holding", "done", "lapsed"];

export interface QueueEntry {
  state: QueueState;
  /** 1-based place in line while waiting; 0 otherwise. */
  position: number;
  /** Epoch ms deadline while admitted; 0 otherwise. */
  admittedUntil: number;
  /**
   * While waiting: the user's order in line (its join number, or the number it drew when
   * a random pre-queue was shuffled at the start; fixed from then on); 0 otherwise. Orders
   * are unique and the line is sorted by them, so a room that knows a client's order and
   * the head's (QueueStats.headOrder) knows its place without asking per client.
   */
  order: number;
}

export interface QueueStats {
  /** Users waiting in line. */
  length: number;
  /** Admissions so far (every user admitted, whatever happened next). */
  admittedTotal: number;
  /** Admitted users that have not placed a hold yet (and not lapsed). */
  outstanding: number;
  /** Whether start() ran (the pre-queue was shuffled or kept). */
  started: boolean;
  /** The store's clock (epoch ms) when it answered. */
  now: number;
  /** The order of the user at the head of the line; 0 when nobody waits. */
  headOrder: number;
}

export interface Admission {
  userId: string;
  /** The user's join number (1 = first to join). */
  joinSeq: number;
}

/**
 * The waiting line of every flash sale: the shared, atomic part of the sale (rooms on
 * every node are views on it). Implementations: RedisSaleQueueStore (sorted sets and
 * one Lua script per operation, shared by every node) and MemorySaleQueueStore
 * (embedded mode, one process). Both pass test/sales/sale-queue-store.test.ts.
 */
export interface SaleQueueStore {
  readonly kind: "redis" | "memory";
  /** Puts the user in line, idempotently: an existing entry (any state) is returned as it is. */
  join(saleId: string, userId: string): Promise<QueueEntry & { created: boolean }>;
  /** Gives the place (or admission) up. True when the user had an entry. */
  leave(saleId: string, userId: string): Promise<boolean>;
  /** Entries of many users in one call, in `userIds` order, and the line's stats. */
  lookup(saleId: string, userIds: readonly string[]): Promise<{ stats: QueueStats; entries: QueueEntry[] }>;
  /** Users waiting in line. */
  length(saleId: string): Promise<number>;
  /**
   * Starts the line once: `random` shuffles everyone waiting now (the pre-queue), `fifo`
   * keeps the join order. True when this call started it.
   */
  start(saleId: string, prequeue: PrequeueMode, seed?: number): Promise<boolean>;
  /** Admits up to `n` users from the head of the line until now + ttlMs. Nothing before start. */
  admit(saleId: string, n: number, ttlMs: number): Promise<{ userIds: string[]; admittedUntil: number }>;
  /** Lapses admitted users past their deadline; returns them. */
  lapse(saleId: string): Promise<string[]>;
  /**
   * Before a hold: the user must be admitted (in time) or already holding, and the units
   * must fit the per-sale limit (counted now). NOT_ADMITTED, HOLD_LIMIT. The user stays
   * admitted until `confirm`, so admissions by stock never count an in-flight hold's unit as free.
   */
  claim(saleId: string, userId: string, quantity: number, limit: number): Promise<void>;
  /** The claimed hold was placed: the user is holding. */
  confirm(saleId: string, userId: string): Promise<void>;
  /** Undoes a claim whose hold failed (uncounts the units). */
  unclaim(saleId: string, userId: string, quantity: number): Promise<void>;
  /** A holding user made an order. */
  markDone(saleId: string, userId: string): Promise<void>;
  /** The admission log, oldest first. */
  admissions(saleId: string, offset: number, limit: number): Promise<Admission[]>;
  close(): Promise<void>;
}

/** The one mapping from the queue stores' refusals (named in redis/script-codes.ts; the memory store throws the same names) to AppError. */
export function queueCodeError(code: QueueCode | undefined, saleId: string): AppError {
  switch (code) {
    case "NOT_ADMITTED":
      return new AppError(ErrorCode.NOT_ADMITTED, `not admitted to sale ${saleId} (or the admission has lapsed)`);
    case "HOLD_LIMIT":
      return new AppError(ErrorCode.HOLD_LIMIT, `per-buyer limit of sale ${saleId} reached`);
    default:
      return new AppError(ErrorCode.INTERNAL, `unexpected queue store reply for sale ${saleId}`);
  }
}
