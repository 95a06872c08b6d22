import { randomUUID } from "node:crypto";
import { ErrorCode, Role } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { CachedSession, SessionCache } from "./session-cache.ts";
import type { SessionRepository } from "./session-repository.ts";
import { AccessTokens, type AccessClaims } from "./tokens.ts";

/** Who is calling: the verified token plus the live session behind it. */
export interface Identity {
  userId: string;
  name: string;
  roles: string[];
  sessionId: string;
  expiresAt: Date;
  /** Where the session lookup was answered. */
  source: "cache" | "database";
  isAdmin: boolean;
}

/** Publishes revocations to every node (presence pub/sub); see SessionRevocations. */
export interface RevocationPublisher {
  publishRevoked(sessionIds: string[]): Promise<void>;
}

export interface SessionServiceOptions {
  repository: SessionRepository;
  cache: SessionCache;
  tokens: AccessTokens;
  revocations: RevocationPublisher;
  logger: Logger;
  sessionTtlSeconds: number;
  cacheTtlSeconds: number;
  /**
   * In-process cache of verified access tokens (see VerifiedTokens). Off when absent.
   * Only enable it where every revocation reaches `forgetSessions` (the app wires it to
   * `SessionRevocations.listen`).
   */
  tokenCache?: { ttlMs: number; maxEntries: number };
  /** The clock (ms since the epoch) for session and cache expiry; tests pass a manual one. Default Date.now. */
  now?: () => number;
}

/** Verified-token cache of a node (5 s, bounded by the session cache TTL). */
export const TOKEN_CACHE_DEFAULTS = { ttlMs: 5_000, maxEntries: 20_000 } as const;

/**
 * Verified access tokens of this node, by token string: the hot path of every
 * authenticated request skips the JWT check and the session cache round trip.
 *
 * Trade-off: a revocation is seen here through `forget` (the node's own logouts, and
 * every other node's through the revocations presence channel, the same channel that
 * closes sockets). If that message were lost, a revoked token could still pass on this
 * node for at most `ttlMs` (a few seconds, never more than the session cache TTL, nor
 * past the token's or the session's expiry). A lookup that was in flight when a
 * revocation arrived is not cached (revocation epoch), so it cannot re-insert a session
 * that was just revoked. Bounded: the oldest entries go first when it is full.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { identity: Identity; until: number }>();
  /** Tokens of each cached session, so a revocation costs O(its sessions), not O(cache). */
  private readonly bySession = new Map<string, Set<string>>();
  /** Bumped by every revocation; a lookup started in an older epoch is not cached. */
  epoch = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(token: string, now: number): Identity | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until > now) return entry.identity;
    this.remove(token, entry.identity.sessionId);
    return undefined;
  }

  /** Caches `identity` for `token` until the earliest of ttl, token expiry and session expiry. */
  set(token: string, identity: Identity, tokenExpMs: number, sessionExpMs: number, epoch: number, now: number): void {
    if (epoch !== this.epoch) return;
    const until = Math.min(now + this.ttlMs, tokenExpMs, sessionExpMs);
    if (until <= now) return;
    if (this.entries.size >= this.maxEntries) {
      // Drop the oldest insertions (a Map iterates in insertion order).
      let drop = Math.max(1, this.maxEntries >> 4);
      for (const [key, entry] of this.entries) {
        this.remove(key, entry.identity.sessionId);
        if (--drop === 0) break;
      }
    }
    const cached: Identity = Object.freeze({ ...identity, roles: Object.freeze([...identity.roles]) as string[], source: "cache" as const });
    this.entries.set(token, { identity: cached, until });
    let tokens = this.bySession.get(identity.sessionId);
    if (!tokens) this.bySession.set(identity.sessionId, (tokens = new Set()));
    tokens.add(token);
  }

  forget(sessionIds: Iterable<string>): void {
    this.epoch++;
    for (const id of sessionIds) {
      const tokens = this.bySession.get(id);
      if (!tokens) continue;
      this.bySession.delete(id);
      for (const token of tokens) this.entries.delete(token);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(token: string, sessionId: string): void {
    this.entries.delete(token);
    const tokens = this.bySession.get(sessionId);
    if (!tokens) return;
    tokens.delete(token);
    if (tokens.size === 0) this.bySession.delete(sessionId);
  }
}

/**
 * Guest sign-in, token checks and logout. A token is only as good as its session:
 * `authenticate` checks the signature, then asks the cache (falling back to Postgres
 * when it misses or is down) whether the session is still live.
 */
export class SessionService {
  private readonly verified: VerifiedTokens | undefined;
  private readonly now: () => number;

  constructor(private readonly o: SessionServiceOptions) {
    this.now = o.now ?? Date.now;
    if (o.tokenCache && o.tokenCache.ttlMs > 0 && o.tokenCache.maxEntries > 0) {
      // Never longer than the shared session cache keeps an entry.
      this.verified = new VerifiedTokens(Math.min(o.tokenCache.ttlMs, o.cacheTtlSeconds * 1000), o.tokenCache.maxEntries);
    }
  }

  /**
   * Drops cached verified tokens of these sessions: call it for every revocation this
   * node hears of (its own logouts do it themselves). Any call, even with no ids, also
   * keeps lookups in flight from being cached.
   */
  forgetSessions(sessionIds: Iterable<string>): void {
    this.verified?.forget(sessionIds);
  }

  /** Entries in the verified-token cache (0 when it is off). */
  get verifiedTokenCount(): number {
    return this.verified?.size ?? 0;
  }

  async signInGuest(name?: string): Promise<{ identity: Identity; token: string }> {
    const userId = `u_${randomUUID()}`;
    const displayName = name ?? `guest-${userId.slice(2, 8)}`;
    return this.createSession({ userId, name: displayName, roles: [] });
  }

  /** Creates a user (or renames an existing one) and a session for it. Operators' CLI uses it. */
  async createSession(user: { userId: string; name: string; roles: string[] }): Promise<{ identity: Identity; token: string }> {
    const sessionId = `s_${randomUUID()}`;
    const expiresAt = new Date(this.now() + this.o.sessionTtlSeconds * 1000);
    const record = await this.o.repository.createUserWithSession(user, { sessionId, expiresAt });
    const cached = toCached(record);
    await this.cacheFill(cached);
    const claims: AccessClaims = { sub: record.userId, sid: record.sessionId, name: record.name, roles: record.roles };
    return { identity: toIdentity(cached, "database"), token: this.o.tokens.sign(claims, record.expiresAt) };
  }

  /**
   * The identity of `token` when this node verified it moments ago (the verified-token
   * cache), without a promise; undefined otherwise: then call `authenticate`.
   */
  cachedIdentity(token: string | undefined): Identity | undefined {
    return token && this.verified ? this.verified.get(token, this.now()) : undefined;
  }

  /** Verifies an access token and its session. Throws UNAUTHORIZED. */
  async authenticate(token: string | undefined): Promise<Identity> {
    if (!token) throw new AppError(ErrorCode.UNAUTHORIZED, "missing access token");
    const hit = this.cachedIdentity(token);
    if (hit) return hit;
    const epoch = this.verified?.epoch ?? 0;
    const claims = this.o.tokens.verify(token);
    let { session, source } = await this.lookup(claims.sid);
    if (!session && claims.prv) {
      const record = await this.o.repository.provisionSession(
        { userId: claims.sub, name: claims.name, roles: claims.roles },
        { sessionId: claims.sid, expiresAt: new Date(claims.exp * 1000) },
      );
      session = toCached(record);
      source = "database";
    }
    if (!session || session.revoked) throw new AppError(ErrorCode.UNAUTHORIZED, "session revoked");
    if (session.userId !== claims.sub) throw new AppError(ErrorCode.UNAUTHORIZED, "access token invalid");
    const now = this.now();
    if (session.expiresAt <= now) throw new AppError(ErrorCode.UNAUTHORIZED, "session expired");
    const identity = toIdentity(session, source);
    this.verified?.set(token, identity, claims.exp * 1000, session.expiresAt, epoch, now);
    return identity;
  }

  async revoke(sessionId: string): Promise<void> {
    await this.o.repository.revokeSession(sessionId);
    await this.afterRevoke([sessionId]);
  }

  async revokeAllForUser(userId: string): Promise<string[]> {
    const ids = await this.o.repository.revokeUserSessions(userId);
    await this.afterRevoke(ids);
    return ids;
  }

  private async afterRevoke(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await Promise.all(
      sessionIds.map((id) =>
        // Promise.resolve().then: a cache that throws synchronously is "down" too.
        Promise.resolve().then(() => this.o.cache.markRevoked(id, this.o.cacheTtlSeconds)).catch((err) =>
          // The database already says revoked; a stale cache entry would let the token
          // live until the cache TTL, so say so loudly.
          this.o.logger.error({ err, sessionId: id }, "could not write revocation to the session cache"),
        ),
      ),
    );
    // After the tombstone: a lookup that read the shared cache before it landed is still
    // in flight (the epoch keeps it out) or already cached (dropped here).
    this.forgetSessions(sessionIds);
    await this.o.revocations.publishRevoked(sessionIds);
  }

  private async lookup(sessionId: string): Promise<{ session: CachedSession | null; source: Identity["source"] }> {
    try {
      const hit = await this.o.cache.get(sessionId);
      if (hit) return { session: hit, source: "cache" };
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, "session cache unreachable, reading the database");
    }
    const record = await this.o.repository.findSession(sessionId);
    if (!record) return { session: null, source: "database" };
    const cached = toCached(record);
    await this.cacheFill(cached);
    return { session: cached, source: "database" };
  }

  private async cacheFill(session: CachedSession): Promise<void> {
    // Never cache longer than the session lives.
    const ttl = Math.min(this.o.cacheTtlSeconds, Math.max(1, Math.floor((session.expiresAt - this.now()) / 1000)));
    await Promise.resolve()
      .then(() => this.o.cache.fill(session, ttl))
      .catch(() => undefined);
  }
}

function toCached(r: { sessionId: string; userId: string; name: string; roles: string[]; expiresAt: Date; revokedAt: Date | null }): CachedSession {
  return {
    sessionId: r.sessionId,
    userId: r.userId,
    name: r.name,
    roles: r.roles,
    expiresAt: r.expiresAt.getTime(),
    ...(r.revokedAt ? { revoked: true } : {}),
  };
}

function toIdentity(s: CachedSession, source: Identity["source"]): Identity {
  return {
    userId: s.userId,
    name: s.name,
    roles: s.roles,
    sessionId: s.sessionId,
    expiresAt: new Date(s.expiresAt),
    source,
    isAdmin: s.roles.includes(Role.ADMIN),
  };
}
