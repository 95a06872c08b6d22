/**
 * Restore == live: a long random game (seat commands, and hold'em hands driven by random
 * legal actions, timeouts and due steps on a simulated clock) is played through the
 * table's authority, `TableMaster` (the same object the room drives: decide → seq →
 * durable log → evolve). At random points the table is snapshotted, and at others it is
 * restored (latest snapshot + replay of the later events, read from the hot log and
 * Postgres); the restored model must equal the live one.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { SeatStatus, type TableDto } from "@holdfast/shared";
import { DurableTableEventLog, MemoryHotTableLog } from "../../server/src/continuity/durable-table-event-log.ts";
import { HoldfastLocalDriver, ProcessLiveness } from "../../server/src/continuity/matchmaking.ts";
import { TableArchive } from "../../server/src/continuity/table-archive.ts";
import { TableContinuity, type TableHosting } from "../../server/src/continuity/table-continuity.ts";
import { MemoryTableLeases } from "../../server/src/continuity/table-lease.ts";
import { AppError } from "../../server/src/errors.ts";
import { holdemGame, holdemGameState } from "../../server/src/tables/games/holdem-game.ts";
import { legalActions } from "../../server/src/tables/games/holdem/betting.ts";
import { mulberry32 } from "../../server/src/tables/games/holdem/cards.ts";
import type { GameCommand } from "../../server/src/tables/games/table-game.ts";
import type { SeatCommand } from "../../server/src/tables/seat-decider.ts";
import { MemorySeatBindingStore } from "../../server/src/tables/seat-binding-store.ts";
import { TableMaster } from "../../server/src/tables/table-master.ts";
import { silent, testDatabase } from "./helpers.ts";
import type { Database } from "../../server/src/db/database.ts";

const STEPS = 3000;
const USERS = Array.from({ length: 9 }, (_, i) => `u${i}`);

describe("continuity: restore == live (random long game)", function () {
  this.timeout(120_000);
  let database: { db: Database; drop(): Promise<void> };
  let archive: TableArchive;

  before(async () => {
    database = await testDatabase("restorelive");
    archive = new TableArchive(database.db.pool, silent(), { flushMs: 5 });
  });

  after(async () => {
    await archive?.close();
    await database?.drop();
  });

  for (const seed of [1, 2]) {
    it(`seed ${seed}: ${STEPS} steps of seats and hold'em hands; every restore equals the live table`, async () => {
      const rng = mulberry32(seed * 7919);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
      const table: TableDto = {
        tableId: `prop-${seed}-${randomUUID().slice(0, 6)}`,
        kind: "holdem",
        seats: 6,
        options: { smallBlind: 5, bigBlind: 10, minBuyIn: 100, maxBuyIn: 2000, turnSeconds: 20 },
        createdAt: new Date().toISOString(),
      };
      // A small hot log (memory, 40 events), so restores read Postgres for older events.
      const log = new DurableTableEventLog(new MemoryHotTableLog(40), archive);
      const continuity = new TableContinuity({
        settings: { snapshotEvery: 1_000_000, snapshotSeconds: 1_000_000, leaseSeconds: 30 },
        logger: silent(),
        log,
        archive,
        snapshotCache: null,
        leases: new MemoryTableLeases(),
        liveness: new ProcessLiveness(undefined, silent()),
        driver: new HoldfastLocalDriver(),
        markDraining: async () => undefined,
      });
      const hosting = (await continuity.host(table, "room-1")) as TableHosting;
      assert.equal(hosting.restored, null, "a new table starts empty");

      let now = 1_800_000_000_000;
      const counts = { events: 0, hands: 0, snapshots: 0, restores: 0, rejected: 0 };
      const master = new TableMaster(
        {
          table,
          game: holdemGame,
          eventLog: log,
          bindings: new MemorySeatBindingStore(() => now),
          logger: silent(),
          settings: { seatGraceSeconds: 60, seatTokenTtlSeconds: 3600, turnSeconds: 30 },
          // The test is the clock: it moves `now` and runs the master's tick itself.
          clock: { now: () => now, every: () => () => undefined },
          hosting,
        },
        {
          changed: () => undefined,
          seatReleased: () => undefined,
          publish: (events) => {
            counts.events += events.length;
            if (events.some((e) => e.type === "holdem.hand_started")) counts.hands++;
          },
          ticked: () => undefined,
          hostingLost: () => assert.fail("the lease is never lost here"),
        },
      );
      await master.start();
      /** A refused command is part of the game (a wrong action, a seat taken): counted, not thrown. */
      const refused = (err: unknown) => {
        if (!(err instanceof AppError)) throw err;
        counts.rejected++;
      };
      const seat = (command: SeatCommand) => master.seat(command).then(() => undefined, refused);
      const game = (command: GameCommand) => master.play(command).then(() => undefined, refused);
      const model = () => master.model;

      for (let step = 0; step < STEPS; step++) {
        now += Math.floor(rng() * 4000);
        const h = holdemGameState(model()).holdem;
        const r = rng();
        if (r < 0.5 && h.toAct !== null) {
          // The player to act picks a random legal action (sometimes a wrong one).
          const legal = legalActions(h, h.toAct);
          const player = h.players.find((p) => p.seat === h.toAct)!;
          const action = legal && rng() < 0.95 ? pick(legal.actions) : pick(["check", "bet", "fold"] as const);
          let amount: number | undefined;
          if ((action === "bet" || action === "raise") && legal?.minRaiseTo && legal.maxRaiseTo) {
            amount = legal.minRaiseTo + Math.floor(rng() * (legal.maxRaiseTo - legal.minRaiseTo + 1));
          }
          await game({ type: "act", seat: h.toAct, userId: player.userId, payload: { action, amount } });
        } else if (r < 0.75) {
          // Due steps (deals, timeouts, stand-ups) and expired away seats, as the room's clock runs them.
          await master.tick();
        } else {
          const user = pick(USERS);
          const sat = model().seats.find((s) => s.userId === user);
          const kind = rng();
          if (!sat) {
            if (kind < 0.8) await seat({ type: "sit", userId: user, name: user, seat: rng() < 0.5 ? Math.floor(rng() * 6) : undefined, stack: 100 + Math.floor(rng() * 1900), tokenId: randomUUID() });
          } else if (kind < 0.1) await seat({ type: "stand", userId: user });
          else if (kind < 0.45 && sat.status === SeatStatus.ACTIVE) await seat({ type: "drop", userId: user, awayUntil: now + Math.floor(rng() * 60_000) });
          else if (kind < 0.8 && sat.status === SeatStatus.AWAY) await seat({ type: "return", userId: user });
          else await seat({ type: "expire_away", now });
        }

        if (rng() < 0.02) {
          await hosting.snapshot(model());
          counts.snapshots++;
        }
        if (rng() < 0.03 || step === STEPS - 1) {
          const restored = await continuity.restore(table);
          assert.ok(restored, "the table is stored");
          assert.deepEqual(restored.model, JSON.parse(JSON.stringify(model())), `restore at seq ${model().seq} (step ${step}) equals the live table`);
          counts.restores++;
        }
      }
      console.log(`      seed ${seed}: ${counts.events} events, ${counts.hands} hands, ${counts.snapshots} snapshots, ${counts.restores} restores compared`);
      assert.ok(counts.hands >= 20, `hands were played (${counts.hands})`);
      assert.ok(counts.restores >= 50);
      await master.release();
    });
  }
});
