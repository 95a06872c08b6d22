/**
 * No-Limit Texas Hold'em rules as a pure decider (no I/O, no clock, no hidden
 * randomness): `decideHoldem(state, command, ctx)` returns events or an error, and
 * `evolveHoldem(state, event)` folds an event into a new state. The table room owns
 * seats, timers, the event log and broadcasting; it calls into this module.
 *
 * Amounts of `bet` and `raise` are "to" amounts: the player's total on this street
 * after the action. See `types.ts` for the events and `view.ts` for hiding hole cards.
 */
export * from "./types.ts";
export {
  FULL_DECK,
  RANKS,
  SUITS,
  cryptoRng,
  deckCommitment,
  isCard,
  isFullDeck,
  mulberry32,
  parseCards,
  randomSalt,
  rankValue,
  seededRng,
  shuffle,
  shuffledDeck,
  suitOf,
} from "./cards.ts";
export { HAND_CATEGORIES, compareHands, evaluateHand, type HandCategory, type HandValue } from "./evaluator.ts";
export { clockwiseAfter, computePots, splitPot, uncalledBet, type Contributor } from "./pots.ts";
export { legalActions, minFullRaiseTo, type LegalActions } from "./betting.ts";
export { MAX_PLAYERS, decideHoldem, holdemOptionsProblem, isHoldemError } from "./decider.ts";
export { chipsInPlay, evolveHoldem, initialHoldemState } from "./evolve.ts";
export {
  mayKnowCards,
  ownsPrivate,
  publicEvent,
  viewState,
  viewerEvent,
  type HoldemPlayerView,
  type HoldemStateView,
  type PublicHoldemEvent,
  type RedactedHoleCardsEvent,
} from "./view.ts";
