import type { CachedSession, SessionCache } from "./session-cache.ts";

/** In-process session cache for the one-node embedded mode. */
export class MemorySessionCache implements SessionCache {
  private readonly entries = new Map<string, { value: CachedSession; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(sessionId: string): Promise<CachedSession | null> {
    const entry = this.entries.get(sessionId);
    if (!entry) return null;
    if (entry.until <= this.now()) {
      this.entries.delete(sessionId);
      return null;
    }
    return structuredClone(entry.value);
  }

  async fill(session: CachedSession, ttlSeconds: number): Promise<void> {
    const existing = this.entries.get(session.sessionId);
    if (existing && existing.until > this.now()) return;
    this.entries.set(session.sessionId, { value: structuredClone(session), until: this.now() + ttlSeconds * 1000 });
    this.sweepSometimes();
  }

  async markRevoked(sessionId: string, ttlSeconds: number): Promise<void> {
    const existing = this.entries.get(sessionId)?.value;
    const tombstone: CachedSession = existing
      ? { ...existing, revoked: true }
      : { sessionId, userId: "", name: "", roles: [], expiresAt: 0, revoked: true };
    this.entries.set(sessionId, { value: tombstone, until: this.now() + ttlSeconds * 1000 });
  }

  private fills = 0;
  /** Expired entries are dropped on read; this keeps never-read ones from piling up. */
  private sweepSometimes(): void {
    if (++this.fills % 1000 !== 0) return;
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.until <= now) this.entries.delete(key);
  }
}
