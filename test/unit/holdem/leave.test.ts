import assert from "node:assert/strict";
import { TestTable, stackDeck } from "./helpers.ts";

/** A player leaving the table mid-hand (stand up, seat released): folded at once, in or out of turn. */
describe("holdem: a player who leaves mid-hand", () => {
  const holes = ["Ah Kh", "Qc Qd", "7s 2d", "9c 9d"];

  it("out of turn: folded at once, the turn stays, the chips stay in the pot", () => {
    const t = new TestTable();
    t.start([1000, 1000, 1000, 1000], stackDeck(holes)); // button 0, blinds 1 and 2, seat 3 to act
    assert.equal(t.state.toAct, 3);
    const pot = t.state.pots.reduce((n, p) => n + p.amount, 0);
    const events = t.run({ type: "leave", seat: 2, userId: "u2" }); // the big blind leaves
    assert.deepEqual(events.map((e) => e.type), ["player_left"]);
    assert.equal(t.player(2).folded, true);
    assert.equal(t.player(2).totalCommitted, 10, "the big blind stays in");
    assert.equal(t.state.pots.reduce((n, p) => n + p.amount, 0), pot);
    assert.ok(t.state.pots.every((p) => !p.eligible.includes(2)), "and can no longer be won back");
    assert.equal(t.state.toAct, 3);
    t.act(3, "call");
    t.act(0, "call");
    t.act(1, "call");
    assert.equal(t.state.street, "flop", "the folded leaver is not asked to act");
    t.assertReplay();
  });

  it("in turn: the turn moves on at once", () => {
    const t = new TestTable();
    t.start([1000, 1000, 1000, 1000], stackDeck(holes));
    const events = t.run({ type: "leave", seat: 3, userId: "u3" });
    assert.deepEqual(events.map((e) => e.type), ["player_left", "turn_started"]);
    assert.equal(t.state.toAct, 0);
  });

  it("leaving one player: the hand ends and the pot (with the leaver's chips) goes to them", () => {
    const t = new TestTable();
    t.start([1000, 1000], stackDeck(holes.slice(0, 2))); // heads-up: button 0 is the small blind and acts first
    const events = t.run({ type: "leave", seat: 1, userId: "u1" }); // the big blind leaves out of turn
    assert.deepEqual(events.map((e) => e.type), ["player_left", "pot_awarded", "hand_ended"]);
    assert.equal(t.state.street, "idle");
    assert.deepEqual(t.stacks(), { 0: 1010, 1: 990 });
    assert.ok(!t.log.some((e) => e.type === "showdown"), "nobody's cards are shown");
  });

  it("when everyone else is all-in and matched, the street moves on without the player to act", () => {
    const t = new TestTable();
    t.start([10, 1000, 1000], stackDeck(holes.slice(0, 3))); // button 0 (10 chips), blinds 1 and 2
    t.act(0, "all_in"); // 10: a call all-in
    t.act(1, "call");
    assert.equal(t.state.toAct, 2, "the big blind has its option");
    t.run({ type: "leave", seat: 1, userId: "u1" }); // out of turn: now only an all-in player is left against seat 2
    assert.equal(t.state.street, "idle", "nobody can bet against seat 2: the board runs out and the hand ends");
    assert.ok(t.log.some((e) => e.type === "showdown"));
    const shown = t.eventsOf("showdown")[0].data.reveals.map((r) => r.seat);
    assert.deepEqual(shown, [0, 2], "the leaver's hand is not shown");
  });

  it("facing an all-in, the player to act still has to answer after another player leaves", () => {
    const t = new TestTable();
    t.start([1000, 300, 1000], stackDeck(holes.slice(0, 3)));
    t.act(0, "call");
    t.act(1, "all_in");
    t.act(2, "call");
    t.run({ type: "leave", seat: 2, userId: "u2" });
    assert.equal(t.state.toAct, 0, "seat 0 still owes the all-in");
    t.act(0, "call");
    assert.equal(t.state.street, "idle");
  });

  it("does nothing between hands, for someone not dealt in, for another user at that seat, or twice", () => {
    const t = new TestTable();
    assert.deepEqual(t.run({ type: "leave", seat: 0, userId: "u0" }), []);
    t.start([1000, 1000, 1000], stackDeck(holes.slice(0, 3)));
    assert.deepEqual(t.run({ type: "leave", seat: 5, userId: "u5" }), []);
    assert.deepEqual(t.run({ type: "leave", seat: 1, userId: "someone-who-sat-later" }), []);
    t.run({ type: "leave", seat: 1, userId: "u1" });
    assert.deepEqual(t.run({ type: "leave", seat: 1, userId: "u1" }), []);
  });
});

/** An operator closing the table mid-hand: the hand is called off, chips go back. */
describe("holdem: a hand called off (cancel_hand)", () => {
  const holes = ["Ah Kh", "Qc Qd", "7s 2d", "9c 9d"];

  it("gives every player what they put in, side pots too, and ends the hand; between hands it does nothing", () => {
    const t = new TestTable();
    const start = [1000, 300, 1000, 1000];
    t.start(start, stackDeck(holes)); // button 0, blinds 1 and 2, seat 3 to act
    t.act(3, "raise", 200);
    t.act(0, "fold");
    t.act(1, "all_in"); // a side pot: seat 1 has only 300
    t.act(2, "call");
    const events = t.run({ type: "cancel_hand" });
    assert.ok(!events.some((e) => e.type === "pot_awarded"), "nobody wins the pot");
    assert.ok(events.some((e) => e.type === "hand_ended"), "the hand ends");
    assert.deepEqual(
      t.state.players.map((p) => p.stack),
      start,
      "everyone is back to their stack before the hand",
    );
    assert.equal(t.state.street, "idle");
    assert.equal(t.state.pots.reduce((n, p) => n + p.amount, 0), 0);
    t.assertReplay();
    assert.deepEqual(t.run({ type: "cancel_hand" }), [], "no hand in play: nothing to call off");
  });
});
