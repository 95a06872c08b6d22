import { isBettingStreet, minFullRaiseTo, needsToAct, nextToAct, playerAt, raiseBlocker } from "./betting.ts";
import { cryptoRng, deckCommitment, isFullDeck, randomSalt, shuffledDeck } from "./cards.ts";
import { evaluateHand } from "./evaluator.ts";
import { evolveHoldem, streakKey } from "./evolve.ts";
import { clockwiseAfter, splitPot, uncalledBet } from "./pots.ts";
import type {
  Card,
  HoldemCommand,
  HoldemContext,
  HoldemDecision,
  HoldemError,
  HoldemErrorCode,
  HoldemEvent,
  HoldemOptions,
  HoldemState,
  PlayerAction,
  PlayerActedEvent,
  StartHandCommand,
} from "./types.ts";

/** Most players a hand is dealt to (the table's seat limit). */
export const MAX_PLAYERS = 10;
const ACTIONS: readonly PlayerAction[] = ["fold", "check", "call", "bet", "raise", "all_in"];

function fail(code: HoldemErrorCode, message: string): HoldemError {
  return { error: { code, message } };
}

/** Whether a decision is a refusal rather than events. */
export function isHoldemError(decision: HoldemDecision): decision is HoldemError {
  return !Array.isArray(decision);
}

const isCount = (n: unknown, min: number): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= min;

/** What is wrong with a set of options, or null when they are usable. */
export function holdemOptionsProblem(o: HoldemOptions): string | null {
  if (!isCount(o.smallBlind, 1)) return "smallBlind must be a positive whole number";
  if (!isCount(o.bigBlind, o.smallBlind)) return "bigBlind must be a whole number no smaller than smallBlind";
  if (!isCount(o.minBuyIn, 1) || !isCount(o.maxBuyIn, o.minBuyIn)) return "buy-ins must be whole numbers with minBuyIn <= maxBuyIn";
  if (typeof o.turnSeconds !== "number" || !(o.turnSeconds > 0)) return "turnSeconds must be positive";
  if (o.awayAction !== "check_fold") return 'awayAction must be "check_fold"';
  if (!isCount(o.timeoutsBeforeStandUp, 0)) return "timeoutsBeforeStandUp must be a whole number (0 disables)";
  return null;
}

/**
 * Collects events and folds each into the running state as it is emitted, so every
 * later decision in the same command sees the state the log will rebuild. This is what
 * keeps decide and evolve from disagreeing.
 */
class Run {
  readonly events: HoldemEvent[] = [];
  constructor(
    public state: HoldemState,
    readonly ctx: HoldemContext,
  ) {}
  emit(event: HoldemEvent): void {
    this.events.push(event);
    this.state = evolveHoldem(this.state, event);
  }
}

/**
 * The hold'em decider: checks a command against the state and returns the events it
 * causes, or an error. Pure and deterministic given `ctx` (time, and the deck or the
 * RNG, whose result is recorded in `deck_shuffled`). A command may cause a whole
 * cascade: an action that ends a street deals the next one, and when nobody is left to
 * act the board runs out to showdown and the hand ends in the same call.
 */
export function decideHoldem(state: HoldemState, command: HoldemCommand, ctx: HoldemContext): HoldemDecision {
  const problem = holdemOptionsProblem(ctx.options);
  if (problem) return fail("VALIDATION_FAILED", `invalid options: ${problem}`);
  if (typeof ctx.now !== "number" || !Number.isFinite(ctx.now)) return fail("VALIDATION_FAILED", "ctx.now must be a time in ms");
  const run = new Run(state, ctx);
  const result =
    command.type === "start_hand"
      ? startHand(run, command.seats)
      : command.type === "act"
        ? act(run, command.seat, command.action, command.amount)
        : command.type === "timeout" || command.type === "away_action"
          ? autoAct(run, command.seat, command.type)
          : command.type === "leave"
            ? leave(run, command.seat, command.userId)
            : command.type === "cancel_hand"
              ? cancelHand(run)
              : fail("VALIDATION_FAILED", `unknown command ${(command as { type?: unknown }).type}`);
  return result ?? run.events;
}

function startHand(run: Run, seats: StartHandCommand["seats"]): HoldemError | null {
  const { state, ctx } = run;
  if (state.street !== "idle") return fail("ILLEGAL_ACTION", "a hand is already in progress");
  if (!Array.isArray(seats)) return fail("VALIDATION_FAILED", "seats must be a list");
  if (seats.length < 2) return fail("ILLEGAL_ACTION", "a hand needs at least two players with chips");
  if (seats.length > MAX_PLAYERS) return fail("VALIDATION_FAILED", `at most ${MAX_PLAYERS} players`);
  for (const s of seats) {
    if (!isCount(s?.seat, 0)) return fail("VALIDATION_FAILED", "seat must be a whole number >= 0");
    if (typeof s.userId !== "string" || s.userId === "") return fail("VALIDATION_FAILED", `seat ${s.seat}: userId is required`);
    if (!isCount(s.stack, 1)) return fail("VALIDATION_FAILED", `seat ${s.seat}: stack must be a positive whole number`);
  }
  const sorted = seats.slice().sort((a, b) => a.seat - b.seat);
  if (new Set(sorted.map((s) => s.seat)).size !== sorted.length) return fail("VALIDATION_FAILED", "a seat is listed twice");
  const rng = ctx.rng ?? cryptoRng;
  let deck: Card[];
  if (ctx.deck) {
    if (!isFullDeck(ctx.deck)) return fail("VALIDATION_FAILED", "ctx.deck must be a permutation of the 52 cards");
    deck = ctx.deck.slice();
  } else deck = shuffledDeck(rng);
  const salt = randomSalt(rng);

  const seatNos = sorted.map((s) => s.seat);
  // The button moves one occupied seat clockwise; seats without a player are skipped.
  const button = state.button === null ? seatNos[0] : clockwiseAfter(seatNos, state.button)[0];
  const left = clockwiseAfter(seatNos, button);
  // Heads-up the button posts the small blind (and so acts first preflop, last after).
  const sb = sorted.length === 2 ? button : left[0];
  const bb = clockwiseAfter(seatNos, sb)[0];
  const { smallBlind, bigBlind } = ctx.options;

  run.emit({
    type: "hand_started",
    visibility: "public",
    data: {
      handNo: state.handNo + 1,
      button,
      smallBlind,
      bigBlind,
      deckCommitment: deckCommitment(deck, salt),
      seats: sorted.map((s) => ({
        seat: s.seat,
        userId: s.userId,
        stack: s.stack,
        timeouts: state.timeoutStreaks[streakKey(s.seat, s.userId)] ?? 0,
      })),
    },
  });
  run.emit({ type: "deck_shuffled", visibility: "server", data: { deck, salt } });
  // A short stack posts what it has and is all-in; the bet to call stays the big blind.
  const post = (seat: number, blind: "small" | "big", size: number) => {
    const stack = playerAt(run.state, seat)!.stack;
    return { seat, blind, amount: Math.min(size, stack), allIn: stack <= size };
  };
  run.emit({
    type: "blinds_posted",
    visibility: "public",
    data: { posts: [post(sb, "small", smallBlind), post(bb, "big", bigBlind)], currentBet: bigBlind },
  });
  // One card at a time round the table, starting left of the button, as a dealer would.
  // Each deal is private to the user dealt in and this hand, not to the seat index.
  const n = left.length;
  const handNo = run.state.handNo;
  left.forEach((seat, j) => {
    const userId = playerAt(run.state, seat)!.userId;
    run.emit({ type: "hole_cards_dealt", visibility: { seat, userId, handNo }, data: { seat, cards: [deck[j], deck[j + n]] } });
  });
  advance(run, bb);
  return null;
}

type Resolved = Pick<PlayerActedEvent["data"], "action" | "amount" | "allIn">;

/** Turns an action request into the chips it moves, or says why it is illegal. */
function resolve(state: HoldemState, seat: number, action: PlayerAction, amount: unknown): Resolved | HoldemError {
  const p = playerAt(state, seat)!;
  const owed = Math.max(0, state.currentBet - p.committed);
  const allInTo = p.committed + p.stack;
  const put = (chips: number): Resolved => ({ action, amount: chips, allIn: chips === p.stack });
  switch (action) {
    case "fold":
      return { action, amount: 0, allIn: false };
    case "check":
      return owed > 0 ? fail("ILLEGAL_ACTION", `cannot check: ${owed} to call`) : put(0);
    case "call":
      return owed === 0 ? fail("ILLEGAL_ACTION", "nothing to call; check instead") : put(Math.min(owed, p.stack));
    case "all_in": {
      if (p.stack <= owed) return put(p.stack);
      const blocker = raiseBlocker(state, p);
      return blocker ? fail("ILLEGAL_ACTION", blocker) : put(p.stack);
    }
    case "bet":
    case "raise": {
      if (!isCount(amount, 1)) {
        return fail("VALIDATION_FAILED", `${action} needs amount: the whole number of chips to have in this street ("${action} to")`);
      }
      if (action === "bet" && state.currentBet > 0) return fail("ILLEGAL_ACTION", `there is already a bet of ${state.currentBet}; raise instead`);
      if (action === "raise" && state.currentBet === 0) return fail("ILLEGAL_ACTION", "there is no bet to raise; bet instead");
      const blocker = raiseBlocker(state, p);
      if (blocker) return fail("ILLEGAL_ACTION", blocker);
      if (amount > allInTo) return fail("ILLEGAL_ACTION", `you can have at most ${allInTo} in this street (all-in)`);
      const min = minFullRaiseTo(state);
      // Less than a full raise is allowed only as an all-in.
      if (amount < min && amount !== allInTo) {
        return fail("ILLEGAL_ACTION", action === "bet" ? `minimum bet is ${min}` : `minimum raise is to ${min}`);
      }
      return put(amount - p.committed);
    }
    default:
      return fail("VALIDATION_FAILED", `unknown action ${String(action)}; one of ${ACTIONS.join(", ")}`);
  }
}

/** Common checks of act, timeout and away_action: a hand is on and it is this seat's turn. */
function turnProblem(state: HoldemState, seat: unknown): HoldemError | null {
  if (!isCount(seat, 0)) return fail("VALIDATION_FAILED", "seat must be a whole number >= 0");
  if (!isBettingStreet(state) || state.toAct === null) return fail("ILLEGAL_ACTION", "no hand is in progress");
  if (state.toAct !== seat) return fail("NOT_YOUR_TURN", `it is seat ${state.toAct}'s turn`);
  return null;
}

function act(run: Run, seat: number, action: PlayerAction, amount: unknown): HoldemError | null {
  const problem = turnProblem(run.state, seat);
  if (problem) return problem;
  if (!ACTIONS.includes(action)) return fail("VALIDATION_FAILED", `unknown action ${String(action)}; one of ${ACTIONS.join(", ")}`);
  const resolved = resolve(run.state, seat, action, amount);
  if ("error" in resolved) return resolved;
  applyAction(run, seat, resolved, null);
  return null;
}

/** Check when that is free, otherwise fold: the only auto-action policy ("check_fold"). */
function autoAct(run: Run, seat: number, kind: "timeout" | "away_action"): HoldemError | null {
  const { state, ctx } = run;
  const problem = turnProblem(state, seat);
  if (problem) return problem;
  if (kind === "timeout" && state.turnDeadline !== null && ctx.now < state.turnDeadline) {
    return fail("ILLEGAL_ACTION", `seat ${seat} still has ${Math.ceil((state.turnDeadline - ctx.now) / 1000)}s to act`);
  }
  const p = playerAt(state, seat)!;
  const canCheck = p.committed >= state.currentBet;
  const resolved: Resolved = canCheck ? { action: "check", amount: 0, allIn: false } : { action: "fold", amount: 0, allIn: false };
  applyAction(run, seat, resolved, kind === "timeout" ? "timeout" : "away");
  return null;
}

/**
 * A player left mid-hand: fold them now, whoever's turn it is. When that was the player
 * to act, the turn moves on; when it leaves one live player, the hand ends; when the
 * player to act no longer needs to (everyone else is all-in and matched), the street
 * moves on. Otherwise the current turn simply continues.
 */
function leave(run: Run, seat: number, userId: string): HoldemError | null {
  if (!isCount(seat, 0)) return fail("VALIDATION_FAILED", "seat must be a whole number >= 0");
  const s = run.state;
  const p = playerAt(s, seat);
  if (!isBettingStreet(s) || !p || p.userId !== userId || p.folded) return null; // nothing live to fold
  const wasToAct = s.toAct === seat;
  run.emit({ type: "player_left", visibility: "public", data: { seat, userId } });
  const after = run.state;
  const toAct = after.toAct;
  const live = after.players.filter((x) => !x.folded).length;
  if (wasToAct || toAct === null) advance(run, seat);
  else if (live === 1 || !needsToAct(after, playerAt(after, toAct)!)) advance(run, toAct);
  return null;
}

/**
 * Calls the hand in play off: each player's chips in the pot go back to them, then the
 * hand ends. Folding everyone one by one instead would hand the pot to whoever happened
 * to be folded last.
 */
function cancelHand(run: Run): HoldemError | null {
  if (!isBettingStreet(run.state)) return null;
  for (const p of run.state.players) {
    if (p.totalCommitted > 0) run.emit({ type: "uncalled_bet_returned", visibility: "public", data: { seat: p.seat, amount: p.totalCommitted } });
  }
  endHand(run);
  return null;
}

function applyAction(run: Run, seat: number, r: Resolved, auto: "timeout" | "away" | null): void {
  const p = playerAt(run.state, seat)!;
  const toCall = Math.max(0, run.state.currentBet - p.committed);
  run.emit({
    type: "player_acted",
    visibility: "public",
    data: { seat, action: r.action, amount: r.amount, committed: p.committed + r.amount, toCall, allIn: r.allIn, auto },
  });
  advance(run, seat);
}

/**
 * Moves the hand on after an action (or the blinds): next player's turn, or the next
 * street, or showdown, or the end of the hand. Loops because one step can lead to the
 * next without anyone acting (all-in players get the board run out).
 */
function advance(run: Run, fromSeat: number): void {
  for (;;) {
    const s = run.state;
    const live = s.players.filter((p) => !p.folded);
    if (live.length === 1) {
      returnUncalled(run);
      awardUncontested(run, live[0].seat);
      endHand(run);
      return;
    }
    const next = nextToAct(s, fromSeat);
    if (next !== null) {
      run.emit({ type: "turn_started", visibility: "public", data: { seat: next, deadline: run.ctx.now + run.ctx.options.turnSeconds * 1000 } });
      return;
    }
    returnUncalled(run);
    if (s.street === "river") {
      showdown(run);
      endHand(run);
      return;
    }
    dealStreet(run);
    // After the flop the first live player left of the button acts first.
    fromSeat = run.state.button!;
  }
}

function returnUncalled(run: Run): void {
  const back = uncalledBet(run.state.players);
  if (back) run.emit({ type: "uncalled_bet_returned", visibility: "public", data: back });
}

function dealStreet(run: Run): void {
  const s = run.state;
  const street = s.street === "preflop" ? "flop" : s.street === "flop" ? "turn" : "river";
  // Burn the top card, then deal: the burn card stays hidden and leaves the deck in evolve.
  const cards = s.deck.slice(1, street === "flop" ? 4 : 2);
  run.emit({ type: "street_dealt", visibility: "public", data: { street, cards, board: [...s.board, ...cards] } });
}

function awardUncontested(run: Run, winner: number): void {
  run.state.pots.forEach((pot, potIndex) => {
    if (pot.amount === 0) return;
    run.emit({
      type: "pot_awarded",
      visibility: "public",
      data: { potIndex, amount: pot.amount, winners: [{ seat: winner, amount: pot.amount }], reason: "uncontested" },
    });
  });
}

function showdown(run: Run): void {
  const s = run.state;
  const reveals = s.players
    .filter((p) => !p.folded)
    .map((p) => {
      const value = evaluateHand([...p.holeCards, ...s.board]);
      return { seat: p.seat, cards: p.holeCards.slice(), rank: value.category, score: value.score, best: value.best, description: value.description };
    });
  run.emit({ type: "showdown", visibility: "public", data: { reveals } });
  const score = new Map(reveals.map((r) => [r.seat, r.score]));
  // Winners are listed clockwise from the button's left so the odd chip lands right.
  const order = clockwiseAfter(
    s.players.map((p) => p.seat),
    s.button!,
  );
  run.state.pots.forEach((pot, potIndex) => {
    if (pot.amount === 0) return;
    const best = Math.max(...pot.eligible.map((seat) => score.get(seat) ?? -1));
    const winners = order.filter((seat) => pot.eligible.includes(seat) && score.get(seat) === best);
    run.emit({
      type: "pot_awarded",
      visibility: "public",
      data: { potIndex, amount: pot.amount, winners: splitPot(pot.amount, winners), reason: "showdown" },
    });
  });
}

function endHand(run: Run): void {
  const s = run.state;
  run.emit({
    type: "hand_ended",
    visibility: "public",
    data: {
      handNo: s.handNo,
      stacks: s.players.map((p) => ({ seat: p.seat, userId: p.userId, stack: p.stack })),
      busted: s.players.filter((p) => p.stack === 0).map((p) => p.seat),
    },
  });
  const limit = run.ctx.options.timeoutsBeforeStandUp;
  if (limit <= 0) return;
  for (const p of run.state.players) {
    if (p.timeouts >= limit) {
      run.emit({ type: "player_stood_up_for_timeouts", visibility: "public", data: { seat: p.seat, userId: p.userId, timeouts: p.timeouts } });
    }
  }
}

