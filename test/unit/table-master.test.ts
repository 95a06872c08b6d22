import assert from "node:assert/strict";
import { ErrorCode, PACKED_EVENTS_VERSION, SeatStatus, unpackEvents, type TableDto, type TableEvent } from "@holdfast/shared";
import { pack } from "msgpackr";
import { AppError } from "../../server/src/errors.ts";
import { createLogger } from "../../server/src/logger.ts";
import { CommandQueue } from "../../server/src/tables/command-queue.ts";
import { holdemGame } from "../../server/src/tables/games/holdem-game.ts";
import { mulberry32 } from "../../server/src/tables/games/holdem/cards.ts";
import type { TableGame } from "../../server/src/tables/games/table-game.ts";
import { MemorySeatBindingStore } from "../../server/src/tables/seat-binding-store.ts";
import { MemoryTableEventLog, type LoggedEvent } from "../../server/src/tables/table-event-log.ts";
import type { TableHosting } from "../../server/src/tables/table-hosting.ts";
import { TableMaster, TICK_MS, type TableAudience, type TableClock } from "../../server/src/tables/table-master.ts";
import type { TableModel } from "../../server/src/tables/table-model.ts";
import { PUBLIC_VIEWER } from "../../server/src/tables/table-viewer.ts";

/** A clock the test moves: `advance` fires the repeating timers that came due. */
class ManualClock implements TableClock {
  at = 1_800_000_000_000;
  private timers: { ms: number; next: number; fn: () => void }[] = [];
  now = () => this.at;
  every(ms: number, fn: () => void): () => void {
    const timer = { ms, next: this.at + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  advance(ms: number): void {
    const until = this.at + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.next <= until).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.at = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.at = until;
  }
  get pending(): number {
    return this.timers.length;
  }
}

/** What the audience was told, in order. */
class RecordingAudience implements TableAudience {
  readonly calls: string[] = [];
  readonly published: LoggedEvent[] = [];
  readonly released: number[] = [];
  ticks = 0;
  lost = false;
  changed(model: TableModel) {
    this.calls.push(`changed@${model.seq}`);
  }
  seatReleased(seat: number) {
    this.released.push(seat);
  }
  publish(events: readonly LoggedEvent[]) {
    this.calls.push(`publish:${events.map((e) => e.seq).join(",")}`);
    this.published.push(...events);
  }
  ticked() {
    this.ticks++;
  }
  hostingLost() {
    this.lost = true;
  }
}

/** A log whose appends fail while `failing` is set (Redis away, the lease fenced). */
class FlakyLog extends MemoryTableEventLog {
  failing = false;
  override async append(tableId: string, events: LoggedEvent[]): Promise<void> {
    if (this.failing) throw new Error("append refused");
    return super.append(tableId, events);
  }
}

/** A hosting that keeps its snapshots in memory and can lose its lease on demand. */
class FakeHosting implements TableHosting {
  lost = false;
  released = false;
  snapshots: number[] = [];
  private onLost: (() => void) | undefined;
  constructor(readonly restored: TableHosting["restored"] = null) {}
  startRenewing(onLost: () => void) {
    this.onLost = onLost;
  }
  maybeSnapshot() {}
  async snapshot(model: TableModel) {
    this.snapshots.push(model.seq);
  }
  async release() {
    this.released = true;
  }
  loseLease() {
    this.lost = true;
    this.onLost?.();
  }
}

const TABLE: TableDto = {
  tableId: "t-master",
  kind: "holdem",
  seats: 4,
  options: { smallBlind: 5, bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000, turnSeconds: 20 },
  createdAt: new Date(0).toISOString(),
};
const GRACE_SECONDS = 30;

function setUp(overrides: { game?: TableGame; hosting?: TableHosting; feed?: TableEvent[] } = {}) {
  const clock = new ManualClock();
  const log = new FlakyLog();
  const bindings = new MemorySeatBindingStore(clock.now);
  const audience = new RecordingAudience();
  const feed = overrides.feed;
  const master = new TableMaster(
    {
      table: TABLE,
      game: overrides.game ?? holdemGame,
      eventLog: log,
      bindings,
      logger: createLogger("silent"),
      settings: { seatGraceSeconds: GRACE_SECONDS, seatTokenTtlSeconds: 3600, turnSeconds: 20 },
      clock,
      hosting: overrides.hosting,
      feed: feed && { publishTableEvent: (_where, event) => feed.push(event) },
      rng: (() => {
        const r = mulberry32(42);
        return (n: number) => Math.floor(r() * n);
      })(),
    },
    audience,
  );
  return { clock, log, bindings, audience, master };
}

const codeOf = async (p: Promise<unknown>) => p.then(() => "no error", (err) => (err as AppError).code);

describe("TableMaster (no Colyseus, a manual clock)", () => {
  it("appends before telling anyone; seqs follow one another; the audience hears changed then publish", async () => {
    const { master, log, audience } = setUp();
    const seat = await master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "tok-ann" });
    assert.equal(seat, 0);
    assert.equal(master.model.seats[0].stack, 500);
    const { events } = await log.readAfter(TABLE.tableId, 0, 10);
    assert.deepEqual(events.map((e) => e.type), ["seat.taken"]);
    assert.deepEqual(audience.calls, ["changed@1", "publish:1"]);
  });

  it("runs commands one at a time in arrival order, each on the model the previous one left", async () => {
    const { master } = setUp();
    const seats = await Promise.all(["a", "b", "c"].map((u) => master.sit({ userId: u, name: u, buyIn: 200, tokenId: `tok-${u}` })));
    assert.deepEqual(seats, [0, 1, 2]);
    assert.equal(master.model.seq, 3);
  });

  it("a failed append changes nothing: the model, the audience and the feed stay as they were", async () => {
    const feed: TableEvent[] = [];
    const { master, log, audience } = setUp({ feed });
    await master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "tok-ann" });
    log.failing = true;
    await assert.rejects(master.sit({ userId: "bob", name: "Bob", buyIn: 500, tokenId: "tok-bob" }), /append refused/);
    assert.equal(master.model.seq, 1);
    assert.equal(master.model.seats[1].status, SeatStatus.EMPTY);
    assert.deepEqual(audience.calls, ["changed@1", "publish:1"]);
    assert.equal(feed.length, 1);
    log.failing = false;
    assert.equal(await master.sit({ userId: "bob", name: "Bob", buyIn: 500, tokenId: "tok-bob" }), 1, "the next command decides on the unchanged model");
  });

  it("the game's buy-in hook refuses a buy-in outside the table's limits", async () => {
    const { master } = setUp();
    assert.equal(await codeOf(master.sit({ userId: "ann", name: "Ann", buyIn: 5000, tokenId: "t" })), ErrorCode.VALIDATION_FAILED);
    await master.sit({ userId: "ann", name: "Ann", tokenId: "t" });
    assert.equal(master.model.seats[0].stack, 1000, "no buy-in asked: the default, within the limits");
  });

  it("the clock releases an away seat at its deadline, and only then", async () => {
    const { master, clock, audience, bindings } = setUp();
    await master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "tok-ann" });
    assert.ok(await bindings.get(TABLE.tableId, 0));
    await master.drop("ann");
    assert.equal(master.model.seats[0].status, SeatStatus.AWAY);
    clock.advance(GRACE_SECONDS * 1000 - 1);
    await master.tick();
    assert.equal(master.model.seats[0].status, SeatStatus.AWAY, "not before the deadline");
    clock.advance(1);
    await master.tick();
    assert.equal(master.model.seats[0].status, SeatStatus.EMPTY);
    assert.deepEqual(audience.released, [0]);
    assert.equal(await bindings.get(TABLE.tableId, 0), null, "the seat's binding goes with it");
  });

  it("one tick at a time: a tick asked for while one runs waits for that one instead of queuing its steps again", async () => {
    const { master } = setUp();
    const first = master.tick();
    assert.equal(master.tick(), first, "the same tick");
    await first;
    assert.notEqual(master.tick(), first, "a later tick is a new one");
  });

  it("start() ticks on the clock: two active players get a hand dealt without anyone asking", async () => {
    const { master, clock, audience } = setUp();
    await master.start();
    await master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "a" });
    await master.sit({ userId: "bob", name: "Bob", buyIn: 500, tokenId: "b" });
    clock.advance(TICK_MS);
    await master.tick(); // the timer's tick runs in the background; this one waits behind it
    assert.ok(audience.published.some((e) => e.type === "holdem.hand_started"));
    assert.ok(audience.ticks >= 1);
  });

  it("the feed gets seat changes and hand results, never bets or server-only events", async () => {
    const feed: TableEvent[] = [];
    const { master, audience } = setUp({ feed });
    await master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "a" });
    await master.sit({ userId: "bob", name: "Bob", buyIn: 500, tokenId: "b" });
    await master.tick();
    // Fold whoever is to act until the hand ends.
    for (let i = 0; i < 4 && !audience.published.some((e) => e.type === "holdem.hand_ended"); i++) {
      const h = (master.model.game as { holdem: { toAct: number | null; players: { seat: number; userId: string }[] } }).holdem;
      if (h.toAct === null) break;
      const userId = h.players.find((p) => p.seat === h.toAct)!.userId;
      await master.play({ type: "act", seat: h.toAct, userId, payload: { action: "fold" } });
    }
    assert.ok(audience.published.some((e) => e.type === "holdem.hand_ended"));
    assert.deepEqual(
      [...new Set(feed.map((e) => e.type))].sort(),
      ["holdem.hand_ended", "seat.taken"],
      "seats and results only",
    );
  });

  it("an operator's close mid-hand gives every player the chips they put in (the pot goes to no seat by seat order)", async () => {
    const { master, audience } = setUp();
    for (const u of ["ann", "bob", "cat"]) await master.sit({ userId: u, name: u, buyIn: 500, tokenId: `t-${u}` });
    await master.tick();
    type Holdem = { toAct: number | null; street: string; players: { seat: number; userId: string; stack: number; totalCommitted: number }[] };
    const holdem = () => (master.model.game as { holdem: Holdem }).holdem;
    for (const payload of [{ action: "raise", amount: 60 }, { action: "call" }]) {
      const h = holdem();
      const userId = h.players.find((p) => p.seat === h.toAct)!.userId;
      await master.play({ type: "act", seat: h.toAct!, userId, payload });
    }
    const inHand = holdem().players.map((p) => ({ seat: p.seat, back: p.stack + p.totalCommitted }));
    assert.ok(holdem().players.some((p) => p.totalCommitted === 60), "a raise and a call are in the pot");

    const events = await master.seat({ type: "close" });
    assert.ok(!events.some((e) => e.type === "holdem.pot_awarded"), "nobody won the pot by leaving last");
    const ended = events.find((e) => e.type === "holdem.hand_ended")!;
    assert.ok(ended, "the hand ends");
    const stacks = (ended.data as { stacks: { seat: number; stack: number }[] }).stacks;
    assert.deepEqual(
      stacks.map((s) => ({ seat: s.seat, back: s.stack })),
      inHand,
      "each player leaves with their stack plus what they had put in",
    );
    assert.ok(events.findIndex((e) => e.type === "holdem.hand_ended") < events.findIndex((e) => e.type === "seat.released"), "the hand ends before any seat goes");
    assert.deepEqual(master.model.seats.map((s) => s.status), ["empty", "empty", "empty", "empty"]);
    assert.equal(holdem().street, "idle");
    assert.ok(audience.published.length > 0);
  });

  it("resync: the events after lastSeq as the viewer may see them, or a snapshot when the log lost some", async () => {
    const { master, log } = setUp();
    await master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "secret-token" });
    await master.sit({ userId: "bob", name: "Bob", buyIn: 500, tokenId: "b" });
    const reply = await master.resync(0, PUBLIC_VIEWER, 0);
    assert.deepEqual(reply.events.map((e) => e.seq), [1, 2]);
    assert.ok(!JSON.stringify(reply).includes("secret-token"), "no seat token ids");
    assert.deepEqual(await master.resync(2, PUBLIC_VIEWER, 0), { events: [], fromSeq: 3, toSeq: 2 });
    // A client ahead of the table (a replayed or stale lastSeq) is put right with the table now.
    const ahead = await master.resync(9, PUBLIC_VIEWER, 0);
    assert.deepEqual([ahead.fromSeq, ahead.toSeq, ahead.events.length], [3, 2, 0]);
    assert.ok(ahead.snapshot);
    // A log that kept nothing: the table now, as a snapshot.
    (log as unknown as { logs: Map<string, unknown[]> }).logs.get(TABLE.tableId)!.splice(0);
    const trimmed = await master.resync(0, PUBLIC_VIEWER, 0);
    assert.equal(trimmed.fromSeq, 3);
    assert.ok(trimmed.snapshot);
  });

  it("resync to a client that reads packed events: the same events, packed, or the snapshot when that is fewer bytes", async () => {
    const { master, clock } = setUp();
    await master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "a" });
    /** `n` events: Ann drops and comes back, in turn (one player: no hand starts). */
    async function awayAndBack(n: number): Promise<void> {
      for (let k = 0; k < n; k++) {
        clock.advance(250);
        if (k % 2 === 0) await master.seat({ type: "drop", userId: "ann", awayUntil: clock.now() + 30_000 });
        else await master.seat({ type: "return", userId: "ann" });
      }
    }
    await awayAndBack(20);
    const plain = await master.resync(1, PUBLIC_VIEWER, 0);
    const packed = await master.resync(1, PUBLIC_VIEWER, 0, PACKED_EVENTS_VERSION);
    assert.equal(plain.events.length, 20);
    assert.deepEqual(packed.events, []);
    assert.ok(packed.packed, "packed events");
    assert.deepEqual(unpackEvents(packed.packed), plain.events);
    assert.deepEqual([packed.fromSeq, packed.toSeq], [plain.fromSeq, plain.toSeq]);
    const newer = await master.resync(1, PUBLIC_VIEWER, 0, PACKED_EVENTS_VERSION + 1); // a newer client gets the version this server writes
    assert.equal(newer.packed?.v, PACKED_EVENTS_VERSION);
    assert.ok(pack(packed).length * 3 < pack(plain).length, `packed ${pack(packed).length} B vs plain ${pack(plain).length} B`);

    // Many more missed events than seats: the table now is the smaller answer.
    await awayAndBack(300);
    const large = await master.resync(1, PUBLIC_VIEWER, 0, PACKED_EVENTS_VERSION);
    assert.ok(large.snapshot, "a snapshot");
    assert.equal(large.packed, undefined);
    assert.equal(large.fromSeq, master.model.seq + 1);
    assert.equal((await master.resync(1, PUBLIC_VIEWER, 0)).events.length, 320, "a plain client still gets the kept events");
  });

  it("a restored table turns the seats that were active `away` when it starts", async () => {
    const first = setUp();
    await first.master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "a" });
    const hosting = new FakeHosting({ model: first.master.model, snapshotSeq: 1, replayed: 0 });
    const { master } = setUp({ hosting });
    await master.start();
    assert.equal(master.model.seats[0].status, SeatStatus.AWAY);
    assert.equal(master.model.seq, 2);
  });

  it("a lost lease stops everything: the audience is told, commands are refused, the ticks stop", async () => {
    const hosting = new FakeHosting();
    const { master, clock, audience } = setUp({ hosting });
    await master.start();
    assert.equal(clock.pending, 1);
    hosting.loseLease();
    assert.ok(audience.lost);
    assert.equal(clock.pending, 0, "no more ticks");
    assert.equal(await codeOf(master.sit({ userId: "ann", name: "Ann", tokenId: "a" })), ErrorCode.UNAVAILABLE);
  });

  it("drain finishes the command in flight, takes the final snapshot, releases, and refuses what comes after", async () => {
    const hosting = new FakeHosting();
    const { master } = setUp({ hosting });
    await master.start();
    const inFlight = master.sit({ userId: "ann", name: "Ann", buyIn: 500, tokenId: "a" });
    const drained = master.drain();
    assert.equal(await codeOf(master.sit({ userId: "bob", name: "Bob", tokenId: "b" })), ErrorCode.UNAVAILABLE);
    assert.equal(await inFlight, 0);
    await drained;
    assert.deepEqual(hosting.snapshots, [1]);
    assert.ok(hosting.released);
  });
});

describe("TableMaster: a game's reservations and effects around the append", () => {
  /** A game whose `reserve` command reserves something (undone if the log refuses) and whose effect may fail. */
  function effectGame(journal: string[], effectFails: () => boolean): TableGame {
    return {
      commands: {},
      decide: async (_model, command) => {
        journal.push(`reserved ${command.type}`);
        return {
          events: [{ type: "test.done", data: { what: command.type } }],
          undo: async () => void journal.push(`undone ${command.type}`),
          effects: [
            {
              name: "follow-up",
              run: async () => {
                if (effectFails()) throw new Error("effect failed");
                journal.push(`effect ${command.type}`);
              },
              compensate: () => [{ type: "test.compensated", data: { what: command.type } }],
            },
          ],
        };
      },
      evolve: (model) => model,
      due: () => [],
      publicData: (event) => event.data,
    };
  }

  it("a refused append undoes the reservation and runs no effect", async () => {
    const journal: string[] = [];
    const { master, log } = setUp({ game: effectGame(journal, () => false) });
    log.failing = true;
    await assert.rejects(master.play({ type: "reserve", seat: null, userId: "ann", payload: null }), /append refused/);
    assert.deepEqual(journal, ["reserved reserve", "undone reserve"]);
    assert.equal(master.model.seq, 0);
  });

  it("effects run after the append; a failed one keeps the command's events and logs its compensation", async () => {
    const journal: string[] = [];
    let fail = false;
    const { master, audience } = setUp({ game: effectGame(journal, () => fail) });
    const ok = await master.play({ type: "first", seat: null, userId: "ann", payload: null });
    assert.deepEqual(journal, ["reserved first", "effect first"]);
    assert.equal(ok.seq, 1);
    fail = true;
    const reply = await master.play({ type: "second", seat: null, userId: "ann", payload: null });
    assert.equal(reply.ok, true, "the command's events are in the log: it happened");
    assert.deepEqual(
      audience.published.map((e) => e.type),
      ["test.done", "test.done", "test.compensated"],
    );
    assert.equal(master.model.seq, 3);
  });
});

describe("CommandQueue", () => {
  it("checks its guard when a command runs, not when it is queued", async () => {
    let refuse = false;
    const queue = new CommandQueue(() => (refuse ? new AppError(ErrorCode.UNAVAILABLE, "gone") : null));
    let release!: (value: string) => void;
    const blocker = new Promise<string>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = queue.run(() => {
      started();
      return blocker;
    });
    const second = queue.run(async () => "second");
    await running;
    refuse = true; // the lease goes while `second` waits behind `first`
    release("first");
    assert.equal(await first, "first");
    assert.equal(await codeOf(second), ErrorCode.UNAVAILABLE);
  });

  it("once closed, refuses new commands but lets the queued ones finish", async () => {
    const queue = new CommandQueue();
    const queued = queue.run(async () => 1);
    queue.close(new AppError(ErrorCode.UNAVAILABLE, "draining"));
    assert.equal(await codeOf(queue.run(async () => 2)), ErrorCode.UNAVAILABLE);
    assert.equal(await queued, 1);
    await queue.idle();
  });
});
