/*
 * Wire vocabulary of tables: kinds, seats, the `table` room's join options, commands,
 * replies and events (typed per game). No dependencies: the zod schemas that validate
 * the commands are in `@holdfast/shared/schemas`.
 */
import type { PackedEvents } from "./packed-events.ts";

/** Table kinds: No-Limit Hold'em and a restaurant table with a shared cart. */
export const TableKind = { HOLDEM: "holdem", DINING: "dining" } as const;
export type TableKind = (typeof TableKind)[keyof typeof TableKind];

export const SeatStatus = { EMPTY: "empty", ACTIVE: "active", AWAY: "away" } as const;
export type SeatStatus = (typeof SeatStatus)[keyof typeof SeatStatus];

/** What happens when a second connection of a seated user arrives with the seat token. */
export const MultiTabPolicy = { TAKEOVER: "takeover", REJECT: "reject", SPECTATE: "spectate" } as const;
export type MultiTabPolicy = (typeof MultiTabPolicy)[keyof typeof MultiTabPolicy];

export interface TableOptions {
  maxSpectators?: number;
  multiTab?: MultiTabPolicy;
  minBuyIn?: number;
  maxBuyIn?: number;
  defaultBuyIn?: number;
  smallBlind?: number;
  bigBlind?: number;
  turnSeconds?: number;
  /** Holdem: seconds an away player's turn lasts before the table acts for them (default 5). */
  awayActSeconds?: number;
  branchId?: string;
}

/** Body of `POST /api/tables` (admin). */
export interface CreateTableBody {
  tableId?: string;
  kind: TableKind;
  seats: number;
  options?: TableOptions;
}

export interface TableDto {
  tableId: string;
  kind: TableKind;
  seats: number;
  options: TableOptions;
  createdAt: string;
}

export interface TableSummary {
  tableId: string;
  kind: TableKind;
  seats: number;
  seated: number;
  spectators: number;
  live: boolean;
}

/** Join options of the `table` room. */
export interface TableJoinOptions {
  tableId: string;
  seatToken?: string;
  lastSeq?: number;
  spectate?: boolean;
  /**
   * The packed events format (`PackedEvents.v`) the client reads: resync replies to it
   * carry `packed` instead of `events`. Absent: plain events.
   */
  packed?: number;
  /**
   * The client reads `evs` messages (several events in one message, in seq order).
   * Absent: every event comes as its own `ev` message.
   */
  batchedEvents?: boolean;
}

/** Hold'em player actions. */
export type HoldemAction = "fold" | "check" | "call" | "bet" | "raise" | "all_in";

/**
 * Commands of the `table` room and their payloads. Every command may carry `cid`, a
 * client command id: repeat it and you get the first answer, applied once.
 */
export interface TableCommands {
  sit: { seat?: number; buyIn?: number; cid?: string };
  stand: { cid?: string };
  hb: { cid?: string };
  /** `packed`: as in the join options. */
  resync: { lastSeq: number; packed?: number; cid?: string };
  /** Hold'em. `amount` is the "to" amount of `bet` and `raise`. */
  act: { action: HoldemAction; amount?: number; cid?: string };
  /** Dining: set one cart line's quantity (0 removes it). Options and note are part of the line's identity. */
  "cart.set": { sku: string; quantity: number; options?: Record<string, string | number | boolean>; note?: string; cid?: string };
  checkout: { cid?: string };
  close: { cid?: string };
}
export type TableCommandType = keyof TableCommands;

export type SitCommand = TableCommands["sit"];
export type ActCommand = TableCommands["act"];
export type CartSetCommand = TableCommands["cart.set"];

export interface SitReply {
  seat: number;
  seatToken: string;
  /** ISO time the seat token expires (heartbeats refresh it). */
  expiresAt: string;
}

/** The answer to a game command (`act`, `cart.set`, `close`): the table's seq after it. */
export interface GameCommandReply {
  ok: true;
  seq: number;
}

/** The order a dining checkout made. */
export interface CheckoutOrder {
  orderId: string;
  items: { sku: string; quantity: number }[];
  /** The order's total: the items at the prices they were ordered at, in cents. */
  amountCents: number;
  /** ISO 4217 code of `amountCents`. */
  currency: string;
  /** ISO time the order must be paid by. */
  expiresAt: string;
}

export interface CheckoutReply extends GameCommandReply {
  order: CheckoutOrder;
}

/** What each command answers. */
export interface TableReplies {
  sit: SitReply;
  stand: { seat: number };
  hb: { serverTime: number; seq: number; graceSeconds: number };
  resync: ResyncReply;
  act: GameCommandReply;
  "cart.set": GameCommandReply;
  checkout: CheckoutReply;
  close: GameCommandReply;
}

/** One entry of a table's event log, as broadcast in `ev` and served by the events API. */
export interface TableEvent<T = Record<string, unknown>> {
  seq: number;
  type: string;
  /** Epoch ms. */
  at: number;
  data: T;
}

/** A table event whose `type` names its `data`: the members of the unions below. */
export interface TableEventOf<T extends string, D> extends TableEvent<D> {
  type: T;
}

export const TableEventType = {
  SEAT_TAKEN: "seat.taken",
  SEAT_AWAY: "seat.away",
  SEAT_RETURNED: "seat.returned",
  SEAT_RELEASED: "seat.released",
} as const;

/** Seat events, at every kind of table. */
export type SeatEvent =
  | TableEventOf<"seat.taken", { seat: number; userId: string; name: string; stack: number }>
  | TableEventOf<"seat.away", { seat: number; userId: string; awayUntil: number }>
  | TableEventOf<"seat.returned", { seat: number; userId: string }>
  | TableEventOf<"seat.released", { seat: number; userId: string; reason: SeatReleaseReason }>;

/**
 * Why a seat was released: its player stood up, its away grace ran out, an operator
 * released it (`operator`, away seats only) or closed the table (`closed`).
 */
export type SeatReleaseReason = "stand" | "grace_expired" | "operator" | "closed";

/** Card ranks, low to high. `T` is ten. */
export type Rank = "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "T" | "J" | "Q" | "K" | "A";
/** Card suits: clubs, diamonds, hearts, spades. */
export type Suit = "c" | "d" | "h" | "s";
/** A card as two characters, rank then suit: "As", "Td", "2c". */
export type Card = `${Rank}${Suit}`;

/**
 * Hold'em events as a player or spectator receives them (docs/holdem.md). Hole cards
 * are whole for their owner (`cards`) and redacted for everyone else (`cardCount`);
 * `holdem.deck_shuffled` never leaves the server.
 */
export type HoldemEvent =
  | TableEventOf<
      "holdem.hand_started",
      {
        handNo: number;
        button: number;
        smallBlind: number;
        bigBlind: number;
        deckCommitment: string;
        seats: { seat: number; userId: string; stack: number; timeouts: number }[];
      }
    >
  | TableEventOf<"holdem.blinds_posted", { posts: { seat: number; blind: "small" | "big"; amount: number; allIn: boolean }[]; currentBet: number }>
  | TableEventOf<"holdem.hole_cards_dealt", { seat: number; cards: Card[] } | { seat: number; cardCount: number }>
  | TableEventOf<"holdem.turn_started", { seat: number; deadline: number }>
  | TableEventOf<
      "holdem.player_acted",
      {
        seat: number;
        action: HoldemAction;
        amount: number;
        committed: number;
        toCall: number;
        allIn: boolean;
        auto: "timeout" | "away" | null;
      }
    >
  | TableEventOf<"holdem.uncalled_bet_returned", { seat: number; amount: number }>
  | TableEventOf<"holdem.street_dealt", { street: "flop" | "turn" | "river"; cards: Card[]; board: Card[] }>
  | TableEventOf<
      "holdem.showdown",
      { reveals: { seat: number; cards: Card[]; rank: string; score: number; best: Card[]; description: string }[] }
    >
  | TableEventOf<
      "holdem.pot_awarded",
      { potIndex: number; amount: number; winners: { seat: number; amount: number }[]; reason: "showdown" | "uncontested" }
    >
  | TableEventOf<"holdem.hand_ended", { handNo: number; stacks: { seat: number; userId: string; stack: number }[]; busted: number[] }>
  | TableEventOf<"holdem.player_stood_up_for_timeouts", { seat: number; userId: string; timeouts: number }>
  /** The player left the table mid-hand: their hand is folded; their chips stay in the pot. */
  | TableEventOf<"holdem.player_left", { seat: number; userId: string }>;

/**
 * Dining events (docs/dining-and-feed.md). Hold ids stay on the server; order ids, buyers
 * (`by`) and notes reach only the table's diners and its branch's staff.
 */
export type DiningEvent =
  | TableEventOf<
      "cart.updated",
      {
        lineKey: string;
        sku: string;
        quantity: number;
        options: Record<string, string | number | boolean>;
        /** Diners and branch staff only (absent for everyone else), like `by`. */
        note?: string;
        by?: string;
        expiresAt: number;
      }
    >
  | TableEventOf<"cart.line_expired", { lineKey: string; sku: string }>
  | TableEventOf<"order.created", { orderId?: string; by?: string; items: { sku: string; quantity: number }[]; expiresAt: string; amountCents?: number; currency?: string }>
  | TableEventOf<"cart.abandoned", { by?: string | null; reason: "closed" | "everyone_left"; lines: number }>;

/** Everything a hold'em table sends. Switch on `type` to narrow `data`. */
export type HoldemTableEvent = SeatEvent | HoldemEvent;
/** Everything a dining table sends. */
export type DiningTableEvent = SeatEvent | DiningEvent;
/** Every table event this version knows (a newer server may send more types). */
export type KnownTableEvent = SeatEvent | HoldemEvent | DiningEvent;

export interface ResyncReply {
  /** Plain events; empty when `packed` or `snapshot` is present. */
  events: TableEvent[];
  fromSeq: number;
  toSeq: number;
  /**
   * The missed events in compact form, to a client that asked for that format
   * (`unpackEvents` reads it).
   */
  packed?: PackedEvents;
  /**
   * Present when the missed events are no longer kept, or (to a client that reads packed
   * events) when the table now weighs less than them: the public table state now.
   */
  snapshot?: unknown;
}

/**
 * Server → client messages of the table room. `ev` carries one `TableEvent`; `evs` an
 * array of them in seq order (only to clients that joined with `batchedEvents`).
 */
export const TableMessage = { EVENT: "ev", EVENTS: "evs", RESYNC: "resync", SEAT_TOKEN: "seatToken", ERROR: "error" } as const;
