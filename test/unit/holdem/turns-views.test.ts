import assert from "node:assert/strict";
import { publicEvent, viewState, viewerEvent, type HoldemEvent } from "../../../server/src/tables/games/holdem/index.ts";
import { TestTable, stackDeck } from "./helpers.ts";

describe("holdem turn timers and away players", () => {
  let t: TestTable;
  beforeEach(() => {
    t = new TestTable();
  });
  afterEach(() => {
    t.assertReplay();
  });

  const timeOut = (seat: number) => {
    t.now = t.state.turnDeadline!;
    return t.run({ type: "timeout", seat });
  };
  const acted = (events: HoldemEvent[]) => t.eventsOf("player_acted", events)[0].data;

  it("a timeout is refused before the deadline, then checks when it can and folds when it must", () => {
    t.start([1000, 1000, 1000]);
    t.now += 19_999;
    const early = t.refuse({ type: "timeout", seat: 0 });
    assert.equal(early.code, "ILLEGAL_ACTION");
    assert.match(early.message, /still has 1s/);
    assert.equal(t.refuse({ type: "timeout", seat: 1 }).code, "NOT_YOUR_TURN");
    const fold = acted(timeOut(0));
    assert.deepEqual([fold.action, fold.auto], ["fold", "timeout"]);
    t.act(1, "call");
    const check = acted(timeOut(2)); // the big blind may check
    assert.deepEqual([check.action, check.auto], ["check", "timeout"]);
    assert.equal(t.state.street, "flop");
    assert.equal(t.state.turnDeadline, t.now + 20_000);
  });

  it("stands a player up after N consecutive hands with a timeout; one timeout per hand counts once", () => {
    // Hand 1: seat 0 is first to act and times out.
    t.start([1000, 1000, 1000]);
    timeOut(0);
    t.act(1, "fold");
    assert.equal(t.state.timeoutStreaks["0:u0"], 1);
    // Hand 2: seat 0 is the big blind and times out twice.
    t.next();
    t.act(1, "call");
    t.act(2, "call");
    timeOut(0);
    t.act(2, "check");
    timeOut(0);
    t.act(1, "check");
    assert.equal(t.player(0).timeouts, 2);
    t.act(2, "bet", 10);
    timeOut(0);
    t.act(1, "fold");
    assert.equal(t.state.timeoutStreaks["0:u0"], 2);
    // Hand 3: the third hand in a row.
    t.next();
    t.act(2, "fold");
    const last = timeOut(0);
    assert.deepEqual(
      last.slice(-2).map((e) => e.type),
      ["hand_ended", "player_stood_up_for_timeouts"],
    );
    assert.deepEqual(last.at(-1)!.data, { seat: 0, userId: "u0", timeouts: 3 });
    assert.equal(t.state.timeoutStreaks["0:u0"], undefined);
  });

  it("acting yourself ends the streak; away actions do not count and need no timer", () => {
    t.start([1000, 1000, 1000]);
    timeOut(0);
    t.act(1, "fold");
    t.next();
    t.act(1, "call");
    t.act(2, "call");
    t.act(0, "check"); // back at the keyboard
    assert.equal(t.player(0).timeouts, 0);
    const away = acted(t.run({ type: "away_action", seat: 2 }));
    assert.deepEqual([away.action, away.auto], ["check", "away"]);
    assert.equal(t.player(2).timeouts, 0);
    t.act(0, "bet", 20);
    const fold = acted(t.run({ type: "away_action", seat: 1 }));
    assert.deepEqual([fold.action, fold.auto], ["fold", "away"]);
  });

  it("timeoutsBeforeStandUp 0 never stands anyone up", () => {
    t = new TestTable({ timeoutsBeforeStandUp: 0 });
    t.start([1000, 1000]);
    for (let hand = 0; hand < 4; hand++) {
      if (hand > 0) t.next();
      while (t.state.street !== "idle") timeOut(t.state.toAct!);
    }
    assert.equal(t.eventsOf("player_stood_up_for_timeouts").length, 0);
  });
});

describe("holdem hidden cards", () => {
  const holes = ["Ah Kh", "Qc Qd", "7s 2d"]; // seats 1, 2, 0
  const hidden = holes.flatMap((h) => h.split(" "));

  function playToShowdown() {
    const t = new TestTable();
    t.start([1000, 1000, 1000], stackDeck(holes, "Qs 9h 4c 3d 2s"));
    t.act(0, "call");
    t.act(1, "call");
    t.act(2, "check");
    for (let i = 0; i < 3; i++) for (const seat of [1, 2, 0]) t.act(seat, "check");
    return t;
  }

  it("the public feed carries no hole card before showdown, and no deck ever", () => {
    const t = playToShowdown();
    const showdownAt = t.log.findIndex((e) => e.type === "showdown");
    const publicFeed = t.log.map(publicEvent);
    assert.equal(publicFeed.filter((e) => e === null).length, 1); // deck_shuffled
    const before = JSON.stringify(publicFeed.slice(0, showdownAt));
    for (const card of hidden) assert.ok(!before.includes(`"${card}"`), `${card} leaked`);
    const deals = publicFeed.filter((e) => e?.type === "hole_cards_dealt");
    assert.deepEqual(deals[0], { type: "hole_cards_dealt", visibility: "public", data: { seat: 1, cardCount: 2 } });
    // Showdown is public and shows every live hand.
    assert.ok(JSON.stringify(publicFeed[showdownAt]).includes('"Ah"'));
    t.assertReplay();
  });

  it("each player gets their own cards and nobody else's", () => {
    const t = playToShowdown();
    const deals = t.log.filter((e) => e.type === "hole_cards_dealt");
    const users = t.state.players.map((p) => p.userId);
    for (const deal of deals) {
      const owner = deal.visibility as { seat: number; userId: string; handNo: number };
      assert.equal(owner.userId, t.state.players.find((p) => p.seat === owner.seat)!.userId);
      assert.equal(owner.handNo, t.state.handNo);
      assert.deepEqual(viewerEvent(deal, owner.userId), deal);
      for (const other of [...users, "someone-new", null].filter((u) => u !== owner.userId)) {
        assert.deepEqual(viewerEvent(deal, other), publicEvent(deal));
      }
    }
    assert.equal(viewerEvent(t.log.find((e) => e.type === "deck_shuffled")!, users[0]), null);
    // An entry owned by a bare seat index (an old log) is nobody's: never shown.
    const legacy = { ...deals[0], visibility: { seat: (deals[0].visibility as { seat: number }).seat } } as unknown as typeof deals[0];
    assert.deepEqual(viewerEvent(legacy, users[0]), publicEvent(legacy));
  });

  it("viewState hides the deck and others' unrevealed cards", () => {
    const t = new TestTable();
    t.start([1000, 1000, 1000], stackDeck(holes, "Qs 9h 4c 3d 2s"));
    const view = viewState(t.state, t.state.players.find((p) => p.seat === 2)!.userId);
    assert.ok(!("deck" in view));
    assert.deepEqual(
      view.players.map((p) => p.holeCards),
      [null, null, ["Qc", "Qd"]],
    );
    assert.ok(viewState(t.state, null).players.every((p) => p.holeCards === null));
    const after = playToShowdown();
    assert.ok(viewState(after.state, null).players.every((p) => p.holeCards !== null));
  });
});
