import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { CachedSession, SessionCache } from "./session-cache.ts";

/** Session cache shared by every node through Redis (`SET NX EX`, JSON values). */
export class RedisSessionCache implements SessionCache {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(sessionId: string): Promise<CachedSession | null> {
    const raw = await this.redis.get(this.keys.session(sessionId));
    if (!raw) return null;
    try {
      return JSON.parse(raw) as CachedSession;
    } catch {
      return null;
    }
  }

  async fill(session: CachedSession, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.session(session.sessionId), JSON.stringify(session), "EX", ttlSeconds, "NX");
  }

  async markRevoked(sessionId: string, ttlSeconds: number): Promise<void> {
    const tombstone: CachedSession = { sessionId, userId: "", name: "", roles: [], expiresAt: 0, revoked: true };
    await this.redis.set(this.keys.session(sessionId), JSON.stringify(tombstone), "EX", ttlSeconds);
  }
}
