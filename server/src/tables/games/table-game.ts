import type { TableDto, TableEvent } from "@holdfast/shared";
import type { z } from "zod";
import type { AppError } from "../../errors.ts";
import type { TableModel } from "../table-model.ts";

/**
 * Who owns an event's private data: the user dealt in at `seat` for hand `handNo`. The
 * owner is the user, never the seat index: a later occupant of the seat is someone else.
 */
export interface PrivateOwner {
  seat: number;
  userId: string;
  handNo: number;
}

/** Who may see an event: everyone, its owner only, or nobody outside the server. */
export type EventVisibility = "public" | PrivateOwner | "server";

/** An event a game decided, before the table master gives it a seq and a time. */
export interface GameEvent {
  type: string;
  data: Record<string, unknown>;
  visibility?: EventVisibility;
}

/**
 * I/O that follows from a decision's events (holds released when a cart is abandoned).
 * The table runs it after the events are in the log, so it never happens for events the
 * log refused.
 */
export interface GameEffect {
  /** What it does, for the logs. */
  readonly name: string;
  run(): Promise<void>;
  /**
   * Events that put the table right when `run` failed (logged after the failure). None:
   * the failure is logged and left to what bounds it (a hold's TTL, say).
   */
  compensate?(err: unknown): GameEvent[];
}

/**
 * What a game decided: the events to log, and the I/O around them. A decision whose
 * event carries the result of a reservation (a hold's id, an order's totals) has to
 * make that reservation before the event exists; `undo` takes it back when the log
 * refuses the event, so nothing is left that the log does not know of. Everything else
 * is an `effect`, run after the append.
 */
export interface GameDecision {
  events: GameEvent[];
  /** Takes back what `decide` reserved, when the append of `events` failed. */
  undo?: () => Promise<void>;
  /** Run in order after the events are appended. */
  effects?: GameEffect[];
}

/** A command from a seated player (validated by the game's schema) or from the table's clock. */
export interface GameCommand {
  type: string;
  seat: number | null;
  userId: string | null;
  payload: unknown;
  /** Roles of the user who sent it (staff may close a dining table without a seat). */
  roles?: string[];
}

/** What `decide` answers: events (no I/O around them), a decision with its I/O, or a refusal. */
export type GameOutcome = GameEvent[] | GameDecision | AppError;

export interface GameContext {
  now: number;
  table: TableDto;
  /** Server-wide defaults for what a table's options leave out (TURN_SECONDS). */
  defaults: { turnSeconds: number };
  /** Shuffle randomness; crypto-strong when absent (tests pass a seeded one). */
  rng?: (maxExclusive: number) => number;
}

/**
 * What a table kind plugs into the table authority (table-master.ts). The master and
 * the room stay the same for every kind: they validate, call `decide`, log, `evolve`,
 * project and broadcast. Game state is `model.game` (plain JSON, snapshotted with the
 * table); its projection and views are the kind's `GameRules` (registry.ts).
 */
export interface TableGame {
  /** Player commands this game accepts, by message type, with their schemas. */
  readonly commands: Record<string, z.ZodType>;
  /** Commands a connected non-seated user may send (the game checks who); others need a seat. */
  readonly openCommands?: readonly string[];
  /** Pure for holdem; dining reserves stock (see GameDecision). */
  decide(model: TableModel, command: GameCommand, ctx: GameContext): GameOutcome | Promise<GameOutcome>;
  evolve(model: TableModel, event: TableEvent): TableModel;
  /**
   * What the game does when `userId` leaves `seat` (stands up, or the seat is released)
   * while the table runs: holdem folds their live hand at once. Pure; the master commits
   * these events just before the seat's release.
   */
  leave?(model: TableModel, seat: number, userId: string, ctx: GameContext): GameEvent[];
  /**
   * What the game does when an operator closes the table, before every seat is
   * released: holdem calls the hand in play off and gives the chips back. Pure.
   */
  close?(model: TableModel, ctx: GameContext): GameEvent[];
  /** Steps due without a player asking (start a hand, act for a timed-out player). */
  due(model: TableModel, ctx: GameContext): GameCommand[];
  /**
   * Extra fields of the answer to a player command, from the events it made (dining's
   * `checkout` answers with the order). Default: just `{ok, seq}`.
   */
  reply?(type: string, events: readonly TableEvent[]): Record<string, unknown> | undefined;
  /**
   * The stack a player sits down with, from what they asked for (`sit.buyIn`) and the
   * table's options; an AppError refuses the seat. Default: 0 (a game without chips).
   */
  buyIn?(requested: number | undefined, ctx: GameContext): number | AppError;
  /**
   * Whether a (non-server) game event goes to the live feed beside the seat changes;
   * default: none of them.
   */
  feedWorthy?(event: TableEvent): boolean;
  /** The table's branch staff see more than the public (dining: order ids, buyers, notes). */
  readonly staffDetails?: boolean;
  /** What the public (spectators, the events API) sees of an event; null hides it. */
  publicData(event: TableEvent & { visibility?: EventVisibility }): Record<string, unknown> | null;
}
