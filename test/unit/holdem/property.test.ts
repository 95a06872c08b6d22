import assert from "node:assert/strict";
import {
  decideHoldem,
  evolveHoldem,
  isHoldemError,
  legalActions,
  seededRng,
  type HoldemEvent,
  type HoldemState,
  type Rng,
  type SeatEntry,
} from "../../../server/src/tables/games/holdem/index.ts";
import fc from "fast-check";
import { choiceRng, gameChoices, replayFromEnv } from "../../support/choices.ts";
import { TestTable } from "./helpers.ts";

/** Games per run (HOLDEM_GAMES overrides); a failure prints HOLDEM_SEED/HOLDEM_PATH to replay it. */
const GAMES = Number(process.env.HOLDEM_GAMES ?? 300);
const MAX_HANDS = 12;
const BLINDS: [number, number][] = [
  [1, 2],
  [5, 10],
  [10, 25],
  [50, 100],
];

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng(items.length)];
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/**
 * One random legal (or deliberately illegal) step for the player to act, or now and then
 * a player (to act or not) leaving the table mid-hand. Returns the seat that left, if any.
 */
function step(t: TestTable, rng: Rng): number | null {
  if (rng(100) < 3) {
    const live = t.state.players.filter((p) => !p.folded);
    const leaver = pick(rng, live);
    const before = t.state.pots.reduce((n, p) => n + p.amount, 0);
    const events = t.run({ type: "leave", seat: leaver.seat, userId: leaver.userId });
    assert.equal(events[0].type, "player_left");
    // Folded at once; the chips put in stay in the pot (or went to the winner if it ended the hand).
    if (t.state.street !== "idle") {
      assert.ok(t.player(leaver.seat).folded);
      assert.equal(t.state.pots.reduce((n, p) => n + p.amount, 0), before);
      assert.notEqual(t.state.toAct, leaver.seat);
    }
    // A second leave, or one for the wrong user, changes nothing.
    assert.deepEqual(t.run({ type: "leave", seat: leaver.seat, userId: leaver.userId }), []);
    return leaver.seat;
  }
  const seat = t.state.toAct!;
  const legal = legalActions(t.state, seat);
  assert.ok(legal, `seat ${seat} is to act but has no legal actions`);
  const before = t.state;
  const roll = rng(100);

  // Now and then, commands that must be refused without touching the state.
  if (roll < 3) {
    const other = t.state.players.find((p) => p.seat !== seat)!.seat;
    assert.equal(t.refuse({ type: "act", seat: other, action: "fold" }).code, "NOT_YOUR_TURN");
  } else if (roll < 6 && legal.minRaiseTo !== null && legal.minRaiseTo < legal.maxRaiseTo! && legal.minRaiseTo - 1 > t.state.currentBet) {
    const action = t.state.currentBet === 0 ? "bet" : "raise";
    assert.equal(t.refuse({ type: "act", seat, action, amount: legal.minRaiseTo - 1 }).code, "ILLEGAL_ACTION");
  }
  assert.equal(t.state, before);

  if (roll < 8) {
    t.now = t.state.turnDeadline!;
    t.run({ type: "timeout", seat });
    return null;
  }
  if (roll < 12) {
    t.run({ type: "away_action", seat });
    return null;
  }
  // Fold rarely when checking is free, so more hands reach showdown.
  const actions = legal.canCheck && rng(4) > 0 ? legal.actions.filter((a) => a !== "fold") : legal.actions;
  const action = pick(rng, actions);
  let amount: number | undefined;
  if (action === "bet" || action === "raise") {
    const min = legal.minRaiseTo!;
    const max = legal.maxRaiseTo!;
    amount = rng(3) === 0 ? max : min + rng(Math.max(1, Math.floor((max - min) / 4)));
  }
  t.now += rng(5000);
  t.act(seat, action, amount);
  return null;
}

/** Checks that hold at the end of every hand. */
function checkHandEnd(state: HoldemState, chips: number): void {
  assert.equal(state.street, "idle");
  assert.equal(state.toAct, null);
  assert.ok(state.pots.every((p) => p.awarded));
  assert.equal(
    state.players.reduce((s, p) => s + p.stack, 0),
    chips,
  );
  assert.ok(state.players.every((p) => p.totalCommitted === 0 && p.committed === 0));
}

describe("holdem property: random games", function () {
  this.timeout(120_000);

  it(`${GAMES} random games (fast-check, shrinking) conserve chips, never go negative, and replay to the same state`, () => {
    let hands = 0;
    let showdowns = 0;
    let sidePots = 0;
    const seen = new Set<string>();
    let game = 0;
    // A game of up to 12 hands reads about 500-1,500 choices (a shuffle takes 51).
    const playGame = (choices: number[]) => {
      game++;
      const rng = choiceRng(choices);
      const [smallBlind, bigBlind] = pick(rng, BLINDS);
      const t = new TestTable({ smallBlind, bigBlind, timeoutsBeforeStandUp: pick(rng, [0, 2, 3]) });
      const seatNos = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter(() => rng(2) === 0);
      while (seatNos.length < 2) seatNos.push([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((s) => !seatNos.includes(s))!);
      let roster: SeatEntry[] = seatNos
        .sort((a, b) => a - b)
        .map((seat) => ({ seat, userId: `g${game}s${seat}`, stack: bigBlind * (1 + rng(150)) }));

      let snapshot: { state: HoldemState; at: number } | null = null;
      for (let hand = 0; hand < MAX_HANDS && roster.length >= 2; hand++) {
        const startAt = t.log.length;
        t.start(roster, undefined, rng);
        const chips = t.chips!;
        let guard = 0;
        const left = new Set<number>();
        while (t.state.street !== "idle") {
          assert.ok(++guard < 500, "hand does not end");
          if (snapshot === null && rng(20) === 0) snapshot = { state: clone(t.state), at: t.log.length };
          const leaver = step(t, rng);
          if (leaver !== null) left.add(leaver);
        }
        checkHandEnd(t.state, chips);
        const handEvents = t.log.slice(startAt);
        hands++;
        if (handEvents.some((e) => e.type === "showdown")) showdowns++;
        if (handEvents.filter((e) => e.type === "pot_awarded").length > 1) sidePots++;
        for (const e of handEvents) seen.add(e.type);
        // The table's part: drop busted and stood-up players, carry the stacks over.
        const gone = new Set([...left, ...t.eventsOf("player_stood_up_for_timeouts", handEvents).map((e) => e.data.seat)]);
        roster = t.state.players.filter((p) => p.stack > 0 && !gone.has(p.seat)).map((p) => ({ seat: p.seat, userId: p.userId, stack: p.stack }));
      }

      // The whole log, stored as JSON, replays to the live state; so does a snapshot plus its tail.
      t.assertReplay();
      if (snapshot) {
        const tail = clone(t.log.slice(snapshot.at)) as HoldemEvent[];
        assert.deepEqual(tail.reduce(evolveHoldem, snapshot.state), t.state);
      }
    };
    fc.assert(fc.property(gameChoices(500, 2000), playGame), { numRuns: GAMES, ...replayFromEnv("HOLDEM") });
    assert.ok(hands >= 1000, `only ${hands} hands`);
    assert.ok(showdowns > 100 && sidePots > 10, `showdowns ${showdowns}, side pots ${sidePots}`);
    // Every kind of event happened somewhere, so the checks above covered all of evolve.
    assert.equal(seen.size, 13, [...seen].join(", "));
  });

  it("decide never mutates its input state", () => {
    const t = new TestTable();
    t.start([500, 500, 500], undefined, seededRng(1));
    const frozen = clone(t.state);
    const decision = decideHoldem(t.state, { type: "act", seat: t.state.toAct!, action: "call" }, t.ctx());
    assert.ok(!isHoldemError(decision));
    assert.deepEqual(t.state, frozen);
  });
});
