import assert from "node:assert/strict";
import { ErrorCode } from "@holdfast/shared";
import { CommandQueue, CommandRefused, SLICE_MS } from "../../server/src/tables/command-queue.ts";
import { CommandReplies } from "../../server/src/rooms/command-replies.ts";
import { AppError } from "../../server/src/errors.ts";

type Outcome = { ok: true; value: number } | { ok: false; code: string; retryAfterMs?: number };
const settle = (p: Promise<number>): Promise<Outcome> =>
  p.then(
    (value) => ({ ok: true, value }),
    (err: AppError) => ({ ok: false, code: err.code, retryAfterMs: err.retryAfterMs }),
  );

/** A command that finishes when the test says so. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe("a table room's command queue (bounded, graceful under a flood)", () => {
  it("refuses clients' commands past the bound with RATE_LIMITED and a retry hint, runs the rest in order, answers every one", async () => {
    const queue = new CommandQueue(undefined, { maxQueued: 5, maxWaitMs: 60_000 });
    const first = gate();
    const ran: number[] = [];
    const flood = Array.from({ length: 100 }, (_, i) =>
      settle(
        queue.submit(async () => {
          if (i === 0) await first.wait;
          ran.push(i);
          return i;
        }),
      ),
    );
    // Five are admitted (the first one runs, held by its gate), the other 95 are refused at once.
    const refusedAtOnce = await Promise.all(flood.slice(5));
    assert.ok(refusedAtOnce.every((o) => !o.ok && o.code === ErrorCode.RATE_LIMITED), "past the bound: RATE_LIMITED");
    assert.ok(refusedAtOnce.every((o) => !o.ok && o.retryAfterMs! >= 50 && o.retryAfterMs! <= 5000), "with a retry hint");
    first.open();
    const outcomes = await Promise.all(flood);
    assert.equal(outcomes.length, 100, "every command answered");
    assert.deepEqual(ran, [0, 1, 2, 3, 4], "the admitted ones ran, in arrival order");
    assert.equal(queue.length, 0);
  });

  it("never refuses the room's own work (drops, returns, deadlines: `run`), however full the queue", async () => {
    const queue = new CommandQueue(undefined, { maxQueued: 1, maxWaitMs: 1 });
    const first = gate();
    const client = settle(queue.submit(async () => (await first.wait, 1)));
    const own = Array.from({ length: 20 }, (_, i) => settle(queue.run(async () => i)));
    first.open();
    assert.deepEqual((await client).ok, true);
    assert.ok((await Promise.all(own)).every((o) => o.ok), "all of the room's own work ran");
  });

  it("refuses a client's command that waited past maxWaitMs with UNAVAILABLE instead of running it", async () => {
    let now = 1000;
    const queue = new CommandQueue(undefined, { maxQueued: 10, maxWaitMs: 500 }, () => now);
    const first = gate();
    const running = settle(queue.submit(async () => (await first.wait, 1)));
    await new Promise((resolve) => setImmediate(resolve)); // it has started
    let ranLate = false;
    const late = settle(
      queue.submit(async () => {
        ranLate = true;
        return 2;
      }),
    );
    now += 501; // the first command held the queue longer than the second may wait
    first.open();
    assert.equal((await running).ok, true);
    const answer = await late;
    assert.ok(!answer.ok && answer.code === ErrorCode.UNAVAILABLE && answer.retryAfterMs! >= 50, "refused with a hint");
    assert.equal(ranLate, false, "not run");
  });

  it("without limits (ROOM_LIMITS=off) refuses nothing", async () => {
    const queue = new CommandQueue();
    const outcomes = await Promise.all(Array.from({ length: 500 }, (_, i) => settle(queue.submit(async () => i))));
    assert.ok(outcomes.every((o) => o.ok));
  });

  it("lets timers run during a flood of commands that never wait on I/O (time slices)", async () => {
    const queue = new CommandQueue();
    const busy = async () => {
      // Synchronous work, as deciding and projecting a command is; resolves without I/O.
      const until = performance.now() + 1;
      while (performance.now() < until);
      return 0;
    };
    let done = 0;
    const total = 20 * SLICE_MS;
    const all = Array.from({ length: total }, () => queue.submit(busy).then(() => done++));
    const doneWhenTimerRan = await new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
    await Promise.all(all);
    assert.ok(doneWhenTimerRan < total, `a timer ran before the flood was over (after ${doneWhenTimerRan} of ${total})`);
  });

  it("a refused command is not remembered as its cid's answer: the repeat runs", async () => {
    const replies = new CommandReplies({ keepMs: 60_000, perOwner: 10 });
    let runs = 0;
    await assert.rejects(
      replies.once("u1", "c1", async () => {
        throw new CommandRefused(ErrorCode.RATE_LIMITED, "busy", 100);
      }),
    );
    assert.equal(await replies.once("u1", "c1", async () => ++runs), 1, "the repeat ran");
    assert.equal(await replies.once("u1", "c1", async () => ++runs), 1, "and is now the remembered answer");
  });
});
