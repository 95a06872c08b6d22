/**
 * The `table-reconnect` load scenario, small: 200 seated SDK clients over 20 tables (a
 * ticker per table keeps events flowing) lose their sockets at the same instant through
 * the TCP proxies and must all be seated again, with no gap, duplicate or error in any
 * feed. Prints reconnect p50/p99.
 */
import assert from "node:assert/strict";
import { runTableReconnect } from "../../tools/src/loadtest/table-reconnect.ts";

describe("continuity: table-reconnect scenario, 200 clients over 20 tables dropped at once", function () {
  this.timeout(90_000);

  it("restores every seat with gap-free, duplicate-free feeds", async () => {
    const report = await runTableReconnect({
      clients: 200,
      tables: 20,
      drop: 1,
      duration: 1,
      interval: 1,
      proxies: 20,
      grace: 60,
      targetMs: 3000,
      quiet: true,
    });
    console.log(
      `      200 dropped at once: restored ${report.seatsRestored}/${report.dropped}, reconnect p50 ${report.reconnectMs.p50} ms, ` +
        `p99 ${report.reconnectMs.p99} ms, ${report.withinTargetPct} % within 3 s, ${report.eventsDelivered} events delivered`,
    );
    assert.equal(report.dropped, 200);
    assert.equal(report.seatsRestored, 200);
    assert.equal(report.seatsLost, 0);
    assert.equal(report.gaps, 0);
    assert.equal(report.duplicates, 0);
    assert.deepEqual(report.errorSamples, []);
  });
});
