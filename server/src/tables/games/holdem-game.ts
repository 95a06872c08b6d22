import { ErrorCode, SeatStatus, type TableEvent } from "@holdfast/shared";
import { ActCommand } from "@holdfast/shared/schemas";
import { AppError } from "../../errors.ts";
import type { TableModel } from "../table-model.ts";
import {
  decideHoldem,
  evolveHoldem,
  initialHoldemState,
  isHoldemError,
  legalActions,
  publicEvent,
  type HoldemCommand,
  type HoldemEvent,
  type HoldemOptions,
  type HoldemState,
} from "./holdem/index.ts";
import type { GameCommand, GameContext, GameEvent, TableGame } from "./table-game.ts";

/** Pause between a hand's end and the next deal, so players see the showdown. */
export const PAUSE_BETWEEN_HANDS_MS = 3000;
/** How long an away player's turn lasts before the table checks or folds for them. */
export const DEFAULT_AWAY_ACT_SECONDS = 5;
const PREFIX = "holdem.";

/**
 * `model.game` of a holdem table: the rules' state plus what the table adds around it
 * (when the next hand may start, who must be stood up). Plain JSON, snapshotted.
 */
export interface HoldemGameState {
  holdem: HoldemState;
  /** Epoch ms before which no new hand starts (from the last `hand_ended` event's time). */
  nextHandAt: number;
  /** Players the rules stood up for timeouts; the table releases their seats. */
  standUps: { seat: number; userId: string }[];
}

export function holdemGameState(model: TableModel): HoldemGameState {
  return (model.game as HoldemGameState | null) ?? { holdem: initialHoldemState(), nextHandAt: 0, standUps: [] };
}

/** The table's options as the rules read them (defaults for what the table leaves out). */
export function holdemOptions(ctx: GameContext): HoldemOptions {
  const o = ctx.table.options;
  const bigBlind = o.bigBlind ?? 10;
  return {
    smallBlind: o.smallBlind ?? Math.max(1, Math.floor(bigBlind / 2)),
    bigBlind,
    minBuyIn: o.minBuyIn ?? bigBlind * 20,
    maxBuyIn: o.maxBuyIn ?? bigBlind * 200,
    turnSeconds: o.turnSeconds ?? ctx.defaults.turnSeconds,
    awayAction: "check_fold",
    timeoutsBeforeStandUp: 3,
  };
}

function toGameEvents(events: HoldemEvent[]): GameEvent[] {
  return events.map((e) => ({
    type: `${PREFIX}${e.type}`,
    data: e.data as unknown as Record<string, unknown>,
    visibility: e.visibility,
  }));
}

function toHoldemEvent(event: TableEvent & { visibility?: unknown }): HoldemEvent {
  return {
    type: event.type.slice(PREFIX.length),
    visibility: (event.visibility as HoldemEvent["visibility"]) ?? "public",
    data: event.data,
  } as HoldemEvent;
}

/**
 * No-Limit Hold'em as a table game: the pure rules (./holdem) plus the table's part:
 * deal when two or more active players have chips, act for away or timed-out players,
 * keep the seats' stacks in step with the hands.
 */
export const holdemGame: TableGame = {
  commands: { act: ActCommand },

  decide(model, command, ctx) {
    const game = holdemGameState(model);
    const options = holdemOptions(ctx);
    let rulesCommand: HoldemCommand;
    switch (command.type) {
      case "act": {
        const payload = command.payload as ActCommand;
        const player = game.holdem.players.find((p) => p.seat === command.seat);
        if (command.seat === null || !player || player.userId !== command.userId || game.holdem.street === "idle") {
          return new AppError(ErrorCode.NOT_YOUR_TURN, "you are not in this hand");
        }
        rulesCommand = { type: "act", seat: command.seat, action: payload.action, amount: payload.amount };
        break;
      }
      case "start_hand":
        rulesCommand = { type: "start_hand", seats: command.payload as { seat: number; userId: string; stack: number }[] };
        break;
      case "timeout":
      case "away_action":
        rulesCommand = { type: command.type, seat: command.seat! };
        break;
      default:
        return new AppError(ErrorCode.VALIDATION_FAILED, `unknown holdem command ${command.type}`);
    }
    const decision = decideHoldem(game.holdem, rulesCommand, { now: ctx.now, options, rng: ctx.rng });
    if (isHoldemError(decision)) return new AppError(decision.error.code, decision.error.message);
    return toGameEvents(decision);
  },

  leave(model, seat, userId, ctx) {
    const game = holdemGameState(model);
    const decision = decideHoldem(game.holdem, { type: "leave", seat, userId }, { now: ctx.now, options: holdemOptions(ctx) });
    // A refusal here could only be bad options, which every other command would refuse too.
    return isHoldemError(decision) ? [] : toGameEvents(decision);
  },

  close(model, ctx) {
    const game = holdemGameState(model);
    const decision = decideHoldem(game.holdem, { type: "cancel_hand" }, { now: ctx.now, options: holdemOptions(ctx) });
    return isHoldemError(decision) ? [] : toGameEvents(decision);
  },

  evolve(model, event) {
    const game = holdemGameState(model);
    const rulesEvent = toHoldemEvent(event);
    const holdem = evolveHoldem(game.holdem, rulesEvent);
    let { nextHandAt, standUps } = game;
    let seats = model.seats;
    switch (rulesEvent.type) {
      case "hand_started":
        standUps = [];
        break;
      case "hand_ended": {
        nextHandAt = event.at + PAUSE_BETWEEN_HANDS_MS;
        // Chips won and lost go back to the seats (only to the same player: a seat
        // released mid-hand and taken by someone else keeps the newcomer's stack).
        seats = seats.map((s) => {
          const result = rulesEvent.data.stacks.find((r) => r.seat === s.index);
          return result && s.userId === result.userId ? { ...s, stack: result.stack } : s;
        });
        break;
      }
      case "player_stood_up_for_timeouts":
        standUps = [...standUps, { seat: rulesEvent.data.seat, userId: rulesEvent.data.userId }];
        break;
    }
    return { ...model, seats, game: { holdem, nextHandAt, standUps } satisfies HoldemGameState };
  },

  due(model, ctx) {
    const game = holdemGameState(model);
    const h = game.holdem;
    const due: GameCommand[] = [];
    for (const s of game.standUps) {
      if (model.seats[s.seat]?.userId === s.userId) due.push({ type: "stand", seat: s.seat, userId: s.userId, payload: null });
    }
    if (due.length > 0) return due;
    const inHand = h.street !== "idle";
    if (!inHand) {
      if (ctx.now < game.nextHandAt) return [];
      const ready = model.seats.filter((s) => s.status === SeatStatus.ACTIVE && s.userId && s.stack > 0);
      if (ready.length < 2) return [];
      return [{ type: "start_hand", seat: null, userId: null, payload: ready.map((s) => ({ seat: s.index, userId: s.userId!, stack: s.stack })) }];
    }
    if (h.toAct === null) return [];
    const seat = model.seats[h.toAct];
    const player = h.players.find((p) => p.seat === h.toAct);
    // Gone (released mid-hand, or someone new sat there): act for them now. Away: their
    // turn is short (`awayActSeconds`, default 5), long enough for a page reload or a
    // blip to bring them back with their cards, far shorter than the turn timer.
    const gone = !seat || seat.userId !== player?.userId;
    const turnStartedAt = (h.turnDeadline ?? ctx.now) - holdemOptions(ctx).turnSeconds * 1000;
    const awayTurnMs = (ctx.table.options.awayActSeconds ?? DEFAULT_AWAY_ACT_SECONDS) * 1000;
    if (gone || (seat.status === SeatStatus.AWAY && ctx.now >= turnStartedAt + awayTurnMs)) {
      return [{ type: "away_action", seat: h.toAct, userId: player?.userId ?? null, payload: null }];
    }
    if (h.turnDeadline !== null && ctx.now >= h.turnDeadline) {
      return [{ type: "timeout", seat: h.toAct, userId: player?.userId ?? null, payload: null }];
    }
    return [];
  },

  buyIn(requested, ctx) {
    const { minBuyIn, maxBuyIn } = holdemOptions(ctx);
    const amount = requested ?? ctx.table.options.defaultBuyIn ?? Math.min(maxBuyIn, Math.max(minBuyIn, 1000));
    if (amount < minBuyIn || amount > maxBuyIn) {
      return new AppError(ErrorCode.VALIDATION_FAILED, `buy-in must be between ${minBuyIn} and ${maxBuyIn}`);
    }
    return amount;
  },

  // Hand results go to the feed, not every bet.
  feedWorthy: (event) => event.type === `${PREFIX}hand_ended`,

  publicData(event) {
    const shown = publicEvent(toHoldemEvent(event));
    return shown ? (shown.data as unknown as Record<string, unknown>) : null;
  },
};

/** The minimum "raise to" for the seat to act, for the schema (0 when nobody acts). */
export function minRaiseToOf(h: HoldemState): number {
  if (h.toAct === null) return 0;
  return legalActions(h, h.toAct)?.minRaiseTo ?? 0;
}

/** Whether `userId` at `seat` still has a live hand (standing up now would abandon it). */
export function inLiveHand(model: TableModel, seat: number, userId: string): boolean {
  const h = holdemGameState(model).holdem;
  if (h.street === "idle") return false;
  const player = h.players.find((p) => p.seat === seat && p.userId === userId);
  return Boolean(player && !player.folded);
}
