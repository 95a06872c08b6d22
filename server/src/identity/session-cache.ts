/**
 * Read-through cache in front of the sessions table. Postgres stays the source of
 * truth; a cache miss, or a cache that is down, falls back to the database.
 */
export interface CachedSession {
  sessionId: string;
  userId: string;
  name: string;
  roles: string[];
  /** Epoch ms. */
  expiresAt: number;
  /** Set on a tombstone: the session was revoked; never serve it as valid. */
  revoked?: boolean;
}

export interface SessionCache {
  get(sessionId: string): Promise<CachedSession | null>;
  /**
   * Fills the cache only when nothing is there yet, so a slow reader that loaded the
   * row before a revocation cannot overwrite the revocation's tombstone.
   */
  fill(session: CachedSession, ttlSeconds: number): Promise<void>;
  /** Overwrites the entry with a tombstone that lives `ttlSeconds`. */
  markRevoked(sessionId: string, ttlSeconds: number): Promise<void>;
  close?(): Promise<void>;
}
