/**
 * One contract, two stores: the session cache in memory (embedded mode) and in Redis
 * (several nodes) must behave the same. `sessionCacheContract` is the test body; each
 * backend only supplies a factory.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { MemorySessionCache } from "../../server/src/identity/memory-session-cache.ts";
import { RedisSessionCache } from "../../server/src/identity/redis-session-cache.ts";
import type { CachedSession, SessionCache } from "../../server/src/identity/session-cache.ts";
import { RedisKeys } from "../../server/src/redis/keys.ts";
import { uniquePrefix } from "../support/services.ts";
import { REDIS_BACKENDS } from "../support/redis-backends.ts";
import { redisForSuite, sleep } from "./helpers.ts";

interface CacheUnderTest {
  cache: SessionCache;
  /** Lets `ms` of cache time pass (a fake clock for memory, real time for Redis). */
  elapse(ms: number): Promise<void>;
}

const session = (overrides: Partial<CachedSession> = {}): CachedSession => ({
  sessionId: `s_${randomUUID()}`,
  userId: `u_${randomUUID()}`,
  name: "ada",
  roles: ["admin"],
  expiresAt: Date.now() + 3_600_000,
  ...overrides,
});

function sessionCacheContract(make: () => Promise<CacheUnderTest> | CacheUnderTest): void {
  let t: CacheUnderTest;
  beforeEach(async () => {
    t = await make();
  });

  it("returns null for an unknown session id", async () => {
    assert.equal(await t.cache.get(`s_${randomUUID()}`), null);
  });

  it("returns what fill stored, field for field", async () => {
    const s = session();
    await t.cache.fill(s, 60);
    assert.deepEqual(await t.cache.get(s.sessionId), s);
    assert.equal((await t.cache.get(s.sessionId))?.revoked, undefined);
  });

  it("fill does not replace an entry that is already there", async () => {
    const s = session({ name: "first" });
    await t.cache.fill(s, 60);
    await t.cache.fill({ ...s, name: "second" }, 60);
    assert.equal((await t.cache.get(s.sessionId))?.name, "first");
  });

  it("markRevoked turns a cached session into a tombstone", async () => {
    const s = session();
    await t.cache.fill(s, 60);
    await t.cache.markRevoked(s.sessionId, 60);
    const got = await t.cache.get(s.sessionId);
    assert.equal(got?.sessionId, s.sessionId);
    assert.equal(got?.revoked, true);
  });

  it("fill does not overwrite a tombstone (a slow reader cannot undo a logout)", async () => {
    const s = session();
    await t.cache.markRevoked(s.sessionId, 60);
    await t.cache.fill(s, 60);
    assert.equal((await t.cache.get(s.sessionId))?.revoked, true);
  });

  it("entries expire after their TTL", async () => {
    const s = session();
    await t.cache.fill(s, 1);
    await t.elapse(300);
    assert.ok(await t.cache.get(s.sessionId), "still there before the TTL");
    await t.elapse(900);
    assert.equal(await t.cache.get(s.sessionId), null);
    // Once expired, fill may store it again.
    await t.cache.fill(s, 60);
    assert.deepEqual(await t.cache.get(s.sessionId), s);
  });

  it("tombstones expire after their TTL too", async () => {
    const s = session();
    await t.cache.markRevoked(s.sessionId, 1);
    await t.elapse(1200);
    assert.equal(await t.cache.get(s.sessionId), null);
  });
}

describe("session cache contract", function () {
  describe("memory", function () {
    sessionCacheContract(() => {
      let now = Date.now();
      const cache = new MemorySessionCache(() => now);
      return {
        cache,
        elapse: async (ms) => {
          now += ms;
        },
      };
    });
  });

  for (const backend of REDIS_BACKENDS) describe(backend, function () {
    const prefix = uniquePrefix("session-cache");
    const suite = redisForSuite(prefix, "Redis session cache", backend);

    sessionCacheContract(() => ({
      cache: new RedisSessionCache(suite.redis, new RedisKeys(prefix)),
      elapse: (ms) => sleep(ms),
    }));

    it("keeps every key under the configured prefix", async function () {
      const s = session();
      await new RedisSessionCache(suite.redis, new RedisKeys(prefix)).fill(s, 60);
      assert.equal(await suite.redis.exists(`${prefix}session:${s.sessionId}`), 1);
      const ttl = await suite.redis.ttl(`${prefix}session:${s.sessionId}`);
      assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
    });
  });
});
