import assert from "node:assert/strict";
import { TableHosting, type TableContinuity } from "../../server/src/continuity/table-continuity.ts";
import { MemoryTableLeases } from "../../server/src/continuity/table-lease.ts";
import type { Logger } from "../../server/src/logger.ts";

/** A logger that keeps what was logged at warn. */
function recordingLogger(): { logger: Logger; warnings: { obj: Record<string, unknown>; msg: string }[] } {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  const noop = () => undefined;
  const logger = { warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }), info: noop, error: noop, debug: noop, trace: noop, fatal: noop };
  return { logger: logger as unknown as Logger, warnings };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("table lease: a lapse is logged as a lapse, a takeover as a takeover", () => {
  const hostings: TableHosting[] = [];
  afterEach(async () => {
    for (const h of hostings.splice(0)) await h.release();
  });

  function host(leases: MemoryTableLeases, logger: Logger): TableHosting {
    const continuity = {
      deps: { settings: { leaseSeconds: 0.3, snapshotEvery: 1000, snapshotSeconds: 1000 }, leases, logger, hosted: null },
      isDraining: false,
    } as unknown as TableContinuity;
    const hosting = new TableHosting(continuity, "t1", "proc/room-1", null);
    hostings.push(hosting);
    return hosting;
  }

  it("expired with nobody holding it: 'lease lapsed'", async () => {
    let now = 1_000_000;
    const leases = new MemoryTableLeases(() => now);
    const { logger, warnings } = recordingLogger();
    assert.equal(await leases.acquire("t1", "proc/room-1", 300), null);
    const hosting = host(leases, logger);
    let lost = 0;
    now += 10_000; // the process stalled past the TTL before its next renewal...
    assert.equal(await leases.holder("t1"), null, "...and meanwhile someone saw the table free");
    hosting.startRenewing(() => lost++);
    await until(() => lost === 1, "the lease to be given up");
    const why = String(warnings.find((w) => w.msg === "table lease lost: this room stops")?.obj.why);
    assert.match(why, /^lease lapsed/);
    assert.doesNotMatch(why, /another room/);
  });

  it("taken by another room: 'lease held by another room'", async () => {
    let now = 1_000_000;
    const leases = new MemoryTableLeases(() => now);
    const { logger, warnings } = recordingLogger();
    await leases.acquire("t1", "proc/room-1", 300);
    const hosting = host(leases, logger);
    let lost = 0;
    now += 10_000;
    assert.equal(await leases.acquire("t1", "other/room-2", 60_000), null, "another room takes the expired lease");
    hosting.startRenewing(() => lost++);
    await until(() => lost === 1, "the lease to be given up");
    assert.match(String(warnings.find((w) => w.msg === "table lease lost: this room stops")?.obj.why), /^lease held by another room \(other\/room-2\)/);
  });

  it("embedded: a lease that expired while the process stalled, untouched since, is renewed (late), not lost", async () => {
    let now = 1_000_000;
    const leases = new MemoryTableLeases(() => now);
    const { logger, warnings } = recordingLogger();
    await leases.acquire("t1", "proc/room-1", 300);
    const hosting = host(leases, logger);
    let lost = 0;
    now += 10_000;
    hosting.startRenewing(() => lost++);
    await until(() => warnings.some((w) => w.msg === "table lease renewed late"), "the late renewal");
    assert.equal(lost, 0);
    assert.equal(await leases.holder("t1"), "proc/room-1");
  });

  it("renewed on time: kept", async () => {
    const leases = new MemoryTableLeases();
    const { logger, warnings } = recordingLogger();
    await leases.acquire("t1", "proc/room-1", 300);
    const hosting = host(leases, logger);
    let lost = 0;
    hosting.startRenewing(() => lost++);
    // Several renewals (every 200 ms at least) go by while the lease's TTL is 300 ms.
    const deadline = Date.now() + 1500;
    await until(() => Date.now() > deadline, "a few renewals");
    assert.equal(lost, 0);
    assert.equal(await leases.holder("t1"), "proc/room-1");
    assert.equal(warnings.filter((w) => w.msg === "table lease lost: this room stops").length, 0);
  });
});
