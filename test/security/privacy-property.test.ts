/**
 * Property: over random holdem games with sits, stands (mid-hand too), closes, reloads,
 * network drops and reconnects, spectators (including a second tab of a seated player)
 * and resyncs from any seq, no viewer ever receives a card it is not entitled to.
 * Checked on every message each viewer is sent: each `ev`, each resync reply (events or
 * snapshot), and each full state and state patch, decoded the way a client decodes it
 * and also searched byte for byte. Entitlement comes from `CardOracle` (the rules), not
 * from the views under test.
 *
 * The table is driven by `TableSim`: the real authority (`TableMaster`, on a clock the
 * test moves), what the room does with what it is told (projection, SeatViews, event
 * views) and the real Colyseus serializer.
 * fast-check makes the games: each game is a list of choices (every random decision of
 * the game, the deck shuffles included, reads the next one; 0 once they run out), so a
 * failing game shrinks to a short list that still fails. Each run tries new games;
 * PRIVACY_GAMES sets how many (default 500), and a failure prints the seed and path
 * that replay it (PRIVACY_SEED, PRIVACY_PATH).
 */
import assert from "node:assert/strict";
import type { TableEvent } from "@holdfast/shared";
import { holdemGameState } from "../../server/src/tables/games/holdem-game.ts";
import fc from "fast-check";
import { choiceRng, gameChoices, replayFromEnv } from "../support/choices.ts";
import { CardOracle, stringsIn } from "./card-oracle.ts";
import { TableSim, type Receiver, type SimConn } from "./table-sim.ts";

const GAMES = Number(process.env.PRIVACY_GAMES ?? 500);


interface Tally {
  games: number;
  hands: number;
  events: number;
  resyncs: number;
  snapshots: number;
  states: number;
  midHandLeaves: number;
  newcomersInOldSeat: number;
}

/** The msgpack form of a two-character string: how a card travels inside a state patch. */
const packed = (card: string) => Buffer.from([0xa2, card.charCodeAt(0), card.charCodeAt(1)]);

function checker(oracle: CardOracle, sim: () => TableSim, tally: Tally): Receiver {
  const fail = (conn: SimConn, what: string, detail: unknown) =>
    assert.fail(`${conn.userId} (${conn.sessionId}, seat ${conn.seat}) received ${what}: ${JSON.stringify(detail)}`);

  const checkEvent = (conn: SimConn, e: TableEvent) => {
    if (e.type === "holdem.deck_shuffled" && Object.keys(e.data).length > 0) fail(conn, "the deck", e);
    if (e.type === "holdem.hole_cards_dealt" && e.data.cards !== undefined) {
      const owner = oracle.ownerOfDeal(e.seq, e.data.seat as number);
      if (owner !== conn.userId) fail(conn, `${owner}'s hole cards`, e);
    }
    const secrets = oracle.secrets(oracle.handAt(e.seq), conn.userId, e.seq);
    const leaked = stringsIn(e.data).filter((s) => secrets.includes(s));
    if (leaked.length > 0) fail(conn, `secret cards ${leaked}`, e);
  };

  return {
    event(conn, e) {
      tally.events++;
      checkEvent(conn, e);
    },
    resync(conn, reply) {
      tally.resyncs++;
      for (const e of reply.events) checkEvent(conn, e);
      if (reply.snapshot) {
        tally.snapshots++;
        const secrets = oracle.secrets(oracle.handAt(reply.toSeq), conn.userId, reply.toSeq);
        const leaked = stringsIn(reply.snapshot).filter((s) => secrets.includes(s));
        if (leaked.length > 0) fail(conn, `secret cards ${leaked} in a snapshot`, reply.snapshot);
      }
    },
    state(conn, bytes) {
      tally.states++;
      const table = sim();
      const seq = table.model.seq;
      const secrets = oracle.secrets(oracle.handAt(seq), conn.userId, seq);
      const buffer = Buffer.from(bytes);
      for (const card of secrets) if (buffer.includes(packed(card))) fail(conn, `secret card ${card} in a state patch`, { seq });
      const h = conn.decoded.holdem;
      if (!h) return;
      const seen = stringsIn([Array.from(h.board ?? []), ...Array.from(h.seats ?? []).map((s) => [Array.from(s.holeCards ?? []), Array.from(s.shownCards ?? [])])]);
      const leaked = seen.filter((s) => secrets.includes(s));
      if (leaked.length > 0) fail(conn, `secret cards ${leaked} in its decoded state`, { seq });
      // Hole cards in the state only at the viewer's own seat, while it plays the hand dealt there.
      const rules = holdemGameState(table.model).holdem;
      for (const s of Array.from(h.seats ?? [])) {
        if ((s.holeCards?.length ?? 0) === 0) continue;
        const player = rules.players.find((p) => p.seat === s.seat);
        const ok = player?.userId === conn.userId && table.model.seats[s.seat]?.userId === conn.userId;
        if (!ok) fail(conn, `hole cards at seat ${s.seat}`, { seq, cards: Array.from(s.holeCards) });
      }
    },
  };
}

/** One game made of `choices`; returns nothing, fails on the first violation. */
async function playGame(choices: readonly number[], tally: Tally): Promise<void> {
  const rng = choiceRng(choices);
  const oracle = new CardOracle();
  const seats = 2 + rng(5);
  const sim: TableSim = new TableSim(rng, seats, 20 + rng(200), checker(oracle, () => sim, tally));
  sim.onCommit = (logged) => {
    for (const e of logged) {
      oracle.observe(e);
      if (e.type === "holdem.hand_started") tally.hands++;
    }
  };
  const users = Array.from({ length: seats + 2 + rng(3) }, (_, i) => `u${i}`);
  const pick = <T>(items: T[]): T | undefined => (items.length ? items[rng(items.length)] : undefined);
  const dropped: SimConn[] = [];
  /** Seats vacated mid-hand, for a newcomer to take while the old hand is on. */
  const vacated: number[] = [];

  for (const u of users.slice(0, 3)) await sim.join(u, false);
  const steps = 120 + rng(180);
  for (let step = 0; step < steps; step++) {
    const conns = [...sim.conns.values()].filter((c) => c.joined);
    const seated = conns.filter((c) => sim.seatOfSession(c.sessionId) !== null);
    const watching = conns.filter((c) => sim.seatOfSession(c.sessionId) === null);
    const hand = holdemGameState(sim.model).holdem;
    const live = hand.street !== "idle";
    const roll = rng(100);
    if (roll < 22) {
      await sim.tick(rng(6) === 0 ? 25_000 : 50 + rng(4000));
    } else if (roll < 45) {
      await sim.actRandomly();
    } else if (roll < 55) {
      const conn = pick(watching.filter((c) => !sim.model.seats.some((s) => s.userId === c.userId)));
      const empty = sim.model.seats.filter((s) => s.userId === null).map((s) => s.index);
      const seat = vacated.find((s) => empty.includes(s)) ?? pick(empty);
      if (conn && seat !== undefined && (await sim.sit(conn, seat, 100 + rng(900)))) {
        if (vacated.includes(seat) && live) tally.newcomersInOldSeat++;
        vacated.splice(0, vacated.length);
      }
    } else if (roll < 61) {
      const conn = pick(seated);
      if (conn) {
        const seat = conn.seat!;
        const inHand = live && hand.players.some((p) => p.seat === seat && p.userId === conn.userId && !p.folded);
        await sim.stand(conn);
        if (inHand) {
          tally.midHandLeaves++;
          vacated.push(seat);
          // The rule: their hand is folded at once (or the hand ended because of it).
          const after = holdemGameState(sim.model).holdem;
          const player = after.players.find((p) => p.seat === seat && p.userId === conn.userId);
          assert.ok(after.street === "idle" || after.handNo !== hand.handNo || player?.folded, "a player who stood up still has a live hand");
        }
      }
    } else if (roll < 65) {
      const conn = pick(conns);
      if (conn) await sim.leave(conn);
    } else if (roll < 71) {
      const conn = pick(conns);
      if (conn) {
        await sim.leave(conn); // a page reload: the tab goes, a new one joins with the stored seat and its last seq
        await sim.join(conn.userId, false, rng(sim.model.seq + 1));
      }
    } else if (roll < 75) {
      const conn = pick(conns);
      if (conn) {
        await sim.drop(conn);
        dropped.push(conn);
      }
    } else if (roll < 79) {
      const conn = dropped.splice(rng(Math.max(1, dropped.length)), 1)[0];
      if (conn && sim.conns.has(conn.sessionId)) await sim.reconnect(conn);
    } else if (roll < 85) {
      const user = pick(users)!;
      await sim.join(user, rng(2) === 0, rng(3) === 0 ? rng(sim.model.seq + 1) : undefined);
    } else if (roll < 93) {
      const conn = pick(conns);
      if (conn) await sim.resync(conn, rng(sim.model.seq + 1));
    }
    if (rng(100) < 45) sim.patch();
  }
  sim.patch();
  tally.games++;
}

describe("security property: no viewer ever receives a card it is not entitled to", function () {
  this.timeout(600_000);

  it(`${GAMES} random games (fast-check, shrinking): every event, resync and state patch each viewer receives`, async () => {
    const tally: Tally = { games: 0, hands: 0, events: 0, resyncs: 0, snapshots: 0, states: 0, midHandLeaves: 0, newcomersInOldSeat: 0 };
    const started = Date.now();
    // A game reads about 1,000-3,000 choices (a shuffle alone takes 51).
    await fc.assert(
      fc.asyncProperty(gameChoices(1000, 4000), (choices) => playGame(choices, tally)),
      { numRuns: GAMES, ...replayFromEnv("PRIVACY") },
    );
    const messages = tally.events + tally.resyncs + tally.states;
    console.log(
      `      ${tally.games} games, ${tally.hands} hands, ${messages} messages checked ` +
        `(${tally.events} events, ${tally.resyncs} resync replies of which ${tally.snapshots} snapshots, ${tally.states} full states and patches); ` +
        `${tally.midHandLeaves} stand-ups mid-hand, ${tally.newcomersInOldSeat} newcomers in a seat whose hand was on; ${Date.now() - started} ms`,
    );
    assert.ok(tally.hands > GAMES, "the games dealt hands");
    assert.ok(tally.midHandLeaves > 0 && tally.newcomersInOldSeat > 0 && tally.snapshots > 0, "the attacks were tried");
  });
});
