import assert from "node:assert/strict";
import { JoinSingleFlight } from "../../server/src/rooms/join-single-flight.ts";

/** A join whose answer the test gives when it wants (no timers). */
function gatedJoin(log: string[], name: string) {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  const join = async () => {
    log.push(`${name} asks`);
    await gate;
    return name;
  };
  return { join, open, fail };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("JoinSingleFlight: one room creation per key and node", () => {
  it("joins that arrive while the first of a key is in flight wait for it, then ask themselves", async () => {
    const flights = new JoinSingleFlight();
    const log: string[] = [];
    const first = gatedJoin(log, "first");
    const a = flights.run("table\u0000t1", first.join);
    const b = flights.run("table\u0000t1", async () => (log.push("b asks"), "b"));
    const other = flights.run("table\u0000t2", async () => (log.push("other asks"), "other"));
    await settled();
    assert.deepEqual(log, ["first asks", "other asks"], "b waits; another key does not");
    first.open();
    assert.deepEqual(await Promise.all([a, b, other]), ["first", "b", "other"]);
    assert.deepEqual(log, ["first asks", "other asks", "b asks"]);
  });

  it("a key whose room was joined is not queued any more, until its room closes", async () => {
    const flights = new JoinSingleFlight();
    const log: string[] = [];
    await flights.run("k", async () => "created");
    const slow = gatedJoin(log, "slow");
    const a = flights.run("k", slow.join);
    const b = flights.run("k", async () => (log.push("b asks"), "b"));
    await settled();
    assert.deepEqual(log, ["slow asks", "b asks"], "both go at once");
    slow.open();
    await Promise.all([a, b]);

    flights.forget("k");
    const leader = gatedJoin(log, "leader");
    const c = flights.run("k", leader.join);
    const d = flights.run("k", async () => (log.push("d asks"), "d"));
    await settled();
    assert.equal(log.includes("d asks"), false, "after forget the next joins are led again");
    leader.open();
    await Promise.all([c, d]);
  });

  it("a leader's failure is its own: the waiters still ask, one of them leading the next attempt", async () => {
    const flights = new JoinSingleFlight();
    const log: string[] = [];
    const leader = gatedJoin(log, "leader");
    const b = gatedJoin(log, "b");
    const c = gatedJoin(log, "c");
    const runA = flights.run("k", leader.join);
    const runB = flights.run("k", b.join);
    const runC = flights.run("k", c.join);
    leader.fail(new Error("bad token"));
    await assert.rejects(runA, /bad token/);
    await settled();
    assert.equal(flights.size, 0, "a failed leader marks nothing known");
    assert.deepEqual(log, ["leader asks", "b asks"], "one waiter leads the next attempt; the other waits for it (no stampede)");
    b.open();
    c.open();
    assert.deepEqual(await Promise.all([runB, runC]), ["b", "c"]);
    assert.deepEqual(log, ["leader asks", "b asks", "c asks"]);
  });

  it("remembers at most maxKnown keys, dropping the oldest", async () => {
    const flights = new JoinSingleFlight(2);
    for (const key of ["a", "b", "c"]) await flights.run(key, async () => key);
    assert.equal(flights.size, 2);
  });
});
