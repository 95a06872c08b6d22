/**
 * The privacy property through the real room: a few tables on a real server, each with
 * SDK clients that sit, stand (mid-hand too), act, reload their page, open a second
 * watching tab, and ask for resyncs from random seqs, chosen by a seeded RNG. Every
 * `ev` and resync reply each connection receives, and its decoded state after every
 * patch, is recorded; at the end what was recorded so far is checked against the
 * rules-only `CardOracle`, fed the log up to the last seq recorded (each user's own view
 * of the events API, merged). Smaller than the pure property test (timing is real), but
 * nothing here is simulated. PRIVACY_ROOM_SECONDS sets how long each table plays (default 20).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { unpackEvents, type PackedEvents } from "@holdfast/shared";
import { seededRng, type Rng } from "../../server/src/tables/games/holdem/index.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { http } from "../support/http.ts";
import { adminToken } from "../support/e2e.ts";
import { CardOracle, mergeViews, stringsIn } from "./card-oracle.ts";
import { holdemOf, recordMessages } from "./viewer-records.ts";

const JWT_SECRET = `security-room-${randomUUID()}`;
const SECONDS = Number(process.env.PRIVACY_ROOM_SECONDS ?? 20);
const TABLES = 3;

/** Something one connection received, with the seq it is about. */
type Received =
  | { kind: "event"; userId: string; event: TableEvent }
  | { kind: "snapshot"; userId: string; seq: number; value: unknown }
  | { kind: "state"; userId: string; seq: number; cards: string[] };

const seqOf = (item: Received): number => (item.kind === "event" ? item.event.seq : item.seq);

interface Player {
  userId: string;
  token: string;
  client: HoldfastClient;
  conn: TableConnection | null;
  /** A second tab that only watches. */
  extra: TableConnection | null;
}

describe("security property through the real room (smaller run)", function () {
  this.timeout(SECONDS * 1000 * 3 + 180_000);
  let server: ServerProcess;
  let admin: string;
  const open: TableConnection[] = [];

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, SEAT_GRACE_SECONDS: "10", HEARTBEAT_SECONDS: "1" }, timeoutMs: 120_000 });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    await server?.stop();
  });

  /** Records everything `conn` receives on behalf of `userId`. */
  function watch(conn: TableConnection, userId: string, out: Received[]): TableConnection {
    open.push(conn);
    const raw = recordMessages(conn);
    const originalPush = raw.push.bind(raw);
    raw.push = (...items) => {
      for (const m of items) {
        if (m.type === "ev") out.push({ kind: "event", userId, event: m.payload as TableEvent });
        if (m.type === "resync") record(userId, m.payload, out);
      }
      return originalPush(...items);
    };
    conn.onState(() => {
      const h = holdemOf(conn);
      const cards = stringsIn([h.board, h.seats.map((s) => [s.holeCards, s.shownCards])]);
      out.push({ kind: "state", userId, seq: conn.state.seq, cards });
    });
    return conn;
  }

  function record(userId: string, reply: unknown, out: Received[]): void {
    const r = reply as { events?: TableEvent[]; packed?: PackedEvents; snapshot?: unknown; toSeq: number };
    // Packed events (the SDK's own resyncs ask for them) are checked as the events they carry.
    for (const event of r.packed ? unpackEvents(r.packed) : (r.events ?? [])) out.push({ kind: "event", userId, event });
    if (r.snapshot) out.push({ kind: "snapshot", userId, seq: r.toSeq, value: r.snapshot });
  }

  let midHandStands = 0;

  async function playTable(seed: number): Promise<{ received: Received[]; log: TableEvent[]; hands: number }> {
    const rng: Rng = seededRng(seed);
    const tableId = `prop-${seed}-${randomUUID().slice(0, 6)}`;
    const options = { smallBlind: 5, bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000, turnSeconds: 3, awayActSeconds: 1 };
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4, options } })).status, 201);
    const received: Received[] = [];
    const players: Player[] = [];
    for (let i = 0; i < 6; i++) {
      const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage(), heartbeatSeconds: 1 });
      const session = await client.auth.guest(`p${i}`);
      const p: Player = { userId: session.userId, token: session.token, client, conn: null, extra: null };
      p.conn = watch(await client.tables.join(tableId), p.userId, received);
      players.push(p);
    }
    const pick = <T>(items: T[]): T | undefined => (items.length ? items[rng(items.length)] : undefined);
    const until = Date.now() + SECONDS * 1000;
    while (Date.now() < until) {
      const p = pick(players)!;
      const conn = p.conn!;
      const h = holdemOf(conn);
      const roll = rng(100);
      try {
        if (roll < 45 && conn.seat !== null && h.toAct === conn.seat && h.street !== "idle") {
          const action = pick(["check", "call", "call", "fold", "raise"] as const)!;
          await conn.act(action, action === "raise" ? 10 * (2 + rng(6)) : undefined).catch(() => conn.act("check").catch(() => conn.act("fold")));
        } else if (roll < 60 && conn.seat === null) {
          const empty = conn.state.seats.filter((s) => s.status === "empty").map((s) => s.index);
          const seat = pick(empty);
          if (seat !== undefined) await conn.sit({ seat, buyIn: 200 + rng(800) });
        } else if (roll < 68 && conn.seat !== null) {
          if (h.street !== "idle" && h.seats[conn.seat]?.inHand && !h.seats[conn.seat]?.folded) midHandStands++;
          await conn.stand(); // often mid-hand: the hand is folded, a newcomer may take the seat
        } else if (roll < 76) {
          await conn.leave(); // a page reload: the new tab reclaims the stored seat
          p.conn = watch(await p.client.tables.join(tableId), p.userId, received);
        } else if (roll < 82) {
          if (p.extra) {
            await p.extra.leave();
            p.extra = null;
          } else p.extra = watch(await p.client.tables.join(tableId, { spectate: true }), p.userId, received);
        } else if (roll < 92) {
          const reply = await conn.room.request("resync", { lastSeq: rng(conn.state.seq + 1) });
          record(p.userId, reply, received);
        }
      } catch {
        // Refusals (a taken seat, not your turn...) are part of the game; only leaks fail the test.
      }
      await new Promise((r) => setTimeout(r, 20 + rng(120)));
    }

    // What is checked is what arrived until now, against the log up to the last seq any
    // of it is about. The table plays on meanwhile (seated players are dealt new hands,
    // the recorders keep recording), so the log is cut at that seq: a log read later
    // would reach further for some users than for others (a deal read before its owner's
    // view held it has no cards), and an item past the log's end would be judged by a
    // hand that was not its own.
    const checked = received.slice();
    const upTo = checked.reduce((max, item) => Math.max(max, seqOf(item)), 0);
    const views: TableEvent[][] = [];
    for (const p of players) {
      // Each user's own view of the events API (a deal's cards come from the view of
      // whoever got them; the oracle decides ownership by the rules).
      const view: TableEvent[] = [];
      while ((view.at(-1)?.seq ?? 0) < upTo) {
        const after = view.at(-1)?.seq ?? 0;
        const res = await http(server.url, "GET", `/api/tables/${tableId}/events?after=${after}&limit=1000`, { token: p.token });
        assert.equal(res.status, 200);
        const events = res.body.events as TableEvent[];
        assert.ok(events.length > 0, `the events API ends at seq ${after}, before seq ${upTo} that a connection received`);
        view.push(...events.filter((e) => e.seq <= upTo));
      }
      views.push(view);
    }
    const ordered = mergeViews(views, upTo);
    return { received: checked, log: ordered, hands: ordered.filter((e) => e.type === "holdem.hand_started").length };
  }

  it(`${TABLES} tables played for ${SECONDS} s each by SDK clients: no connection ever receives a card it is not entitled to`, async () => {
    const results = await Promise.all(Array.from({ length: TABLES }, (_, i) => playTable(1000 + i)));
    let messages = 0;
    let hands = 0;
    for (const { received, log, hands: n } of results) {
      hands += n;
      const oracle = new CardOracle();
      for (const e of log) oracle.observe(e);
      for (const e of log.filter((x) => x.type === "holdem.hole_cards_dealt")) {
        assert.ok(Array.isArray(e.data.cards), `the deal at seq ${e.seq} reached nobody, not even its owner`);
      }
      for (const item of received) {
        messages++;
        const seq = seqOf(item);
        const secrets = oracle.secrets(oracle.handAt(seq), item.userId, seq);
        const value = item.kind === "event" ? item.event.data : item.kind === "snapshot" ? item.value : item.cards;
        const leaked = stringsIn(value).filter((s) => secrets.includes(s));
        assert.deepEqual(leaked, [], `${item.userId} received secret cards in a ${item.kind} at seq ${seq}: ${JSON.stringify(item)}`);
        if (item.kind === "event" && item.event.type === "holdem.hole_cards_dealt" && item.event.data.cards) {
          assert.equal(oracle.ownerOfDeal(seq, item.event.data.seat as number), item.userId, `${item.userId} received another player's deal`);
        }
      }
    }
    console.log(`      ${TABLES} tables, ${hands} hands, ${midHandStands} stand-ups mid-hand, ${messages} messages checked (events, resync replies, decoded states)`);
    assert.ok(hands >= TABLES, "hands were dealt");
  });
});
