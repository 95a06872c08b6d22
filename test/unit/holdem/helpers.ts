import assert from "node:assert/strict";
import {
  FULL_DECK,
  chipsInPlay,
  decideHoldem,
  evolveHoldem,
  initialHoldemState,
  isHoldemError,
  parseCards,
  type Card,
  type HoldemCommand,
  type HoldemContext,
  type HoldemError,
  type HoldemEvent,
  type HoldemOptions,
  type HoldemState,
  type PlayerAction,
  type Rng,
  type SeatEntry,
} from "../../../server/src/tables/games/holdem/index.ts";

export const OPTIONS: HoldemOptions = {
  smallBlind: 5,
  bigBlind: 10,
  minBuyIn: 100,
  maxBuyIn: 10_000,
  turnSeconds: 20,
  awayAction: "check_fold",
  timeoutsBeforeStandUp: 3,
};

/**
 * A deck that deals the given hole cards (in dealing order: first seat left of the
 * button first) and board, with burn cards and the rest filled from unused cards.
 */
export function stackDeck(holes: string[], board = ""): Card[] {
  const hands = holes.map((h) => parseCards(h));
  const boardCards = parseCards(board);
  const n = hands.length;
  const used = new Set<string>([...hands.flat(), ...boardCards]);
  const spare = FULL_DECK.filter((c) => !used.has(c));
  const deck: (Card | undefined)[] = new Array(52).fill(undefined);
  hands.forEach((h, j) => {
    deck[j] = h[0];
    deck[j + n] = h[1];
  });
  // Board positions after the hole cards: burn, flop x3, burn, turn, burn, river.
  const boardAt = [1, 2, 3, 5, 7].map((o) => 2 * n + o);
  boardCards.forEach((c, i) => (deck[boardAt[i]] = c));
  const out = deck.map((c) => c ?? spare.shift()!);
  assert.equal(new Set(out).size, 52);
  return out;
}

/** Drives one table through commands, keeping the log and checking invariants as it goes. */
export class TestTable {
  state: HoldemState = initialHoldemState();
  readonly initial: HoldemState = initialHoldemState();
  readonly log: HoldemEvent[] = [];
  now = 1_000_000;
  options: HoldemOptions;
  chips: number | null = null;

  constructor(options: Partial<HoldemOptions> = {}) {
    this.options = { ...OPTIONS, ...options };
  }

  ctx(extra: Partial<HoldemContext> = {}): HoldemContext {
    return { now: this.now, options: this.options, ...extra };
  }

  /** Runs a command that must succeed; returns its events. */
  run(command: HoldemCommand, extra: Partial<HoldemContext> = {}): HoldemEvent[] {
    const decision = decideHoldem(this.state, command, this.ctx(extra));
    if (isHoldemError(decision)) assert.fail(`${command.type} refused: ${decision.error.code} ${decision.error.message}`);
    for (const e of decision) {
      this.state = evolveHoldem(this.state, e);
      this.log.push(e);
      for (const p of this.state.players) assert.ok(p.stack >= 0, `negative stack at seat ${p.seat}`);
      if (this.chips !== null) assert.equal(chipsInPlay(this.state), this.chips, `chips changed after ${e.type}`);
    }
    return decision;
  }

  /** Runs a command that must fail; returns the error and checks the state did not move. */
  refuse(command: HoldemCommand, extra: Partial<HoldemContext> = {}): HoldemError["error"] {
    const decision = decideHoldem(this.state, command, this.ctx(extra));
    if (!isHoldemError(decision)) return assert.fail(`${command.type} was accepted: ${decision.map((e) => e.type).join(", ")}`);
    return decision.error;
  }

  start(seats: SeatEntry[] | number[], deck?: Card[], rng?: Rng): HoldemEvent[] {
    const entries = seats.map((s, i) => (typeof s === "number" ? { seat: i, userId: `u${i}`, stack: s } : s));
    this.chips = entries.reduce((sum, s) => sum + s.stack, 0);
    return this.run({ type: "start_hand", seats: entries }, { deck, rng });
  }

  /** Starts the next hand with everyone who still has chips, stacks carried over. */
  next(deck?: Card[], rng?: Rng): HoldemEvent[] {
    const seats = this.state.players.filter((p) => p.stack > 0).map((p) => ({ seat: p.seat, userId: p.userId, stack: p.stack }));
    return this.start(seats, deck, rng);
  }

  act(seat: number, action: PlayerAction, amount?: number): HoldemEvent[] {
    return this.run({ type: "act", seat, action, amount });
  }

  player(seat: number) {
    const p = this.state.players.find((x) => x.seat === seat);
    assert.ok(p, `no player at seat ${seat}`);
    return p;
  }

  stacks(): Record<number, number> {
    return Object.fromEntries(this.state.players.map((p) => [p.seat, p.stack]));
  }

  eventsOf<T extends HoldemEvent["type"]>(type: T, events: HoldemEvent[] = this.log): Extract<HoldemEvent, { type: T }>[] {
    return events.filter((e): e is Extract<HoldemEvent, { type: T }> => e.type === type);
  }

  /** Replays the whole log (through JSON, as a stored log would be) and compares. */
  assertReplay(): void {
    const stored = JSON.parse(JSON.stringify(this.log)) as HoldemEvent[];
    const replayed = stored.reduce(evolveHoldem, this.initial);
    assert.deepEqual(replayed, this.state);
  }
}
