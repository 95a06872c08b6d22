import assert from "node:assert/strict";
import type { HoldemView, TableEvent } from "@holdfast/client-sdk";
import { describe as tell, learn, newCast } from "../../web/src/history.ts";
import { legalActions } from "../../web/src/legal-actions.ts";
import { parseRoute } from "../../web/src/router.ts";

const ev = (seq: number, type: string, data: Record<string, unknown>): TableEvent => ({ seq, type, at: 0, data });

describe("web app: hand history lines", () => {
  it("tells a hand in words, with names and never ids, deck commitments or others' cards", () => {
    const cast = newCast();
    cast.me = { userId: "u_me", seat: 0 };
    const events = [
      ev(1, "seat.taken", { seat: 0, userId: "u_me", name: "Me", stack: 1000 }),
      ev(2, "seat.taken", { seat: 1, userId: "u_ada", name: "Ada", stack: 1000 }),
      ev(3, "holdem.hand_started", { handNo: 1, button: 1, smallBlind: 5, bigBlind: 10, deckCommitment: "abc123", seats: [{ seat: 0, userId: "u_me" }, { seat: 1, userId: "u_ada" }] }),
      ev(4, "holdem.blinds_posted", { posts: [{ seat: 1, blind: "small", amount: 5, allIn: false }, { seat: 0, blind: "big", amount: 10, allIn: false }], currentBet: 10 }),
      ev(5, "holdem.hole_cards_dealt", { seat: 0, cards: ["As", "Td"] }),
      ev(6, "holdem.hole_cards_dealt", { seat: 1, cardCount: 2 }),
      ev(7, "holdem.turn_started", { seat: 1, deadline: 0 }),
      ev(8, "holdem.player_acted", { seat: 1, action: "raise", amount: 35, committed: 40, toCall: 30, allIn: false, auto: null }),
      ev(9, "holdem.player_acted", { seat: 0, action: "call", amount: 30, committed: 40, toCall: 0, allIn: false, auto: null }),
      ev(10, "holdem.street_dealt", { street: "flop", cards: ["2h", "7c", "Kd"], board: ["2h", "7c", "Kd"] }),
      ev(11, "holdem.player_acted", { seat: 0, action: "check", amount: 0, committed: 0, toCall: 0, allIn: false, auto: "timeout" }),
      ev(12, "holdem.showdown", { reveals: [{ seat: 1, cards: ["Kh", "Ks"], rank: "three_of_a_kind", score: 1, best: [], description: "Three of a kind, Kings" }] }),
      ev(13, "holdem.pot_awarded", { potIndex: 0, amount: 80, winners: [{ seat: 1, amount: 80 }], reason: "showdown" }),
      ev(14, "seat.away", { seat: 1, userId: "u_ada", awayUntil: 0 }),
    ];
    const lines = events.map((e) => (learn(cast, e), tell(e, cast))).filter((l) => l !== null);
    assert.deepEqual(lines, [
      "You sit down at seat 1 with 1000",
      "Ada sits down at seat 2 with 1000",
      "Hand #1 starts (blinds 5/10, Ada has the button)",
      "Ada posts the small blind 5; You post the big blind 10",
      "You are dealt A♠ 10♦",
      "Ada raises to 40",
      "You call 30",
      "Flop: 2♥ 7♣ K♦",
      "You check (time ran out)",
      "Ada shows K♥ K♠ (Three of a kind, Kings)",
      "Ada wins 80 from the pot at showdown",
      "Ada is away",
    ]);
    for (const line of lines) assert.doesNotMatch(line!, /u_|abc123/);
  });

  it("tells dining events with dish names and who did it", () => {
    const cast = newCast();
    cast.me = { userId: "u_me", seat: 0 };
    cast.userNames.set("u_bo", "Bo");
    cast.dishNames.set("tea", "Jasmine tea");
    assert.equal(tell(ev(1, "cart.updated", { lineKey: "k", sku: "tea", quantity: 2, options: {}, note: "hot", by: "u_bo", expiresAt: 0 }), cast), 'Bo set Jasmine tea ("hot") to 2');
    assert.equal(tell(ev(2, "cart.updated", { lineKey: "k", sku: "tea", quantity: 1, options: {}, expiresAt: 0 }), cast), "Someone set Jasmine tea to 1");
    assert.equal(tell(ev(3, "order.created", { by: "u_me", items: [{ sku: "tea", quantity: 2 }], expiresAt: "" }), cast), "You checked out: 2 × Jasmine tea");
  });
});

describe("web app: legal actions", () => {
  const hand = (over: Partial<HoldemView> = {}, seats: Partial<HoldemView["seats"][number]>[] = [{}, {}]): HoldemView => ({
    handNo: 1,
    street: "preflop",
    button: 0,
    toAct: 0,
    turnDeadline: 0,
    currentBet: 10,
    minRaiseTo: 20,
    pot: 15,
    smallBlind: 5,
    bigBlind: 10,
    board: [],
    seats: seats.map((s, seat) => ({ seat, inHand: true, stack: 995, committed: seat === 0 ? 5 : 10, folded: false, allIn: false, holeCards: [], shownCards: [], ...s })),
    ...over,
  });

  it("offers call (with its amount), raise from the minimum and all-in; nothing out of turn", () => {
    assert.deepEqual(legalActions(hand(), 0), { canCheck: false, callAmount: 5, raiseKind: "raise", minRaiseTo: 20, maxRaiseTo: 1000, allInAmount: 995 });
    assert.equal(legalActions(hand(), 1), null, "not seat 1's turn");
    assert.equal(legalActions(hand(), null), null, "a spectator");
    assert.equal(legalActions(hand({ street: "showdown" }), 0), null);
  });

  it("check and bet on a street without a bet; call only (capped) when the stack does not cover it", () => {
    assert.deepEqual(legalActions(hand({ currentBet: 0 }, [{ committed: 0 }, { committed: 0 }]), 0)?.raiseKind, "bet");
    assert.equal(legalActions(hand({ currentBet: 0 }, [{ committed: 0 }, { committed: 0 }]), 0)?.canCheck, true);
    const short = legalActions(hand({ currentBet: 100 }, [{ committed: 0, stack: 60 }, { committed: 100 }]), 0)!;
    assert.equal(short.callAmount, 60);
    assert.equal(short.raiseKind, null);
    // Everyone else all-in: no raise.
    assert.equal(legalActions(hand({}, [{}, { allIn: true }]), 0)?.raiseKind, null);
  });
});

describe("web app: routes", () => {
  it("reads the hash", () => {
    assert.deepEqual(parseRoute(""), { name: "lobby" });
    assert.deepEqual(parseRoute("#/table/demo-holdem"), { name: "table", id: "demo-holdem" });
    assert.deepEqual(parseRoute("#/sale/s%201"), { name: "sale", id: "s 1" });
    assert.deepEqual(parseRoute("#/ops"), { name: "ops" });
    assert.deepEqual(parseRoute("#/nope/x/y"), { name: "not_found", path: "/nope/x/y" });
  });
});

describe("web app: the error banner", () => {
  it("an earlier error's timer never hides a later error", async () => {
    const { currentError, dismissError, showError } = await import("../../web/src/errors.ts");
    // Timers of 0 ms: they fire after these synchronous checks, and keep no process alive.
    showError(new Error("first"), 0);
    const first = currentError.value!;
    showError(new Error("second"), 0);
    const second = currentError.value!;
    assert.notEqual(first.id, second.id);
    dismissError(first.id); // what the first error's timer does when it fires
    assert.equal(currentError.value?.id, second.id, "the later error stays");
    dismissError(second.id);
    assert.equal(currentError.value, null);
  });
});
