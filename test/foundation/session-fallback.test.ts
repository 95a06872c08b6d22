/**
 * SessionService (server/src/identity/session-service.ts) against a real embedded
 * database: the session cache is a fast path only. When every cache call fails (Redis
 * down), sign-in, authentication and logout still work from Postgres.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { AppError } from "../../server/src/errors.ts";
import { MemorySessionCache } from "../../server/src/identity/memory-session-cache.ts";
import type { SessionCache } from "../../server/src/identity/session-cache.ts";
import { AccessTokens } from "../../server/src/identity/tokens.ts";
import { embeddedDatabase, SESSION_TEST_SECRET, sessionService } from "./helpers.ts";

/** A cache that is down: every call rejects, like ioredis with Redis away. */
const rejectingCache: SessionCache = {
  get: async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
  fill: async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
  markRevoked: async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
};

/** A broken cache implementation that throws before it even returns a promise. */
const throwingCache: SessionCache = {
  get: () => {
    throw new Error("cache bug");
  },
  fill: () => {
    throw new Error("cache bug");
  },
  markRevoked: () => {
    throw new Error("cache bug");
  },
};

const isUnauthorized = (err: unknown) => err instanceof AppError && err.code === "UNAUTHORIZED";

describe("session service", function () {
  const db = embeddedDatabase();

  function build(cache: SessionCache) {
    const published: string[][] = [];
    const service = sessionService(db(), { cache, revocations: { publishRevoked: async (ids) => void published.push(ids) } });
    return { service, published };
  }

  for (const [label, cache] of [
    ["rejects every call", rejectingCache],
    ["throws synchronously", throwingCache],
  ] as const) {
    describe(`with a session cache that ${label}`, function () {
      it("signs in, authenticates from the database, and logs out", async () => {
        const { service, published } = build(cache);
        const { identity, token } = await service.signInGuest("grace");
        assert.equal(identity.name, "grace");

        const seen = await service.authenticate(token);
        assert.equal(seen.source, "database");
        assert.equal(seen.sessionId, identity.sessionId);
        assert.equal(seen.userId, identity.userId);

        await service.revoke(identity.sessionId);
        assert.deepEqual(published, [[identity.sessionId]], "other nodes still hear about the logout");
        await assert.rejects(service.authenticate(token), isUnauthorized);
      });
    });
  }

  describe("with a working cache", function () {
    it("answers the second lookup from the cache, and a logout wins over it", async () => {
      const { service } = build(new MemorySessionCache());
      const { identity, token } = await service.signInGuest("hopper");
      assert.equal((await service.authenticate(token)).source, "cache");
      await service.revoke(identity.sessionId);
      await assert.rejects(service.authenticate(token), isUnauthorized);
    });

    it("provisions a session for an offline-minted (prv) admin token on first use, never after revocation", async () => {
      const { service } = build(new MemorySessionCache());
      const tokens = new AccessTokens(SESSION_TEST_SECRET);
      const sid = `s_${randomUUID()}`;
      const token = tokens.sign(
        { sub: `u_${randomUUID()}`, sid, name: "ops", roles: ["admin"], prv: true },
        new Date(Date.now() + 60_000),
      );
      const first = await service.authenticate(token);
      assert.equal(first.isAdmin, true);
      assert.equal(first.sessionId, sid);
      await service.revoke(sid);
      await assert.rejects(service.authenticate(token), isUnauthorized);
      // Even with the cache cold (another node), the revoked row is not resurrected.
      const { service: other } = build(new MemorySessionCache());
      await assert.rejects(other.authenticate(token), isUnauthorized);
    });

    it("refuses a token for a session that does not exist (no prv claim)", async () => {
      const { service } = build(new MemorySessionCache());
      const token = new AccessTokens(SESSION_TEST_SECRET).sign(
        { sub: "u_nobody", sid: `s_${randomUUID()}`, name: "x", roles: ["admin"] },
        new Date(Date.now() + 60_000),
      );
      await assert.rejects(service.authenticate(token), isUnauthorized);
    });
  });
});
