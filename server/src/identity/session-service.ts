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
}

/**
 * Guest sign-in, token checks and logout. A token is only as good as its session:
 * `authenticate` checks the signature, then asks the cache (falling back to Postgres
 * when it misses or is down) whether the session is still live.
 */
export class SessionService {
  constructor(private readonly o: SessionServiceOptions) {}

  async signInGuest(name?: string): Promise<{ identity: Identity; token: string }> {
    const userId = `u_${randomUUID()}`;
    const displayName = name ?? `guest-${userId.slice(2, 8)}`;
    return this.createSession({ userId, name: displayName, roles: [] });
  }

  /** Creates a user (or renames an existing one) and a session for it. Operators' CLI uses it. */
  async createSession(user: { userId: string; name: string; roles: string[] }): Promise<{ identity: Identity; token: string }> {
    const sessionId = `s_${randomUUID()}`;
    const expiresAt = new Date(Date.now() + this.o.sessionTtlSeconds * 1000);
    const record = await this.o.repository.createUserWithSession(user, { sessionId, expiresAt });
    const cached = toCached(record);
    await this.cacheFill(cached);
    const claims: AccessClaims = { sub: record.userId, sid: record.sessionId, name: record.name, roles: record.roles };
    return { identity: toIdentity(cached, "database"), token: this.o.tokens.sign(claims, record.expiresAt) };
  }

  /** Verifies an access token and its session. Throws UNAUTHORIZED. */
  async authenticate(token: string | undefined): Promise<Identity> {
    if (!token) throw new AppError(ErrorCode.UNAUTHORIZED, "missing access token");
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
    if (session.expiresAt <= Date.now()) throw new AppError(ErrorCode.UNAUTHORIZED, "session expired");
    return toIdentity(session, source);
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
    const ttl = Math.min(this.o.cacheTtlSeconds, Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000)));
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
