import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, HoldfastError, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { http, signInGuest } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";
import { recordMessages } from "../security/viewer-records.ts";

const JWT_SECRET = "e2e-holdem-secret-0123456789abcdef";


interface HoldemView {
  handNo: number;
  street: string;
  toAct: number;
  turnDeadline: number;
  board: string[];
  seats: { seat: number; inHand: boolean; holeCards: string[]; shownCards: string[]; folded: boolean }[];
}
/** The hand as this client sees it; `holeCards` is absent (not just empty) where the view hides it. */
const holdem = (c: TableConnection): HoldemView => {
  const h = (c.state as unknown as { holdem?: HoldemView }).holdem;
  if (!h) return { handNo: 0, street: "idle", toAct: -1, turnDeadline: 0, board: [], seats: [] };
  return { ...h, seats: Array.from(h.seats ?? []).map((s) => ({ ...s, holeCards: Array.from(s.holeCards ?? []) })) };
};

describe("holdem tables (e2e through the SDK)", function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let admin: string;
  const open: TableConnection[] = [];

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, SEAT_GRACE_SECONDS: "30", HEARTBEAT_SECONDS: "1" } });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave()));
    await server?.stop();
  });

  async function table(turnSeconds = 20, awayActSeconds = 1): Promise<string> {
    const tableId = `h-${randomUUID().slice(0, 8)}`;
    const res = await http(server.url, "POST", "/api/tables", {
      token: admin,
      body: { tableId, kind: "holdem", seats: 6, options: { smallBlind: 5, bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000, turnSeconds, awayActSeconds } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return tableId;
  }

  async function connect(name: string, tableId: string, options: { spectate?: boolean; storage?: MemoryStorage } = {}) {
    const client = new HoldfastClient({ url: server.url, storage: options.storage ?? new MemoryStorage(), heartbeatSeconds: 1 });
    if (!(await client.auth.restore())) await client.auth.guest(name);
    const conn = await client.tables.join(tableId, { spectate: options.spectate });
    open.push(conn);
    return conn;
  }

  it("deals a hand to two seated players: each sees only their own hole cards, a spectator sees none", async () => {
    const tableId = await table();
    const a = await connect("ann", tableId);
    const b = await connect("ben", tableId);
    const spec = await connect("spec", tableId, { spectate: true });
    const specEvents: TableEvent[] = [];
    spec.onEvent((e) => specEvents.push(e));
    const aEvents: TableEvent[] = [];
    a.onEvent((e) => aEvents.push(e));
    await a.sit({ seat: 1, buyIn: 500 });
    await b.sit({ seat: 4, buyIn: 500 });

    await eventually(() => holdem(a).street === "preflop" && holdem(a).seats[1]?.holeCards.length === 2, 8000, "deal");
    await eventually(() => holdem(b).seats[4]?.holeCards.length === 2, 3000, "b's cards");
    assert.equal(holdem(a).seats[4].holeCards.length, 0, "a does not see b's cards");
    assert.equal(holdem(b).seats[1].holeCards.length, 0, "b does not see a's cards");
    assert.ok(holdem(spec).seats.every((s) => s.holeCards.length === 0), "spectator sees no hole cards");
    // The private event reaches its player with cards, others with none (same seq, no gap).
    const mine = aEvents.find((e) => e.type === "holdem.hole_cards_dealt" && e.data.seat === 1);
    assert.equal((mine?.data.cards as string[]).length, 2);
    const specDeals = specEvents.filter((e) => e.type === "holdem.hole_cards_dealt");
    assert.ok(specDeals.length >= 2 && specDeals.every((e) => e.data.cards === undefined));
    assert.ok(!specEvents.some((e) => JSON.stringify(e.data).includes('"deck"')), "no deck in the public feed");
    const seqs = specEvents.map((e) => e.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), "spectator feed has no gaps");

    // The player to act acts; the other cannot act out of turn.
    const toAct = holdem(a).toAct;
    const actor = toAct === 1 ? a : b;
    const other = toAct === 1 ? b : a;
    await assert.rejects(other.act("check"), (err: unknown) => HoldfastError.from(err).code === "NOT_YOUR_TURN");
    await assert.rejects(actor.act("check"), (err: unknown) => HoldfastError.from(err).code === "ILLEGAL_ACTION");
    await actor.act("call");
    await eventually(() => holdem(a).toAct === (toAct === 1 ? 4 : 1), 3000, "turn passes");

    // The events API never gives anyone else's hole cards, nor the deck.
    const { token } = await signInGuest(server.url, "reader");
    const res = await http(server.url, "GET", `/api/tables/${tableId}/events?after=0&limit=1000`, { token });
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes('"deck"'));
    for (const e of res.body.events.filter((x: TableEvent) => x.type === "holdem.hole_cards_dealt")) assert.equal(e.data.cards, undefined);
  });

  it("plays a full hand between three clients; the spectator's raw messages carry no hole card before showdown; errors are not kicks", async () => {
    const tableId = await table();
    const spec = await connect("watcher", tableId, { spectate: true });
    // Every message the spectator's socket delivers, as decoded off the wire, before any
    // SDK handler sees it (the SDK's own "*" handler only gets unhandled types); batched
    // `evs` messages are recorded event by event.
    const raw = recordMessages(spec);
    const players = [await connect("p0", tableId), await connect("p1", tableId), await connect("p2", tableId)];
    for (const [i, p] of players.entries()) await p.sit({ seat: i * 2, buyIn: 400 });
    await eventually(() => players.every((p) => holdem(p).seats[p.seat!]?.holeCards.length === 2), 8000, "three players dealt");
    const hole = players.map((p) => holdem(p).seats[p.seat!].holeCards);
    const handNo = holdem(players[0]).handNo;

    // An out-of-turn action and an illegal one are answered with errors; the sockets stay.
    const toAct = holdem(players[0]).toAct;
    const waiting = players.find((p) => p.seat !== toAct)!;
    await assert.rejects(waiting.act("call"), (err: unknown) => HoldfastError.from(err).code === "NOT_YOUR_TURN");
    const actor = players.find((p) => p.seat === toAct)!;
    await assert.rejects(actor.act("raise", 1), (err: unknown) => HoldfastError.from(err).code === "ILLEGAL_ACTION");
    assert.ok(players.every((p) => p.status === "connected"), "nobody was kicked");

    // Everyone checks or calls until the hand ends.
    const deadline = Date.now() + 20_000;
    while (holdem(players[0]).handNo === handNo && holdem(players[0]).street !== "idle" && Date.now() < deadline) {
      const turn = players.find((p) => p.seat === holdem(p).toAct && holdem(p).street !== "idle");
      if (turn) await turn.act("check").catch(() => turn.act("call").catch(() => undefined));
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.ok(holdem(players[0]).handNo !== handNo || holdem(players[0]).street === "idle", "the hand finished");
    await eventually(() => raw.some((m) => m.type === "ev" && (m.payload as TableEvent).type === "holdem.hand_ended"), 3000, "hand_ended");
    const firstShowdown = raw.findIndex((m) => m.type === "ev" && (m.payload as TableEvent).type === "holdem.showdown");
    const beforeShowdown = JSON.stringify(raw.slice(0, firstShowdown === -1 ? raw.length : firstShowdown));
    for (const cards of hole) {
      assert.ok(!beforeShowdown.includes(JSON.stringify(cards)), `a hole pair ${cards} reached the spectator before showdown`);
      for (const card of cards) assert.ok(!beforeShowdown.includes(`"${card}"`) || holdem(spec).board.includes(card), `${card} in the spectator's raw messages`);
    }
    const ended = raw.find((m) => m.type === "ev" && (m.payload as TableEvent).type === "holdem.hand_ended")!.payload as TableEvent;
    const stacks = ended.data.stacks as { stack: number }[];
    const pots = raw.filter((m) => m.type === "ev" && (m.payload as TableEvent).type === "holdem.pot_awarded");
    assert.ok(pots.length >= 1, "a pot was awarded");
    assert.equal(stacks.reduce((n, s) => n + s.stack, 0), 1200, "chips are conserved across the hand");
  });

  it("a reloaded player is back in the seat with the same cards; an away player is auto-acted for", async () => {
    const tableId = await table(30, 3); // 3 s for an away player: enough for the reload below
    const storage = new MemoryStorage();
    const a = await connect("cat", tableId, { storage });
    const b = await connect("dan", tableId);
    await a.sit({ seat: 0, buyIn: 500 });
    await b.sit({ seat: 2, buyIn: 500 });
    await eventually(() => holdem(a).seats[0]?.holeCards.length === 2, 8000, "deal");
    const cards = [...holdem(a).seats[0].holeCards];

    await a.leave(); // the page goes away
    const reloaded = await connect("cat", tableId, { storage });
    assert.equal(reloaded.seat, 0);
    await eventually(() => holdem(reloaded).seats[0]?.holeCards.length === 2, 3000, "cards after reload");
    assert.deepEqual([...holdem(reloaded).seats[0].holeCards], cards);

    // Now b drops for good while the hand goes on: whenever it is b's turn, the table acts for b at once.
    const handNo = holdem(reloaded).handNo;
    const acted: TableEvent[] = [];
    reloaded.onEvent((e) => e.type === "holdem.player_acted" && acted.push(e));
    await b.leave();
    const giveUpAt = Date.now() + 15_000; // a guard for the loop, not a measurement
    while (holdem(reloaded).handNo === handNo && holdem(reloaded).street !== "idle" && Date.now() < giveUpAt) {
      if (holdem(reloaded).toAct === 0) await reloaded.act("check").catch(() => reloaded.act("call").catch(() => undefined));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(holdem(reloaded).handNo > handNo || holdem(reloaded).street === "idle", "the hand finished");
    assert.equal(reloaded.state.seats[2].status, "away", "the auto-folded player keeps the seat");
    // The table acted for the away player as an away action, never by running out its 30 s timer.
    const forB = acted.filter((e) => e.data.seat === 2);
    assert.ok(forB.length >= 1 && forB.every((e) => e.data.auto === "away"), JSON.stringify(forB.map((e) => e.data)));
  });
});
