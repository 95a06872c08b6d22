import assert from "node:assert/strict";
import {
  FULL_DECK,
  clockwiseAfter,
  computePots,
  cryptoRng,
  decideHoldem,
  deckCommitment,
  initialHoldemState,
  isFullDeck,
  isHoldemError,
  mulberry32,
  seededRng,
  shuffle,
  shuffledDeck,
  splitPot,
  uncalledBet,
  type Contributor,
  type HoldemEvent,
} from "../../../server/src/tables/games/holdem/index.ts";
import { OPTIONS } from "./helpers.ts";

const c = (seat: number, totalCommitted: number, flags: Partial<Contributor> = {}): Contributor => ({
  seat,
  totalCommitted,
  folded: false,
  allIn: false,
  ...flags,
});

describe("holdem deck", () => {
  it("has 52 distinct cards", () => {
    assert.equal(FULL_DECK.length, 52);
    assert.equal(new Set(FULL_DECK).size, 52);
    assert.ok(isFullDeck(FULL_DECK));
  });

  it("a crypto shuffle is a permutation of the deck (and differs from the fresh order)", () => {
    const deck = shuffledDeck();
    assert.ok(isFullDeck(deck));
    assert.notDeepEqual(deck, FULL_DECK); // 1 in 52! to fail
    assert.ok(isFullDeck(shuffle(FULL_DECK, cryptoRng)));
  });

  it("a seeded shuffle is deterministic and seeds differ", () => {
    assert.deepEqual(shuffledDeck(seededRng(42)), shuffledDeck(seededRng(42)));
    assert.notDeepEqual(shuffledDeck(seededRng(42)), shuffledDeck(seededRng(43)));
    assert.ok(isFullDeck(shuffledDeck(seededRng(7))));
  });

  it("mulberry32 stays in [0, 1)", () => {
    const next = mulberry32(1);
    for (let i = 0; i < 10_000; i++) {
      const x = next();
      assert.ok(x >= 0 && x < 1);
    }
  });

  it("Fisher-Yates gives every permutation about equally often", () => {
    const counts = new Map<string, number>();
    const rng = seededRng(99);
    for (let i = 0; i < 6000; i++) {
      const key = shuffle([1, 2, 3], rng).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    for (const n of counts.values()) assert.ok(n > 850 && n < 1150, `count ${n}`);
  });

  it("isFullDeck rejects duplicates, strangers and short decks", () => {
    const dup = FULL_DECK.slice();
    dup[0] = dup[1];
    assert.equal(isFullDeck(dup), false);
    assert.equal(isFullDeck([...FULL_DECK.slice(1), "1x"]), false);
    assert.equal(isFullDeck(FULL_DECK.slice(1)), false);
  });

  it("start_hand records the deck (server-only) and commits to it publicly; same seed, same events", () => {
    const cmd = {
      type: "start_hand" as const,
      seats: [
        { seat: 0, userId: "a", stack: 500 },
        { seat: 1, userId: "b", stack: 500 },
      ],
    };
    const run = () => decideHoldem(initialHoldemState(), cmd, { now: 5, options: OPTIONS, rng: seededRng(3) }) as HoldemEvent[];
    const events = run();
    assert.deepEqual(run(), events);
    const started = events.find((e) => e.type === "hand_started")!;
    const shuffled = events.find((e) => e.type === "deck_shuffled")!;
    assert.equal(shuffled.visibility, "server");
    assert.ok(isFullDeck(shuffled.data.deck));
    assert.deepEqual(shuffled.data.deck, shuffledDeck(seededRng(3)));
    assert.equal(started.data.deckCommitment, deckCommitment(shuffled.data.deck, shuffled.data.salt));
    assert.notEqual(deckCommitment(shuffled.data.deck, "other"), started.data.deckCommitment);
  });

  it("refuses a ctx.deck that is not a permutation", () => {
    const d = decideHoldem(
      initialHoldemState(),
      { type: "start_hand", seats: [{ seat: 0, userId: "a", stack: 5 }, { seat: 1, userId: "b", stack: 5 }] },
      { now: 0, options: OPTIONS, deck: FULL_DECK.slice(1) },
    );
    assert.ok(isHoldemError(d));
    assert.equal(d.error.code, "VALIDATION_FAILED");
  });
});

describe("holdem pots", () => {
  it("one pot without all-ins, folded chips included", () => {
    assert.deepEqual(computePots([c(0, 30), c(1, 30), c(2, 10, { folded: true })]), [{ amount: 70, eligible: [0, 1], awarded: false }]);
  });

  it("three all-ins of different sizes and a folded player cut exact side pots", () => {
    const pots = computePots([
      c(0, 100, { allIn: true }),
      c(1, 250, { allIn: true }),
      c(2, 400),
      c(3, 400),
      c(4, 50, { folded: true }),
    ]);
    assert.deepEqual(pots, [
      { amount: 450, eligible: [0, 1, 2, 3], awarded: false },
      { amount: 450, eligible: [1, 2, 3], awarded: false },
      { amount: 300, eligible: [2, 3], awarded: false },
    ]);
  });

  it("a folder who put in more than an all-in player feeds the side pots without being eligible", () => {
    const pots = computePots([c(0, 100, { allIn: true }), c(1, 250, { allIn: true }), c(2, 400), c(3, 400), c(4, 300, { folded: true })]);
    assert.deepEqual(
      pots.map((p) => [p.amount, p.eligible]),
      [
        [500, [0, 1, 2, 3]],
        [600, [1, 2, 3]],
        [350, [2, 3]],
      ],
    );
    assert.equal(
      pots.reduce((s, p) => s + p.amount, 0),
      1450,
    );
  });

  it("equal all-ins share one pot", () => {
    assert.deepEqual(computePots([c(0, 200, { allIn: true }), c(1, 200, { allIn: true }), c(2, 200)]), [
      { amount: 600, eligible: [0, 1, 2], awarded: false },
    ]);
  });

  it("the uncalled part of the top bet goes back to a live bettor only", () => {
    assert.deepEqual(uncalledBet([c(0, 500, { allIn: true }), c(1, 300, { allIn: true }), c(2, 100, { folded: true })]), { seat: 0, amount: 200 });
    assert.equal(uncalledBet([c(0, 300), c(1, 300)]), null);
  });

  it("splits evenly and gives odd chips one each from the button's left", () => {
    assert.deepEqual(splitPot(25, [2, 0]), [
      { seat: 2, amount: 13 },
      { seat: 0, amount: 12 },
    ]);
    assert.deepEqual(
      splitPot(101, [5, 7, 1]).map((w) => w.amount),
      [34, 34, 33],
    );
    assert.deepEqual(splitPot(90, [4]), [{ seat: 4, amount: 90 }]);
  });

  it("clockwiseAfter wraps round the table and puts the reference seat last", () => {
    assert.deepEqual(clockwiseAfter([1, 4, 8], 4), [8, 1, 4]);
    assert.deepEqual(clockwiseAfter([1, 4, 8], 8), [1, 4, 8]);
    assert.deepEqual(clockwiseAfter([1, 4, 8], 5), [8, 1, 4]);
  });
});
