/**
 * Types of the No-Limit Hold'em rules module: cards, options, state, commands, events
 * and the decider's context. Everything here is plain JSON (no Maps, no `undefined`
 * fields in state) so a state survives a snapshot round trip byte for byte and a
 * replayed log rebuilds a deep-equal state.
 */

/** Card ranks, low to high. `T` is ten. */
export type Rank = "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "T" | "J" | "Q" | "K" | "A";
/** Card suits: clubs, diamonds, hearts, spades. */
export type Suit = "c" | "d" | "h" | "s";
/** A card as two characters, rank then suit: "As", "Td", "2c". */
export type Card = `${Rank}${Suit}`;

/**
 * Random integer source: returns an integer in `[0, maxExclusive)`. The default is
 * `node:crypto` `randomInt`; tests inject a seeded one (see `seededRng`).
 */
export type Rng = (maxExclusive: number) => number;

/** Table options the rules read. Buy-ins are checked by the table, not by a hand. */
export interface HoldemOptions {
  smallBlind: number;
  bigBlind: number;
  minBuyIn: number;
  maxBuyIn: number;
  /** Seconds a player has to act; the deadline is stored in state as epoch ms. */
  turnSeconds: number;
  /** What an away or timed-out player does: check when checking is legal, else fold. */
  awayAction: "check_fold";
  /** Consecutive hands with a timeout after which the player is stood up; 0 disables. */
  timeoutsBeforeStandUp: number;
}

/** Streets of a hand; `idle` between hands. */
export type Street = "idle" | "preflop" | "flop" | "turn" | "river" | "showdown";

/** Player actions. Amounts of `bet` and `raise` are "to" amounts (see `ActCommand`). */
export type PlayerAction = "fold" | "check" | "call" | "bet" | "raise" | "all_in";

/** One player in the current (or last) hand. */
export interface HoldemPlayer {
  seat: number;
  userId: string;
  /** Chips behind, not yet put in. */
  stack: number;
  /** Chips put in on the current street. */
  committed: number;
  /** Chips put in during the whole hand (what pots are built from). */
  totalCommitted: number;
  folded: boolean;
  allIn: boolean;
  /** The two hole cards; hidden from others by the views in `view.ts`. */
  holeCards: Card[];
  /** Whether the player has acted on this street (blinds are not actions). */
  hasActed: boolean;
  /**
   * The street's bet level right after this player last acted. A player may raise again
   * only when the bet has grown by at least a full raise since then, which is how a
   * short all-in (alone or several adding up) does or does not reopen the betting.
   */
  actedAtBet: number;
  /** Consecutive hands in which this player timed out (carried between hands). */
  timeouts: number;
  /** Whether the player already timed out in this hand (a hand counts once). */
  timedOutThisHand: boolean;
  /** Whether the hole cards were shown at showdown (then everyone may see them). */
  revealed: boolean;
}

/** A main or side pot. `eligible` are seats that can win it (folded players never are). */
export interface Pot {
  amount: number;
  eligible: number[];
  awarded: boolean;
}

/** The whole state of a hold'em table's game, between and during hands. */
export interface HoldemState {
  /** Number of the current (or last) hand; 0 before the first. */
  handNo: number;
  /** Seat number of the dealer button; null before the first hand. */
  button: number | null;
  street: Street;
  /** Blinds of the current (or last) hand, recorded so legal actions need no options. */
  smallBlind: number;
  bigBlind: number;
  board: Card[];
  /** Undealt cards, top first. Kept in state (server side only) so a restore can deal on. */
  deck: Card[];
  /** Players of the current (or last) hand, ascending by seat. */
  players: HoldemPlayer[];
  /** Pots over every chip put in this hand; recomputed by `evolve` as chips move. */
  pots: Pot[];
  /** Seat whose turn it is, or null. */
  toAct: number | null;
  /** Highest street commitment a player must match. */
  currentBet: number;
  /** Size of the last full bet or raise on this street: the minimum raise increment. */
  lastRaiseSize: number;
  /** When the turn of `toAct` runs out, epoch ms (`ctx.now + turnSeconds * 1000`). */
  turnDeadline: number | null;
  /** Consecutive timed-out hands by `${seat}:${userId}`, kept across hands. */
  timeoutStreaks: Record<string, number>;
}

/** One active seated player offered to `start_hand`. */
export interface SeatEntry {
  seat: number;
  userId: string;
  stack: number;
}

/** Deal a new hand to the given active players (two or more, each with chips). */
export interface StartHandCommand {
  type: "start_hand";
  seats: SeatEntry[];
}

/**
 * A player's action. `amount` is used by `bet` and `raise` only and is the total the
 * player will have put in on this street after the action ("raise to 60"), not the
 * increment. `call` and `all_in` compute their own amounts.
 */
export interface ActCommand {
  type: "act";
  seat: number;
  action: PlayerAction;
  amount?: number;
}

/** The turn timer of `seat` ran out (rejected before `turnDeadline`). Counts a timeout. */
export interface TimeoutCommand {
  type: "timeout";
  seat: number;
}

/** `seat` is away: act for them now (check or fold) without waiting for the timer. */
export interface AwayActionCommand {
  type: "away_action";
  seat: number;
}

/**
 * The player dealt in at `seat` as `userId` left the table (stood up, or their seat was
 * released) during the hand: their hand is folded at once, in or out of turn, and the
 * chips they put in stay in the pot. Ignored when that user has no live hand there.
 */
export interface LeaveCommand {
  type: "leave";
  seat: number;
  userId: string;
}

/** Commands of the decider. The room validates the wire message and fills in `seat`. */
/**
 * The table is closing (an operator): the hand in play is called off and every player
 * gets back what they put in (`uncalled_bet_returned` each), then it ends. Ignored
 * between hands.
 */
export interface CancelHandCommand {
  type: "cancel_hand";
}

export type HoldemCommand = StartHandCommand | ActCommand | TimeoutCommand | AwayActionCommand | LeaveCommand | CancelHandCommand;

/** What `decideHoldem` needs besides state and command. No clocks or randomness inside. */
export interface HoldemContext {
  /** Current time, epoch ms: turn deadlines are computed from it. */
  now: number;
  options: HoldemOptions;
  /** Randomness for the shuffle and the commitment salt; crypto `randomInt` if absent. */
  rng?: Rng;
  /** A ready-shuffled deck for `start_hand` (a permutation of the 52 cards). */
  deck?: readonly Card[];
}

/** Error codes the rules produce; all are codes of the shared `ErrorCode` contract. */
export type HoldemErrorCode = "NOT_YOUR_TURN" | "ILLEGAL_ACTION" | "VALIDATION_FAILED";

/** A rejected command. The message says why ("minimum raise is to 40"). */
export interface HoldemError {
  error: { code: HoldemErrorCode; message: string };
}

/**
 * The owner of private data: the user who was dealt in at `seat` for hand `handNo`.
 * Private data belongs to the user and the hand, never to the seat index: whoever sits
 * in the seat later (or watches, or reads the log) is somebody else.
 */
export interface PrivateTo {
  seat: number;
  userId: string;
  handNo: number;
}

/**
 * Who may see an event: everyone, only its owner (`PrivateTo`), or nobody outside the
 * server ("server": kept in the log for restore, never sent).
 */
export type Visibility = "public" | "server" | PrivateTo;

/** Common shape of every event; the room's log stores `{type, visibility, data}` as is. */
interface EventOf<T extends string, D, V extends Visibility = "public"> {
  type: T;
  visibility: V;
  data: D;
}

/** A hand begins: button, blinds, who is dealt in (with their timeout streaks), deck commitment. */
export type HandStartedEvent = EventOf<
  "hand_started",
  {
    handNo: number;
    button: number;
    smallBlind: number;
    bigBlind: number;
    /** sha256 of the salted deck; the salt and deck are in the server-only `deck_shuffled`. */
    deckCommitment: string;
    seats: { seat: number; userId: string; stack: number; timeouts: number }[];
  }
>;
/** The shuffled deck and commitment salt. Server only: in the log for restore and audit, never sent. */
export type DeckShuffledEvent = EventOf<"deck_shuffled", { deck: Card[]; salt: string }, "server">;
/** Small and big blind posted (a short stack posts what it has, all-in); `currentBet` is the big blind. */
export type BlindsPostedEvent = EventOf<
  "blinds_posted",
  { posts: { seat: number; blind: "small" | "big"; amount: number; allIn: boolean }[]; currentBet: number }
>;
/** Two hole cards to one player (user and hand); others get `publicEvent`'s redacted form. */
export type HoleCardsDealtEvent = EventOf<"hole_cards_dealt", { seat: number; cards: Card[] }, PrivateTo>;
/** It is `seat`'s turn until `deadline` (epoch ms): the room arms its timer from this. */
export type TurnStartedEvent = EventOf<"turn_started", { seat: number; deadline: number }>;
/** A player acted (or was acted for: `auto`). */
export type PlayerActedEvent = EventOf<
  "player_acted",
  {
    seat: number;
    action: PlayerAction;
    /** Chips moved from the stack by this action. */
    amount: number;
    /** The player's street commitment after the action ("raise to" level). */
    committed: number;
    /** What the player owed before acting. */
    toCall: number;
    allIn: boolean;
    /** Set when the server acted for the player. */
    auto: "timeout" | "away" | null;
  }
>;
/** The unmatched part of the top bet goes back to its owner when betting ends. */
export type UncalledBetReturnedEvent = EventOf<"uncalled_bet_returned", { seat: number; amount: number }>;
/** Flop (3 cards), turn or river (1) dealt after a burn; `board` is the whole board so far. */
export type StreetDealtEvent = EventOf<"street_dealt", { street: "flop" | "turn" | "river"; cards: Card[]; board: Card[] }>;
/** Every live hand shown with its best five and rank; `rank` is a `HandCategory`. */
export type ShowdownEvent = EventOf<
  "showdown",
  { reveals: { seat: number; cards: Card[]; rank: string; score: number; best: Card[]; description: string }[] }
>;
/** One pot paid out, in pot order (main pot first); several winners split it. */
export type PotAwardedEvent = EventOf<
  "pot_awarded",
  { potIndex: number; amount: number; winners: { seat: number; amount: number }[]; reason: "showdown" | "uncontested" }
>;
/** The hand is over: final stacks and the seats left with no chips (`busted`). */
export type HandEndedEvent = EventOf<
  "hand_ended",
  { handNo: number; stacks: { seat: number; userId: string; stack: number }[]; busted: number[] }
>;
/** The player left the table mid-hand: their hand is folded (out of turn too); their chips stay in the pot. */
export type PlayerLeftEvent = EventOf<"player_left", { seat: number; userId: string }>;
/** After `hand_ended`: this player timed out in `timeouts` hands in a row; the room stands them up. */
export type PlayerStoodUpForTimeoutsEvent = EventOf<
  "player_stood_up_for_timeouts",
  { seat: number; userId: string; timeouts: number }
>;

/** Every event the decider emits, in the order it emits them. */
export type HoldemEvent =
  | HandStartedEvent
  | DeckShuffledEvent
  | BlindsPostedEvent
  | HoleCardsDealtEvent
  | TurnStartedEvent
  | PlayerActedEvent
  | PlayerLeftEvent
  | UncalledBetReturnedEvent
  | StreetDealtEvent
  | ShowdownEvent
  | PotAwardedEvent
  | HandEndedEvent
  | PlayerStoodUpForTimeoutsEvent;

/** The result of `decideHoldem`: the events to append, or why the command was refused. */
export type HoldemDecision = HoldemEvent[] | HoldemError;
