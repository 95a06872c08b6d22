/**
 * The verified-token cache of SessionService (server/src/identity/session-service.ts):
 * repeated requests with one token skip the JWT check and the session cache, and every
 * revocation (this node's, or another node's heard on the revocations channel) evicts it.
 */
import assert from "node:assert/strict";
import { LocalPresence } from "@colyseus/core";
import { AppError } from "../../server/src/errors.ts";
import { MemorySessionCache } from "../../server/src/identity/memory-session-cache.ts";
import type { CachedSession, SessionCache } from "../../server/src/identity/session-cache.ts";
import { SessionRevocations } from "../../server/src/identity/session-revocations.ts";
import type { SessionServiceOptions } from "../../server/src/identity/session-service.ts";
import { embeddedDatabase, sessionService, silentLogger } from "./helpers.ts";

/** A clock that moves only when the test says so (starts at the real time: tokens carry real dates). */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const isUnauthorized = (err: unknown) => err instanceof AppError && err.code === "UNAUTHORIZED";

/** A shared session cache (as Redis would be) that counts reads and can hold reads back. */
class CountingCache implements SessionCache {
  reads = 0;
  gate: Promise<void> | undefined;
  /** Resolved when a read has its value and waits at the gate. */
  held: Promise<void> = new Promise<void>((r) => (this.holding = r));
  private holding!: () => void;
  constructor(readonly inner = new MemorySessionCache()) {}
  async get(id: string): Promise<CachedSession | null> {
    this.reads++;
    const value = await this.inner.get(id);
    if (this.gate) {
      this.holding();
      await this.gate;
    }
    return value;
  }
  fill(s: CachedSession, ttl: number) {
    return this.inner.fill(s, ttl);
  }
  markRevoked(id: string, ttl: number) {
    return this.inner.markRevoked(id, ttl);
  }
}

describe("session service: verified-token cache", function () {
  const db = embeddedDatabase();
  /** The revocations channel every "node" of a test shares (Redis pub/sub in production). */
  let presence: LocalPresence;
  beforeEach(() => {
    presence = new LocalPresence();
  });

  /** A node's SessionService, wired to the shared revocations channel as app.ts does. */
  function build(cache: SessionCache, options: Partial<SessionServiceOptions> = {}) {
    const revocations = new SessionRevocations(presence, "revocations", silentLogger());
    void revocations.start();
    const service = sessionService(db(), { cache, revocations, tokenCache: { ttlMs: 5_000, maxEntries: 100 }, ...options });
    revocations.listen((ids) => service.forgetSessions(ids));
    return service;
  }

  /** What another node's logout publishes on the channel. */
  const revokedElsewhere = (sessionIds: string[]) => presence.publish("revocations", { sessionIds });

  it("answers repeats from memory (source cache), and a logout on this node evicts at once", async () => {
    const cache = new CountingCache();
    const service = build(cache);
    const { identity, token } = await service.signInGuest("ada");
    const first = await service.authenticate(token);
    const reads = cache.reads;
    for (let i = 0; i < 5; i++) {
      const again = await service.authenticate(token);
      assert.equal(again.source, "cache");
      assert.equal(again.userId, identity.userId);
      assert.equal(again.sessionId, first.sessionId);
    }
    assert.equal(cache.reads, reads, "no shared-cache reads for repeats");
    assert.equal(service.verifiedTokenCount, 1);
    await service.revoke(identity.sessionId);
    assert.equal(service.verifiedTokenCount, 0);
    await assert.rejects(service.authenticate(token), isUnauthorized);
  });

  it("a revocation heard from another node evicts the token", async () => {
    const shared = new MemorySessionCache();
    const nodeA = build(shared);
    const nodeB = build(shared);
    const { identity, token } = await nodeA.signInGuest("bo");
    await nodeB.authenticate(token);
    await nodeB.authenticate(token);
    assert.equal(nodeB.verifiedTokenCount, 1);
    // Node A logs out: database, shared cache tombstone, then the channel message.
    await nodeA.revoke(identity.sessionId);
    assert.equal(nodeB.verifiedTokenCount, 0);
    await assert.rejects(nodeB.authenticate(token), isUnauthorized);
  });

  it("a lookup in flight when a revocation arrives is not cached", async () => {
    const cache = new CountingCache();
    const service = build(cache);
    const { identity, token } = await service.signInGuest("cy");
    let release!: () => void;
    cache.gate = new Promise<void>((r) => (release = r));
    const pending = service.authenticate(token); // read the live entry, now waits
    await cache.held;
    revokedElsewhere([identity.sessionId]);
    release();
    cache.gate = undefined;
    await pending; // answered: it started before the revocation
    assert.equal(service.verifiedTokenCount, 0, "but not remembered");
  });

  it("entries live at most ttlMs, and the cache stays within maxEntries", async () => {
    const cache = new CountingCache();
    const clock = manualClock();
    const service = build(cache, { tokenCache: { ttlMs: 50, maxEntries: 4 }, now: clock.now });
    const signed = [];
    for (let i = 0; i < 6; i++) signed.push(await service.signInGuest(`u${i}`));
    const tokens = signed.map((s) => s.token);
    for (const t of tokens) await service.authenticate(t);
    assert.ok(service.verifiedTokenCount <= 4, `size ${service.verifiedTokenCount}`);
    // Evicted and cached sessions alike are forgotten by id.
    const before = service.verifiedTokenCount;
    revokedElsewhere([signed[0].identity.sessionId, signed[5].identity.sessionId]);
    assert.equal(service.verifiedTokenCount, before - 1, "the newest was cached, the oldest already evicted");
    await service.authenticate(tokens[4]);
    clock.advance(80);
    const reads = cache.reads;
    await service.authenticate(tokens[4]);
    assert.equal(cache.reads, reads + 1, "expired entry: the session is looked up again");
  });

  it("never caches past the session cache TTL", async () => {
    const cache = new CountingCache();
    const clock = manualClock();
    const service = build(cache, { cacheTtlSeconds: 1, tokenCache: { ttlMs: 60_000, maxEntries: 10 }, now: clock.now });
    const { token } = await service.signInGuest("dee");
    await service.authenticate(token);
    const reads = cache.reads;
    await service.authenticate(token);
    assert.equal(cache.reads, reads, "cached within the TTL");
    clock.advance(1100);
    await service.authenticate(token);
    assert.equal(cache.reads, reads + 1, "looked up again after cacheTtlSeconds, not ttlMs");
  });

  it("an expired or forged token is refused even though another token is cached", async () => {
    const service = build(new CountingCache());
    const { token } = await service.signInGuest("eve");
    await service.authenticate(token);
    const [h, p] = token.split(".");
    await assert.rejects(service.authenticate(`${h}.${p}.AAAA`), isUnauthorized);
  });
});
