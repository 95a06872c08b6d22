import assert from "node:assert/strict";
import { MemorySaleQueueStore } from "../../server/src/sales/memory-sale-queue-store.ts";
import { RedisSaleQueueStore } from "../../server/src/sales/redis-sale-queue-store.ts";
import { SaleKeys } from "../../server/src/sales/sale-keys.ts";
import type { SaleQueueStore } from "../../server/src/sales/sale-queue-store.ts";
import { eventually } from "../support/e2e.ts";
import { rejectsWith, storeContract } from "../support/store-contract.ts";

/**
 * One contract, two stores: every rule of SaleQueueStore is checked against the memory
 * store and the Redis store (Lua scripts, on DB 0 under a unique prefix, cleaned up).
 */
storeContract<SaleQueueStore>(
  "SaleQueueStore contract",
  { memory: () => new MemorySaleQueueStore(), redis: (redis, prefix) => new RedisSaleQueueStore(redis, new SaleKeys(prefix)) },
  (name, current) => {
    let store: SaleQueueStore;
    let n = 0;
    let sale: string;

    beforeEach(async function () {
      store = current();
      sale = `sale-${name}-${++n}`;
    });

    it("joins idempotently: the same user never gets two places, a rejoin keeps the place", async () => {
      const a = await store.join(sale, "a");
      const b = await store.join(sale, "b");
      const c = await store.join(sale, "c");
      assert.deepEqual([a, b, c].map((e) => [e.state, e.position, e.created]), [
        ["waiting", 1, true],
        ["waiting", 2, true],
        ["waiting", 3, true],
      ]);
      const again = await store.join(sale, "a");
      assert.deepEqual(again, { state: "waiting", position: 1, admittedUntil: 0, order: 1, created: false });
      assert.equal(await store.length(sale), 3);
    });

    it("many concurrent joins of the same users: one place each, positions 1..N", async () => {
      await Promise.all(Array.from({ length: 500 }, (_, i) => store.join(sale, `u${i % 100}`)));
      assert.equal(await store.length(sale), 100);
      const { entries } = await store.lookup(sale, Array.from({ length: 100 }, (_, i) => `u${i}`));
      assert.deepEqual(
        entries.map((e) => e.position).sort((x, y) => x - y),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
    });

    it("leave gives the place up; the next ones move up; a later join goes to the back", async () => {
      for (const u of ["a", "b", "c", "d"]) await store.join(sale, u);
      assert.equal(await store.leave(sale, "b"), true);
      assert.equal(await store.leave(sale, "b"), false);
      assert.equal(await store.leave(sale, "nobody"), false);
      const { entries } = await store.lookup(sale, ["a", "b", "c", "d"]);
      assert.deepEqual(entries.map((e) => [e.state, e.position]), [
        ["waiting", 1],
        ["none", 0],
        ["waiting", 2],
        ["waiting", 3],
      ]);
      assert.equal((await store.join(sale, "b")).position, 4);
    });

    it("looks up many users in one call, with the line's stats", async () => {
      for (let i = 0; i < 50; i++) await store.join(sale, `u${i}`);
      const { stats, entries } = await store.lookup(sale, ["u49", "u0", "ghost", "u10"]);
      assert.deepEqual(entries.map((e) => e.position), [50, 1, 0, 11]);
      assert.equal(entries[2].state, "none");
      assert.equal(stats.length, 50);
      assert.equal(stats.admittedTotal, 0);
      assert.equal(stats.started, false);
      assert.ok(Math.abs(stats.now - Date.now()) < 2000);
      assert.deepEqual((await store.lookup(sale, [])).entries, []);
    });

    it("admits from the head only after start, and logs admissions in order", async () => {
      for (const u of ["a", "b", "c", "d"]) await store.join(sale, u);
      assert.deepEqual((await store.admit(sale, 2, 60_000)).userIds, [], "nothing before start");
      assert.equal(await store.start(sale, "fifo"), true);
      assert.equal(await store.start(sale, "fifo"), false);
      const first = await store.admit(sale, 2, 60_000);
      assert.deepEqual(first.userIds, ["a", "b"]);
      assert.ok(first.admittedUntil > Date.now() + 50_000);
      const { stats, entries } = await store.lookup(sale, ["a", "c"]);
      assert.equal(entries[0].state, "admitted");
      assert.equal(entries[0].admittedUntil, first.admittedUntil);
      assert.deepEqual([entries[1].state, entries[1].position], ["waiting", 1]);
      assert.deepEqual([stats.length, stats.admittedTotal, stats.outstanding, stats.started], [2, 2, 2, true]);
      // Joining again while admitted gives the admission back, not a new place.
      assert.equal((await store.join(sale, "a")).state, "admitted");
      assert.deepEqual((await store.admit(sale, 10, 60_000)).userIds, ["c", "d"]);
      assert.deepEqual((await store.admit(sale, 10, 60_000)).userIds, []);
      assert.deepEqual(await store.admissions(sale, 0, 10), [
        { userId: "a", joinSeq: 1 },
        { userId: "b", joinSeq: 2 },
        { userId: "c", joinSeq: 3 },
        { userId: "d", joinSeq: 4 },
      ]);
      assert.deepEqual(await store.admissions(sale, 3, 10), [{ userId: "d", joinSeq: 4 }]);
    });

    it("lapses admitted users who did not hold in time; the next in line is admitted", async () => {
      for (const u of ["a", "b", "c"]) await store.join(sale, u);
      await store.start(sale, "fifo");
      await store.admit(sale, 2, 150);
      await store.claim(sale, "b", 1, 1); // b holds in time
      await store.confirm(sale, "b");
      assert.deepEqual(await store.lapse(sale), []);
      let lapsed: string[] = [];
      await eventually(async () => (lapsed = await store.lapse(sale)).length > 0, 150, "a's admission lapsed");
      assert.deepEqual(lapsed, ["a"]);
      const { entries, stats } = await store.lookup(sale, ["a", "b"]);
      assert.deepEqual(entries.map((e) => e.state), ["lapsed", "holding"]);
      assert.equal(stats.outstanding, 0);
      // A lapsed user joining again sees the lapse (no new place until it leaves).
      assert.equal((await store.join(sale, "a")).state, "lapsed");
      assert.deepEqual((await store.admit(sale, 1, 60_000)).userIds, ["c"]);
      await store.leave(sale, "a");
      const rejoined = await store.join(sale, "a");
      assert.deepEqual({ ...rejoined, order: 0 }, { state: "waiting", position: 1, admittedUntil: 0, order: 0, created: true });
      assert.equal(rejoined.order, 4, "a new order, after every one handed out");
    });

    it("orders: unique, sorted like the places, kept by the others when someone leaves; the head's order in the stats", async () => {
      for (const u of ["a", "b", "c", "d"]) await store.join(sale, u);
      assert.equal((await store.lookup(sale, [])).stats.headOrder, 1);
      await store.leave(sale, "b");
      const { entries, stats } = await store.lookup(sale, ["a", "b", "c", "d"]);
      assert.deepEqual(entries.map((e) => [e.state, e.position, e.order]), [
        ["waiting", 1, 1],
        ["none", 0, 0],
        ["waiting", 2, 3],
        ["waiting", 3, 4],
      ]);
      assert.equal(stats.headOrder, 1);
      await store.leave(sale, "a");
      assert.equal((await store.lookup(sale, [])).stats.headOrder, 3, "a leaver at the head moves the head");
      await store.start(sale, "fifo");
      await store.admit(sale, 1, 60_000);
      const after = await store.lookup(sale, ["c", "d"]);
      assert.deepEqual([after.stats.headOrder, after.entries[0].state, after.entries[1].order], [4, "admitted", 4]);
      await store.admit(sale, 1, 60_000);
      assert.equal((await store.lookup(sale, [])).stats.headOrder, 0, "nobody waits");
    });

    it("claims only for admitted users, within the per-sale limit; confirm makes them holding; unclaim undoes", async () => {
      for (const u of ["a", "b"]) await store.join(sale, u);
      await store.start(sale, "fifo");
      await rejectsWith(store.claim(sale, "a", 1, 2), "NOT_ADMITTED");
      const { admittedUntil } = await store.admit(sale, 1, 60_000);
      await rejectsWith(store.claim(sale, "b", 1, 2), "NOT_ADMITTED");
      await rejectsWith(store.claim(sale, "a", 3, 2), "HOLD_LIMIT");
      await store.claim(sale, "a", 1, 2);
      // Until the hold is confirmed the user still counts as admitted (outstanding).
      let { stats, entries } = await store.lookup(sale, ["a"]);
      assert.deepEqual([entries[0].state, entries[0].admittedUntil, stats.outstanding], ["admitted", admittedUntil, 1]);
      await store.confirm(sale, "a");
      ({ stats, entries } = await store.lookup(sale, ["a"]));
      assert.deepEqual([entries[0].state, stats.outstanding], ["holding", 0]);
      // Holding users may claim more, within the limit; a failed hold's claim is undone.
      await store.claim(sale, "a", 1, 2);
      await rejectsWith(store.claim(sale, "a", 1, 2), "HOLD_LIMIT");
      await store.unclaim(sale, "a", 1);
      await store.claim(sale, "a", 1, 2);
      await store.confirm(sale, "a");
      // The limit counts units across holds, and survives leave + rejoin.
      await store.markDone(sale, "a");
      await store.confirm(sale, "a");
      assert.equal((await store.lookup(sale, ["a"])).entries[0].state, "done");
      await rejectsWith(store.claim(sale, "a", 1, 2), "HOLD_LIMIT");
      await store.leave(sale, "a");
      await store.join(sale, "a");
      await store.admit(sale, 5, 60_000);
      await rejectsWith(store.claim(sale, "a", 1, 2), "HOLD_LIMIT");
    });

    it("claim after the deadline lapses the admission on the spot", async () => {
      await store.join(sale, "a");
      await store.start(sale, "fifo");
      const { admittedUntil } = await store.admit(sale, 1, 100);
      // The store's own clock (Redis TIME for the Redis store) passes the deadline.
      await eventually(async () => (await store.lookup(sale, [])).stats.now > admittedUntil, 3000, "the admission deadline");
      await rejectsWith(store.claim(sale, "a", 1, 1), "NOT_ADMITTED");
      assert.equal((await store.lookup(sale, ["a"])).entries[0].state, "lapsed");
    });

    it("fifo start keeps the join order", async () => {
      const users = Array.from({ length: 30 }, (_, i) => `u${i}`);
      for (const u of users) await store.join(sale, u);
      await store.start(sale, "fifo");
      assert.deepEqual((await store.lookup(sale, users)).entries.map((e) => e.position), users.map((_, i) => i + 1));
    });

    it("random start shuffles the pre-queue once, atomically; positions are then stable; later joins go after", async () => {
      const users = Array.from({ length: 200 }, (_, i) => `u${i}`);
      for (const u of users) await store.join(sale, u);
      const starts = await Promise.all([store.start(sale, "random"), store.start(sale, "random"), store.start(sale, "random")]);
      assert.equal(starts.filter(Boolean).length, 1, "exactly one start wins");
      const after = (await store.lookup(sale, users)).entries.map((e) => e.position);
      assert.deepEqual([...after].sort((x, y) => x - y), users.map((_, i) => i + 1), "a permutation of 1..N");
      assert.notDeepEqual(after, users.map((_, i) => i + 1), "not the join order");
      assert.equal(await store.start(sale, "random"), false);
      const { entries: shuffled, stats } = await store.lookup(sale, users);
      assert.deepEqual(shuffled.map((e) => e.position), after, "stable after start");
      // The orders were permuted with the members: sorted by order is sorted by place.
      const byOrder = [...shuffled].sort((x, y) => x.order - y.order).map((e) => e.position);
      assert.deepEqual(byOrder, users.map((_, i) => i + 1));
      assert.equal(stats.headOrder, shuffled[after.indexOf(1)].order);
      assert.equal((await store.join(sale, "late")).position, 201);
      // Admission follows the shuffled order.
      const head = users[after.indexOf(1)];
      assert.deepEqual((await store.admit(sale, 1, 60_000)).userIds, [head]);
    });

    it("random start is fair: each pre-queued user is equally likely to be first", async () => {
      const trials = 300;
      const size = 6;
      const firsts = new Array(size).fill(0);
      for (let t = 0; t < trials; t++) {
        const s = `${sale}-t${t}`;
        for (let i = 0; i < size; i++) await store.join(s, `u${i}`);
        await store.start(s, "random");
        const { userIds } = await store.admit(s, 1, 60_000);
        firsts[Number(userIds[0].slice(1))]++;
      }
      // Expected 50 each; a fair shuffle stays well inside 20..85 (p < 1e-6 outside).
      for (const count of firsts) assert.ok(count >= 20 && count <= 85, `first-place counts ${JSON.stringify(firsts)}`);
    });
  },
  20_000,
);
