import { clockwiseAfter } from "./pots.ts";
import type { HoldemPlayer, HoldemState, PlayerAction } from "./types.ts";

/** What the player to act may do, for UIs and for the auto-action of away players. */
export interface LegalActions {
  seat: number;
  /** The action names that are legal right now. */
  actions: PlayerAction[];
  canCheck: boolean;
  /** Chips a call would put in (capped at the stack: a short call is all-in). */
  toCall: number;
  /**
   * Smallest legal "to" amount of a bet or raise; equals `maxRaiseTo` when only a
   * (possibly short) all-in is left. Null when the player may not bet or raise.
   */
  minRaiseTo: number | null;
  /** Largest "to" amount: the player's all-in. Null when no bet or raise is allowed. */
  maxRaiseTo: number | null;
}

/** Streets on which players bet. */
export function isBettingStreet(state: HoldemState): boolean {
  return state.street === "preflop" || state.street === "flop" || state.street === "turn" || state.street === "river";
}

/** The player in `seat` in the current hand, if dealt in. */
export function playerAt(state: HoldemState, seat: number): HoldemPlayer | undefined {
  return state.players.find((p) => p.seat === seat);
}

/**
 * Whether `p` still has to act on this street. Besides the usual (has not acted, or
 * faces a bet), a player whose every opponent is all-in and who already matched them
 * has nobody left to bet against, so the street ends without asking them.
 */
export function needsToAct(state: HoldemState, p: HoldemPlayer): boolean {
  if (p.folded || p.allIn) return false;
  if (p.hasActed && p.committed >= state.currentBet) return false;
  const others = state.players.filter((o) => !o.folded && o.seat !== p.seat);
  if (others.every((o) => o.allIn) && p.committed >= Math.max(0, ...others.map((o) => o.committed))) return false;
  return true;
}

/** The next seat clockwise from `fromSeat` that has to act, or null when the street is over. */
export function nextToAct(state: HoldemState, fromSeat: number): number | null {
  const order = clockwiseAfter(
    state.players.map((p) => p.seat),
    fromSeat,
  );
  for (const seat of order) if (needsToAct(state, playerAt(state, seat)!)) return seat;
  return null;
}

/**
 * Why `p` may not bet or raise, or null when they may. The three reasons: the player
 * already acted and the bet has not grown by a full raise since (a short all-in does
 * not reopen betting), nobody else could answer a raise, or the player cannot put in
 * more than the current bet.
 */
export function raiseBlocker(state: HoldemState, p: HoldemPlayer): string | null {
  if (p.committed + p.stack <= state.currentBet) return "not enough chips to raise; call or go all-in";
  if (state.players.every((o) => o.seat === p.seat || o.folded || o.allIn)) return "every other player is all-in; call or fold";
  if (p.hasActed && state.currentBet - p.actedAtBet < state.lastRaiseSize) {
    return "betting was not reopened: an all-in short of a full raise does not let you raise again";
  }
  return null;
}

/** The smallest full bet or raise "to" amount: the big blind, or the bet plus the last raise. */
export function minFullRaiseTo(state: HoldemState): number {
  return state.currentBet === 0 ? state.bigBlind : state.currentBet + state.lastRaiseSize;
}

/**
 * Legal actions of `seat`, or null when it is not that seat's turn. `bet` is offered
 * when nobody has bet on this street, `raise` when someone has (preflop the blinds count
 * as a bet).
 */
export function legalActions(state: HoldemState, seat: number): LegalActions | null {
  if (!isBettingStreet(state) || state.toAct !== seat) return null;
  const p = playerAt(state, seat);
  if (!p || p.folded || p.allIn) return null;
  const owed = Math.max(0, state.currentBet - p.committed);
  const allInTo = p.committed + p.stack;
  const canRaise = raiseBlocker(state, p) === null;
  const actions: PlayerAction[] = ["fold"];
  if (owed === 0) actions.push("check");
  else actions.push("call");
  if (canRaise) actions.push(state.currentBet === 0 ? "bet" : "raise", "all_in");
  else if (owed > 0 && p.stack <= owed) actions.push("all_in");
  return {
    seat,
    actions,
    canCheck: owed === 0,
    toCall: Math.min(owed, p.stack),
    minRaiseTo: canRaise ? Math.min(minFullRaiseTo(state), allInTo) : null,
    maxRaiseTo: canRaise ? allInTo : null,
  };
}
