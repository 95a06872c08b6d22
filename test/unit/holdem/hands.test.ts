import assert from "node:assert/strict";
import { legalActions } from "../../../server/src/tables/games/holdem/index.ts";
import { TestTable, stackDeck } from "./helpers.ts";

/** Full hands with stacked decks. Seats 0..n-1; the first hand's button is the lowest seat. */
describe("holdem hands", () => {
  let t: TestTable;
  beforeEach(() => {
    t = new TestTable();
  });
  afterEach(() => {
    t.assertReplay();
  });

  it("posts blinds left of the button and the first to act is left of the big blind", () => {
    const events = t.start([1000, 1000, 1000]);
    const blinds = t.eventsOf("blinds_posted", events)[0].data.posts;
    assert.deepEqual(
      blinds.map((b) => [b.seat, b.blind, b.amount]),
      [
        [1, "small", 5],
        [2, "big", 10],
      ],
    );
    assert.equal(t.state.button, 0);
    assert.equal(t.state.toAct, 0);
    assert.equal(t.state.turnDeadline, t.now + 20_000);
    assert.equal(t.eventsOf("hole_cards_dealt", events).length, 3);
    assert.ok(t.state.players.every((p) => p.holeCards.length === 2));
    assert.equal(t.state.deck.length, 52 - 6);
  });

  it("everyone else folds: the big blind wins without showdown and the uncalled blind comes back", () => {
    t.start([1000, 1000, 1000]);
    t.act(0, "fold");
    const events = t.act(1, "fold");
    assert.deepEqual(
      events.map((e) => e.type),
      ["player_acted", "uncalled_bet_returned", "pot_awarded", "hand_ended"],
    );
    assert.deepEqual(t.eventsOf("uncalled_bet_returned", events)[0].data, { seat: 2, amount: 5 });
    assert.deepEqual(t.eventsOf("pot_awarded", events)[0].data, {
      potIndex: 0,
      amount: 10,
      winners: [{ seat: 2, amount: 10 }],
      reason: "uncontested",
    });
    assert.equal(t.eventsOf("showdown").length, 0);
    assert.deepEqual(t.stacks(), { 0: 1000, 1: 995, 2: 1005 });
    assert.equal(t.state.street, "idle");
    assert.equal(t.state.toAct, null);
  });

  it("checks down to a showdown, acting left of the button after the flop", () => {
    // Button 0; dealing order 1, 2, 0.
    t.start([1000, 1000, 1000], stackDeck(["Ah Kh", "Qc Qd", "7s 2d"], "Qs 9h 4c 3d 2s"));
    t.act(0, "call");
    t.act(1, "call");
    const flop = t.act(2, "check");
    assert.deepEqual(t.eventsOf("street_dealt", flop)[0].data.cards, ["Qs", "9h", "4c"]);
    for (const street of ["flop", "turn", "river"]) {
      assert.equal(t.state.street, street);
      assert.equal(t.state.toAct, 1);
      t.act(1, "check");
      t.act(2, "check");
      t.act(0, "check");
    }
    const showdown = t.eventsOf("showdown")[0].data.reveals;
    assert.deepEqual(
      showdown.map((r) => [r.seat, r.rank, r.description]),
      [
        [0, "pair", "Pair of Twos"],
        [1, "high_card", "High Card, Ace"],
        [2, "three_of_a_kind", "Three of a Kind, Queens"],
      ],
    );
    assert.deepEqual(t.eventsOf("pot_awarded")[0].data.winners, [{ seat: 2, amount: 30 }]);
    assert.deepEqual(t.stacks(), { 0: 990, 1: 990, 2: 1020 });
    assert.deepEqual(t.state.board, ["Qs", "9h", "4c", "3d", "2s"]);
  });

  it("heads-up: the button posts the small blind, acts first preflop and last after the flop", () => {
    t.start([
      { seat: 3, userId: "a", stack: 500 },
      { seat: 7, userId: "b", stack: 500 },
    ]);
    const posts = t.eventsOf("blinds_posted")[0].data.posts;
    assert.equal(t.state.button, 3);
    assert.deepEqual(
      posts.map((p) => [p.seat, p.blind]),
      [
        [3, "small"],
        [7, "big"],
      ],
    );
    assert.equal(t.state.toAct, 3);
    t.act(3, "call");
    assert.equal(t.state.toAct, 7); // the big blind's option
    t.act(7, "check");
    assert.equal(t.state.street, "flop");
    assert.equal(t.state.toAct, 7);
    t.act(7, "bet", 20);
    t.act(3, "fold");
    // Next hand: the button moves to seat 7, which now posts the small blind.
    t.next();
    assert.equal(t.state.button, 7);
    assert.deepEqual(
      t.eventsOf("blinds_posted").at(-1)!.data.posts.map((p) => [p.seat, p.blind]),
      [
        [7, "small"],
        [3, "big"],
      ],
    );
    assert.equal(t.state.toAct, 7);
  });

  it("the button skips empty seats and seats that left", () => {
    const seats = [1, 4, 8].map((seat) => ({ seat, userId: `u${seat}`, stack: 1000 }));
    const buttons: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.start(seats);
      buttons.push(t.state.button!);
      t.run({ type: "away_action", seat: t.state.toAct! });
      t.run({ type: "away_action", seat: t.state.toAct! });
    }
    assert.deepEqual(buttons, [1, 4, 8, 1]);
    t.start([seats[0], seats[2]]); // seat 4 left; the button moves from 1 to 8
    assert.equal(t.state.button, 8);
  });

  it("enforces the minimum bet and raise, with amounts as 'raise to'", () => {
    t.start([1000, 1000, 1000]);
    assert.deepEqual(legalActions(t.state, 0), {
      seat: 0,
      actions: ["fold", "call", "raise", "all_in"],
      canCheck: false,
      toCall: 10,
      minRaiseTo: 20,
      maxRaiseTo: 1000,
    });
    assert.equal(legalActions(t.state, 1), null);
    assert.deepEqual(t.refuse({ type: "act", seat: 1, action: "call" }), { code: "NOT_YOUR_TURN", message: "it is seat 0's turn" });
    assert.equal(t.refuse({ type: "act", seat: 0, action: "raise", amount: 15 }).message, "minimum raise is to 20");
    assert.equal(t.refuse({ type: "act", seat: 0, action: "bet", amount: 30 }).code, "ILLEGAL_ACTION");
    assert.equal(t.refuse({ type: "act", seat: 0, action: "check" }).message, "cannot check: 10 to call");
    assert.equal(t.refuse({ type: "act", seat: 0, action: "raise" }).code, "VALIDATION_FAILED");
    assert.equal(t.refuse({ type: "act", seat: 0, action: "raise", amount: 12.5 }).code, "VALIDATION_FAILED");
    assert.equal(t.refuse({ type: "act", seat: 0, action: "shove" as never }).code, "VALIDATION_FAILED");
    assert.equal(t.refuse({ type: "act", seat: 0, action: "raise", amount: 1001 }).code, "ILLEGAL_ACTION");
    t.act(0, "raise", 30); // a raise of 20
    assert.equal(t.refuse({ type: "act", seat: 1, action: "raise", amount: 45 }).message, "minimum raise is to 50");
    const acted = t.act(1, "raise", 50);
    assert.deepEqual(t.eventsOf("player_acted", acted)[0].data, {
      seat: 1,
      action: "raise",
      amount: 45,
      committed: 50,
      toCall: 25,
      allIn: false,
      auto: null,
    });
    assert.equal(legalActions(t.state, 2)!.minRaiseTo, 70);
    t.act(2, "call");
    t.act(0, "call");
    assert.equal(t.state.street, "flop");
    assert.deepEqual(legalActions(t.state, 1)!.actions, ["fold", "check", "bet", "all_in"]);
    assert.equal(t.refuse({ type: "act", seat: 1, action: "bet", amount: 5 }).message, "minimum bet is 10");
    assert.equal(t.refuse({ type: "act", seat: 1, action: "raise", amount: 20 }).message, "there is no bet to raise; bet instead");
    assert.equal(t.refuse({ type: "act", seat: 1, action: "call" }).message, "nothing to call; check instead");
    t.act(1, "bet", 10);
    t.act(2, "raise", 20);
    assert.equal(t.refuse({ type: "act", seat: 0, action: "raise", amount: 25 }).message, "minimum raise is to 30");
    t.act(0, "fold");
    t.act(1, "fold");
    assert.deepEqual(t.stacks(), { 0: 950, 1: 940, 2: 1110 });
  });

  it("a short all-in does not reopen the betting for players who already acted", () => {
    // Seat 1 (small blind) has only 140.
    t.start([1000, 140, 1000]);
    t.act(0, "raise", 100); // full raise of 90
    t.act(1, "all_in"); // to 140: 40 more, short of a full raise
    assert.equal(t.player(1).allIn, true);
    // The big blind has not acted yet, so may raise: at least to 140 + 90.
    assert.deepEqual(legalActions(t.state, 2), {
      seat: 2,
      actions: ["fold", "call", "raise", "all_in"],
      canCheck: false,
      toCall: 130,
      minRaiseTo: 230,
      maxRaiseTo: 1000,
    });
    t.act(2, "call");
    // Seat 0 already acted at 100: only call or fold.
    assert.deepEqual(legalActions(t.state, 0), { seat: 0, actions: ["fold", "call"], canCheck: false, toCall: 40, minRaiseTo: null, maxRaiseTo: null });
    const err = t.refuse({ type: "act", seat: 0, action: "raise", amount: 300 });
    assert.equal(err.code, "ILLEGAL_ACTION");
    assert.match(err.message, /not reopened/);
    assert.equal(t.refuse({ type: "act", seat: 0, action: "all_in" }).code, "ILLEGAL_ACTION");
    t.act(0, "call");
    assert.equal(t.state.street, "flop");
  });

  it("short all-ins adding up to a full raise do reopen the betting", () => {
    // Button 0, SB 1, BB 2, UTG 3. Seats 2 and 3 are short.
    t.start([1000, 1000, 160, 230]);
    t.act(3, "call");
    t.act(0, "call");
    t.act(1, "call");
    t.act(2, "check");
    assert.equal(t.state.toAct, 1);
    t.act(1, "bet", 100);
    t.act(2, "all_in"); // 150: +50, short
    t.act(3, "all_in"); // 220: +70, short, but 120 over seat 1's 100
    t.act(0, "call");
    const legal = legalActions(t.state, 1)!;
    assert.ok(legal.actions.includes("raise"));
    assert.equal(legal.minRaiseTo, 320);
    t.act(1, "raise", 320);
    t.act(0, "fold");
    // Seat 1's 100 raise is uncalled; the rest runs out.
    assert.deepEqual(t.eventsOf("uncalled_bet_returned").at(-1)!.data, { seat: 1, amount: 100 });
    assert.equal(t.state.street, "idle");
  });

  describe("all-ins and side pots", () => {
    // Button 0, SB 1 (100), BB 2 (250), UTG 3 (600); dealing order 1, 2, 3, 0.
    const play = (holes: string[]) => {
      t.start([1000, 100, 250, 600], stackDeck(holes, "Ah Kh 8c 4s 3d"));
      t.act(3, "raise", 50);
      t.act(0, "call");
      t.act(1, "all_in"); // 100
      t.act(2, "all_in"); // 250
      t.act(3, "all_in"); // 600
      return t.act(0, "fold"); // 50 stays in the pots
    };

    it("three all-ins of different sizes: exact side pots, the uncalled excess returned, board run out", () => {
      const events = play(["As Ad", "Ks Kd", "Qs Qd", "7c 2h"]);
      assert.deepEqual(
        events.map((e) => e.type),
        [
          "player_acted",
          "uncalled_bet_returned",
          "street_dealt",
          "street_dealt",
          "street_dealt",
          "showdown",
          "pot_awarded",
          "pot_awarded",
          "hand_ended",
        ],
      );
      assert.deepEqual(t.eventsOf("uncalled_bet_returned", events)[0].data, { seat: 3, amount: 350 });
      assert.deepEqual(
        t.eventsOf("pot_awarded", events).map((e) => e.data),
        [
          { potIndex: 0, amount: 350, winners: [{ seat: 1, amount: 350 }], reason: "showdown" },
          { potIndex: 1, amount: 300, winners: [{ seat: 2, amount: 300 }], reason: "showdown" },
        ],
      );
      assert.deepEqual(
        t.state.pots.map((p) => [p.amount, p.eligible]),
        [
          [350, [1, 2, 3]],
          [300, [2, 3]],
        ],
      );
      assert.deepEqual(t.stacks(), { 0: 950, 1: 350, 2: 300, 3: 350 });
      assert.deepEqual(t.eventsOf("hand_ended")[0].data.busted, []);
    });

    it("the big stack wins everything and the all-in players are reported busted", () => {
      play(["7s 7d", "Ks Kd", "Ac Ad", "7c 2h"]);
      assert.deepEqual(t.stacks(), { 0: 950, 1: 0, 2: 0, 3: 1000 });
      const ended = t.eventsOf("hand_ended")[0].data;
      assert.deepEqual(ended.busted, [1, 2]);
      assert.deepEqual(
        ended.stacks.map((s) => s.stack),
        [950, 0, 0, 1000],
      );
      t.next();
      assert.deepEqual(
        t.state.players.map((p) => p.seat),
        [0, 3],
      );
    });
  });

  it("a split pot gives the odd chip to the first winner left of the button", () => {
    // Button 0, SB 1 folds its 5; seats 2 and 0 both play the board's straight.
    t.start([1000, 1000, 1000], stackDeck(["Kh Qh", "2c 3d", "2h 3s"], "5c 6d 7h 8s 9c"));
    t.act(0, "call");
    t.act(1, "fold");
    t.act(2, "check");
    for (let i = 0; i < 3; i++) {
      t.act(2, "check");
      t.act(0, "check");
    }
    assert.deepEqual(t.eventsOf("pot_awarded")[0].data.winners, [
      { seat: 2, amount: 13 },
      { seat: 0, amount: 12 },
    ]);
    assert.deepEqual(t.stacks(), { 0: 1002, 1: 995, 2: 1003 });
  });

  it("returns an uncalled bet and an all-in's unmatched excess", () => {
    // Heads-up: seat 0 is button and small blind; seat 1 is dealt first.
    t.start([500, 300], stackDeck(["Kh Kd", "Ah Ad"], "2c 7d 9h Js 4s"));
    t.act(0, "all_in");
    const events = t.act(1, "call"); // all-in for 300
    assert.deepEqual(t.eventsOf("uncalled_bet_returned", events)[0].data, { seat: 0, amount: 200 });
    assert.deepEqual(t.stacks(), { 0: 800, 1: 0 });
    assert.deepEqual(t.eventsOf("hand_ended", events)[0].data.busted, [1]);
  });

  it("short blinds go all-in and the hand runs out with nobody to act", () => {
    // Heads-up, the big blind (seat 1) has only 4: it posts 4 all-in, the button's extra 1 comes back.
    const events = t.start([500, 4], stackDeck(["Ah Ad", "Kh Kd"], "2c 7d 9h Js 4s"));
    const posts = t.eventsOf("blinds_posted", events)[0].data.posts;
    assert.deepEqual(
      posts.map((p) => [p.seat, p.amount, p.allIn]),
      [
        [0, 5, false],
        [1, 4, true],
      ],
    );
    assert.deepEqual(t.eventsOf("uncalled_bet_returned", events)[0].data, { seat: 0, amount: 1 });
    assert.equal(t.eventsOf("turn_started", events).length, 0);
    assert.deepEqual(t.stacks(), { 0: 496, 1: 8 });
  });

  it("a short small blind can only call all-in or fold", () => {
    t.start([7, 500]);
    assert.deepEqual(legalActions(t.state, 0), { seat: 0, actions: ["fold", "call", "all_in"], canCheck: false, toCall: 2, minRaiseTo: null, maxRaiseTo: null });
    const events = t.act(0, "call");
    assert.equal(t.eventsOf("player_acted", events)[0].data.allIn, true);
    assert.equal(t.state.street, "idle"); // the big blind had nobody to bet against
  });

  it("refuses commands at the wrong time", () => {
    assert.equal(t.refuse({ type: "act", seat: 0, action: "check" }).message, "no hand is in progress");
    assert.equal(t.refuse({ type: "start_hand", seats: [{ seat: 0, userId: "a", stack: 10 }] }).code, "ILLEGAL_ACTION");
    assert.equal(t.refuse({ type: "start_hand", seats: [{ seat: 0, userId: "a", stack: 10 }, { seat: 0, userId: "b", stack: 10 }] }).code, "VALIDATION_FAILED");
    assert.equal(t.refuse({ type: "start_hand", seats: [{ seat: 0, userId: "a", stack: 10 }, { seat: 1, userId: "b", stack: 0 }] }).code, "VALIDATION_FAILED");
    t.start([100, 100]);
    assert.equal(t.refuse({ type: "start_hand", seats: [{ seat: 0, userId: "a", stack: 10 }, { seat: 1, userId: "b", stack: 10 }] }).message, "a hand is already in progress");
    assert.equal(t.refuse({ type: "act", seat: 5, action: "fold" }).code, "NOT_YOUR_TURN");
    t.options = { ...t.options, bigBlind: 1 };
    assert.equal(t.refuse({ type: "act", seat: 0, action: "fold" }).code, "VALIDATION_FAILED");
  });
});
