/**
 * Security: hole cards belong to the user and hand they were dealt to, not to the seat
 * index. Two attacks, through the real server and SDK:
 *  (a) live hand: A stands during preflop and D sits in A's seat; D must never see A's
 *      cards (state, events, resync), and A's hand is folded at once;
 *  (b) finished hand: X folds and leaves, Y sits in X's seat and asks `resync {lastSeq:0}`;
 *      the reply must not carry X's cards.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";
import { eventsIn, holdemOf, mentionsAny, recordMessages } from "./viewer-records.ts";

const JWT_SECRET = `security-holes-${randomUUID()}`;

describe("security: hole cards are owned by (user, hand), not by seat", function () {
  this.timeout(90_000);
  let server: ServerProcess;
  let admin: string;
  const open: TableConnection[] = [];

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, SEAT_GRACE_SECONDS: "30", HEARTBEAT_SECONDS: "1" }, timeoutMs: 120_000 });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    await server?.stop();
  });

  async function table(): Promise<string> {
    const tableId = `sec-${randomUUID().slice(0, 8)}`;
    const options = { smallBlind: 5, bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000, turnSeconds: 60, awayActSeconds: 30 };
    const res = await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 6, options } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return tableId;
  }

  async function connect(name: string, tableId: string): Promise<TableConnection> {
    const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage(), heartbeatSeconds: 1 });
    await client.auth.guest(name);
    const conn = await client.tables.join(tableId);
    open.push(conn);
    return conn;
  }

  /** The player to act among `players` checks, or calls, or (if `fold` names it) folds. */
  async function playTurn(players: TableConnection[], fold?: TableConnection): Promise<void> {
    const h = holdemOf(players[0]);
    const turn = players.find((p) => p.seat === h.toAct);
    if (!turn || h.street === "idle") return;
    if (turn === fold) await turn.act("fold").catch(() => undefined);
    else await turn.act("check").catch(() => turn.act("call").catch(() => undefined));
  }

  /** Waits for a hand in which all of `players` are dealt in, folding away any smaller hand first. */
  async function handWithAll(players: TableConnection[]): Promise<number> {
    const watcher = players[0];
    const giveUpAt = Date.now() + 30_000;
    for (;;) {
      assert.ok(Date.now() < giveUpAt, "no hand dealt to all the players");
      const h = holdemOf(watcher);
      const dealt = players.every((p) => holdemOf(p).handNo === h.handNo && holdemOf(p).seats[p.seat!]?.holeCards.length === 2);
      if (h.street === "preflop" && dealt) return h.handNo;
      if (h.street !== "idle" && !players.every((p) => holdemOf(watcher).seats[p.seat!]?.inHand)) {
        const turn = players.find((p) => p.seat === h.toAct);
        await turn?.act("fold").catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("(a) live hand: A stands during preflop, D sits in A's seat: A's hand is folded and D never sees A's cards", async () => {
    const tableId = await table();
    const [a, b, c] = [await connect("anna", tableId), await connect("bob", tableId), await connect("cy", tableId)];
    await a.sit({ seat: 0, buyIn: 500 });
    await b.sit({ seat: 2, buyIn: 500 });
    await c.sit({ seat: 4, buyIn: 500 });
    const handNo = await handWithAll([a, b, c]);
    const aCards = holdemOf(a).seats[0].holeCards;
    assert.equal(aCards.length, 2);

    const d = await connect("dee", tableId);
    const dRaw = recordMessages(d);
    // D's decoded state after every patch, while A's hand is on: seat 0 must never show cards.
    const dSaw: string[][] = [];
    d.onState(() => {
      const h = holdemOf(d);
      if (h.handNo === handNo && h.seats[0]?.holeCards.length) dSaw.push(h.seats[0].holeCards);
    });
    const seenByB: TableEvent[] = [];
    b.onEvent((e) => seenByB.push(e));
    await a.stand();
    // A's hand is folded at once (its chips stay in the pot), whoever's turn it was.
    await eventually(() => seenByB.some((e) => e.type === "holdem.player_left" && e.data.seat === 0), 5000, "A's hand folded");
    await eventually(() => holdemOf(b).seats[0]?.folded === true, 3000, "seat 0 shows a folded hand");
    assert.equal(holdemOf(b).handNo, handNo, "the hand goes on without A");

    await d.sit({ seat: 0, buyIn: 500 });
    // B and C play on to the flop (and further) while D sits in A's old seat.
    const giveUpAt = Date.now() + 30_000;
    while (holdemOf(b).handNo === handNo && holdemOf(b).street === "preflop" && Date.now() < giveUpAt) {
      await playTurn([b, c]);
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.ok(holdemOf(b).handNo !== handNo || holdemOf(b).street !== "preflop", "the hand left preflop");
    assert.deepEqual(dSaw, [], "D's state showed cards in A's old seat during A's hand");
    const reply = await d.room.request("resync", { lastSeq: 0 });

    // Nothing D received while A's hand was on, nor the resync, carries A's cards.
    const ended = seenByB.find((e) => e.type === "holdem.hand_ended" && e.data.handNo === handNo);
    const during = dRaw.filter((m) => m.type !== "ev" || !ended || (m.payload as TableEvent).seq <= ended.seq);
    assert.deepEqual(mentionsAny(during, aCards), [], "A's cards reached D");
    const resyncDeals = ((reply as { events: TableEvent[] }).events ?? []).filter((e) => e.type === "holdem.hole_cards_dealt" && e.data.cards);
    assert.ok(resyncDeals.every((e) => !ended || e.seq > ended.seq), `D's resync carried another player's cards: ${JSON.stringify(resyncDeals)}`);
    assert.ok(eventsIn(dRaw).every((e) => e.type !== "holdem.hole_cards_dealt" || !e.data.cards || !ended || e.seq > ended.seq));
  });

  it("(b) finished hand: X folds and leaves, Y sits in X's seat: resync {lastSeq: 0} does not give Y X's cards", async () => {
    const tableId = await table();
    const x = await connect("xena", tableId);
    const p = await connect("pat", tableId);
    await x.sit({ seat: 0, buyIn: 500 });
    await p.sit({ seat: 1, buyIn: 500 });
    const handNo = await handWithAll([x, p]);
    const xCards = holdemOf(x).seats[0].holeCards;
    const seenByP: TableEvent[] = [];
    p.onEvent((e) => seenByP.push(e));

    // X folds on its turn (P checks or calls until then): no showdown, X's cards stay secret.
    const giveUpAt = Date.now() + 30_000;
    while (!seenByP.some((e) => e.type === "holdem.hand_ended" && e.data.handNo === handNo) && Date.now() < giveUpAt) {
      await playTurn([x, p], x);
      await new Promise((r) => setTimeout(r, 30));
    }
    const ended = seenByP.find((e) => e.type === "holdem.hand_ended" && e.data.handNo === handNo);
    assert.ok(ended, "the hand ended");
    assert.ok(!seenByP.some((e) => e.type === "holdem.showdown" && e.seq <= ended.seq), "no showdown");
    await x.stand();
    await x.leave();

    const y = await connect("yuri", tableId);
    await y.sit({ seat: 0, buyIn: 500 });
    const reply = (await y.room.request("resync", { lastSeq: 0 })) as { events: TableEvent[]; snapshot?: unknown };
    const oldHand = reply.events.filter((e) => e.seq <= ended.seq);
    assert.ok(oldHand.some((e) => e.type === "holdem.hole_cards_dealt"), "the resync covers X's hand");
    for (const e of oldHand.filter((e) => e.type === "holdem.hole_cards_dealt")) {
      assert.equal(e.data.cards, undefined, `Y received X's hole cards: ${JSON.stringify(e)}`);
    }
    assert.deepEqual(mentionsAny(oldHand, xCards), [], "X's cards in Y's resync");
  });
});
