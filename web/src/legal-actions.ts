import type { HoldemView } from "@holdfast/client-sdk";

/** What the action bar offers: only what the rules allow, with the chips each moves. */
export interface LegalActions {
  canCheck: boolean;
  /** Chips a call puts in (capped at the stack); 0 when there is nothing to call. */
  callAmount: number;
  /** "bet" when nobody has bet this street, "raise" otherwise; null when raising is not allowed. */
  raiseKind: "bet" | "raise" | null;
  /** The smallest "to" amount of a bet or raise (or the all-in amount when that is less). */
  minRaiseTo: number;
  /** The largest "to" amount: everything the player has in front of them. */
  maxRaiseTo: number;
  /** Chips an all-in puts in. */
  allInAmount: number;
}

/**
 * The legal actions of `seat` in `hand`, or null when it is not that seat's turn. Mirrors
 * the server's rules (server/src/tables/games/holdem/betting.ts) as far as the state shows
 * them; the one case it cannot see (betting not reopened after a short all-in) the server
 * refuses with ILLEGAL_ACTION and the page shows the reason.
 */
export function legalActions(hand: HoldemView | undefined, seat: number | null): LegalActions | null {
  if (!hand || seat === null || hand.toAct !== seat) return null;
  if (!["preflop", "flop", "turn", "river"].includes(hand.street)) return null;
  const me = hand.seats[seat];
  if (!me || !me.inHand || me.folded || me.allIn) return null;
  const owed = Math.max(0, hand.currentBet - me.committed);
  const allInTo = me.committed + me.stack;
  const othersCanAct = hand.seats.some((s) => s.seat !== seat && s.inHand && !s.folded && !s.allIn);
  const canRaise = allInTo > hand.currentBet && othersCanAct;
  return {
    canCheck: owed === 0,
    callAmount: Math.min(owed, me.stack),
    raiseKind: canRaise ? (hand.currentBet === 0 ? "bet" : "raise") : null,
    minRaiseTo: Math.min(Math.max(hand.minRaiseTo, hand.bigBlind), allInTo),
    maxRaiseTo: allInTo,
    allInAmount: me.stack,
  };
}
