/**
 * The privacy tests' card oracle judges only by a log that reaches the seq it is asked
 * about. The room test once read its log (each user's view of the events API, one after
 * another) while the table played on: items received after the read were judged by the
 * last hand the log held, and a deal read before its owner's view held it had no cards.
 * Both looked like leaks ("another player's deal", secret cards, a TypeError) although
 * every card had gone to its owner.
 */
import assert from "node:assert/strict";
import type { TableEvent } from "@holdfast/shared";
import { CardOracle, mergeViews } from "../security/card-oracle.ts";

const event = (seq: number, type: string, data: Record<string, unknown>): TableEvent => ({ seq, type: `holdem.${type}`, at: seq, data });
const handStarted = (seq: number, handNo: number, seats: [number, string][]) =>
  event(seq, "hand_started", { handNo, seats: seats.map(([seat, userId]) => ({ seat, userId, stack: 100 })) });

/** Hand 1: alice at seat 0, bob at seat 1; hand 2: carol took seat 1. Each user's view. */
function viewOf(user: "alice" | "bob" | "carol"): TableEvent[] {
  const deal = (seq: number, seat: number, owner: string, cards: string[]) =>
    event(seq, "hole_cards_dealt", owner === user ? { seat, cards } : { seat, cardCount: 2 });
  return [
    handStarted(1, 1, [[0, "alice"], [1, "bob"]]),
    deal(2, 0, "alice", ["As", "Kd"]),
    deal(3, 1, "bob", ["7c", "7h"]),
    event(4, "hand_ended", {}),
    handStarted(5, 2, [[0, "alice"], [1, "carol"]]),
    deal(6, 0, "alice", ["2s", "3d"]),
    deal(7, 1, "carol", ["Qh", "Jh"]),
  ];
}

describe("card oracle: judges only by a log that reaches the seq", () => {
  it("refuses to say whose a deal is past the end of its log (it would name the last hand's player)", () => {
    const oracle = new CardOracle();
    // A log read before hand 2: carol's deal at seq 7 (seat 1) is past its end.
    for (const e of mergeViews((["alice", "bob", "carol"] as const).map(viewOf), 4)) oracle.observe(e);
    assert.throws(() => oracle.ownerOfDeal(7, 1), /log ends at seq 4/);
    assert.throws(() => oracle.secrets(oracle.handAt(7), "carol", 7), /log ends at seq 4/);
  });

  it("a deal without cards in the log (its owner's view missing) fails as such, not as a TypeError", () => {
    const oracle = new CardOracle();
    const bobOnly = viewOf("bob");
    assert.throws(() => bobOnly.forEach((e) => oracle.observe(e)), /deal at seq 2 has no cards in the log/);
  });

  it("mergeViews: every view must reach the cut; the merged log gives each deal to its owner", () => {
    const full = (["alice", "bob", "carol"] as const).map(viewOf);
    // bob's view read before hand 2 began, the others after: refused.
    assert.throws(() => mergeViews([full[0], full[1].slice(0, 4), full[2]], 7), /view 1 of the log does not hold seq 5/);
    const oracle = new CardOracle();
    for (const e of mergeViews(full, 7)) oracle.observe(e);
    assert.equal(oracle.ownerOfDeal(3, 1), "bob");
    assert.equal(oracle.ownerOfDeal(7, 1), "carol");
    assert.deepEqual(oracle.secrets(oracle.handAt(7), "carol", 7).sort(), ["2s", "3d"]);
    // Cut earlier, events after the cut are left out for everyone.
    assert.equal(mergeViews(full, 4).length, 4);
  });
});
