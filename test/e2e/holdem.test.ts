import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, HoldfastError, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";

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

    // Public events API never carries hole cards or the deck.
    const res = await http(server.url, "GET", `/api/tables/${tableId}/events?after=0&limit=1000`);
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes('"deck"'));
    for (const e of res.body.events.filter((x: TableEvent) => x.type === "holdem.hole_cards_dealt")) assert.equal(e.data.cards, undefined);
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
    await b.leave();
    const started = Date.now();
    while (holdem(reloaded).handNo === handNo && holdem(reloaded).street !== "idle" && Date.now() - started < 15_000) {
      if (holdem(reloaded).toAct === 0) await reloaded.act("check").catch(() => reloaded.act("call").catch(() => undefined));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(holdem(reloaded).handNo > handNo || holdem(reloaded).street === "idle", "the hand finished without waiting 30 s turns");
    assert.ok(Date.now() - started < 15_000);
  });
});
