/**
 * Per-client state a hostile client can make the server keep: the cid reply cache
 * (bounded per user by count and age, small answers only, never an Error or its stack)
 * and the message budgets (token buckets per user and class, strikes per socket,
 * idle users forgotten).
 */
import assert from "node:assert/strict";
import { DEFAULT_ROOM_LIMITS, loadConfig } from "../../server/src/config.ts";
import { AppError, ErrorCode } from "../../server/src/errors.ts";
import { MessageBudgets, messageClassOf } from "../../server/src/rooms/message-budgets.ts";
import { CommandReplies } from "../../server/src/rooms/command-replies.ts";

describe("security: bounded per-client state", () => {
  describe("command reply cache", () => {
    it("keeps at most perOwner answers per user, however many unique cids arrive", async () => {
      const replies = new CommandReplies({ keepMs: 300_000, perOwner: 64 });
      for (let i = 0; i < 20_000; i++) {
        await replies.once("flooder", `cid-${i}`, async () => Promise.reject(new AppError(ErrorCode.NOT_SEATED, "not seated"))).catch(() => undefined);
      }
      await replies.once("other", "x", async () => "ok");
      assert.equal(replies.size, 65);
      // The newest answers are the ones kept: a repeat of the last cid is answered, not re-run.
      let ran = false;
      await assert.rejects(
        replies.once("flooder", "cid-19999", async () => ((ran = true), "again")),
        (err: AppError) => err.code === ErrorCode.NOT_SEATED,
      );
      assert.equal(ran, false);
    });

    it("forgets answers older than keepMs (and users with none left)", async () => {
      let now = 0;
      const replies = new CommandReplies({ keepMs: 1000, perOwner: 64, now: () => now });
      for (let i = 0; i < 50; i++) await replies.once(`u${i}`, "c", async () => i);
      assert.equal(replies.size, 50);
      now = 2000;
      await replies.once("late", "c", async () => 0);
      assert.equal(replies.size, 1);
    });

    it("keeps failures as {code, message} only: no Error object, no stack, no internal message", async () => {
      const replies = new CommandReplies({ keepMs: 60_000, perOwner: 8 });
      await replies.once("u", "boom", async () => Promise.reject(new Error("secret detail from a fault"))).catch(() => undefined);
      await replies.once("u", "app", async () => Promise.reject(new AppError(ErrorCode.SEAT_TAKEN, "seat 3 is taken"))).catch(() => undefined);
      const kept = JSON.stringify([...(replies as unknown as { owners: Map<string, Map<string, unknown>> }).owners.get("u")!.values()]);
      assert.doesNotMatch(kept, /stack|secret detail|at async/);
      await assert.rejects(replies.once("u", "boom", async () => "x"), (err: AppError) => err.code === ErrorCode.INTERNAL && err.message === "internal error");
      await assert.rejects(replies.once("u", "app", async () => "x"), (err: AppError) => err.code === ErrorCode.SEAT_TAKEN);
      for (const entry of (replies as unknown as { owners: Map<string, Map<string, object>> }).owners.get("u")!.values()) {
        for (const value of Object.values(entry)) assert.ok(!(value instanceof Error) && !(value instanceof Promise), "no Error or promise kept once settled");
      }
    });

    it("does not keep large answers: the repeat is refused (CONFLICT) instead of applied twice", async () => {
      const replies = new CommandReplies({ keepMs: 60_000, perOwner: 8, maxAnswerBytes: 100 });
      let runs = 0;
      await replies.once("u", "big", async () => ((runs++), { blob: "x".repeat(1000) }));
      await assert.rejects(replies.once("u", "big", async () => runs++), (err: AppError) => err.code === ErrorCode.CONFLICT);
      assert.equal(runs, 1);
    });

    it("answers a repeat that arrives while the first is running with the same result (applied once)", async () => {
      const replies = new CommandReplies({ keepMs: 60_000, perOwner: 8 });
      let runs = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const first = replies.once("u", "c", async () => (await gate, ++runs));
      const second = replies.once("u", "c", async () => ++runs);
      release();
      assert.deepEqual(await Promise.all([first, second]), [1, 1]);
    });
  });

  describe("message budgets", () => {
    const limits = { ...DEFAULT_ROOM_LIMITS, light: { perSecond: 2, burst: 4 }, command: { perSecond: 1, burst: 2 }, floodStrikes: 3 };

    it("classes heartbeats, resyncs and pings as light, everything else as a command", () => {
      assert.deepEqual(["hb", "resync", "ping", "cart.set", "act", "sit", "hold", "nonsense"].map(messageClassOf), [
        "light", "light", "light", "command", "command", "command", "command", "command",
      ]);
    });

    it("allows the burst, then refuses with the time until the next token, refilled at perSecond", () => {
      let now = 0;
      const budgets = new MessageBudgets(limits, () => now);
      for (let i = 0; i < 4; i++) assert.equal(budgets.charge("u", "hb"), 0);
      assert.equal(budgets.charge("u", "hb"), 500);
      assert.equal(budgets.charge("u", "cart.set"), 0, "commands have their own bucket");
      assert.equal(budgets.charge("v", "hb"), 0, "users have their own buckets");
      now = 500;
      assert.equal(budgets.charge("u", "hb"), 0);
      assert.ok(budgets.charge("u", "hb") > 0);
    });

    it("counts strikes per socket: a socket refused past floodStrikes is to be closed, another is not", () => {
      let now = 0;
      const budgets = new MessageBudgets(limits, () => now);
      const [a, b] = [{}, {}];
      assert.deepEqual([budgets.strike(a), budgets.strike(a), budgets.strike(a), budgets.strike(a)], [false, false, false, true]);
      assert.equal(budgets.strike(b), false);
      now = 10_000; // one strike forgiven per second
      assert.equal(budgets.strike(a), false);
    });

    it("forgets users whose buckets are full again", () => {
      let now = 0;
      const budgets = new MessageBudgets(limits, () => now);
      for (let i = 0; i < 1000; i++) budgets.charge(`u${i}`, "hb");
      assert.equal(budgets.trackedUsers, 1000);
      now = 60_000;
      budgets.charge("fresh", "hb");
      assert.equal(budgets.trackedUsers, 1);
    });
  });

  describe("configuration", () => {
    it("ROOM_LIMITS: on by default, off, or a JSON override; a bad value names the variable", () => {
      assert.deepEqual(loadConfig({}).roomLimits, DEFAULT_ROOM_LIMITS);
      assert.equal(loadConfig({ ROOM_LIMITS: "off" }).roomLimits, null);
      assert.equal(loadConfig({ ROOM_LIMITS: '{"socketsPerUser":5}' }).roomLimits?.socketsPerUser, 5);
      assert.throws(() => loadConfig({ ROOM_LIMITS: '{"socketsPerUser":0}' }), /ROOM_LIMITS: socketsPerUser/);
      assert.throws(() => loadConfig({ ROOM_LIMITS: '{"nope":1}' }), /ROOM_LIMITS/);
    });

    it("EVENT_RETENTION_DAYS: 30 by default, off keeps everything; matchmake limits are RATE_LIMITS classes", () => {
      assert.equal(loadConfig({}).eventRetentionDays, 30);
      assert.equal(loadConfig({ EVENT_RETENTION_DAYS: "off" }).eventRetentionDays, null);
      assert.throws(() => loadConfig({ EVENT_RETENTION_DAYS: "-1" }), /EVENT_RETENTION_DAYS/);
      assert.equal(loadConfig({ RATE_LIMITS: '{"matchmakeUser":{"points":5,"durationSeconds":10}}' }).rateLimits?.matchmakeUser.points, 5);
    });
  });
});
