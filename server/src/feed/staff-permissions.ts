import type { Presence } from "@colyseus/core";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { Logger } from "../logger.ts";
import { PresenceChannel } from "../redis/presence-channel.ts";
import type { StaffRepository } from "./staff-repository.ts";

/** Where cached grants live: Redis (shared by nodes) or this process. */
export interface GrantCache {
  get(userId: string): Promise<string[] | null>;
  set(userId: string, branches: string[], ttlSeconds: number): Promise<void>;
  delete(userId: string): Promise<void>;
}

export class MemoryGrantCache implements GrantCache {
  private readonly entries = new Map<string, { branches: string[]; until: number }>();
  async get(userId: string): Promise<string[] | null> {
    const e = this.entries.get(userId);
    if (!e || e.until <= Date.now()) return null;
    return [...e.branches];
  }
  async set(userId: string, branches: string[], ttlSeconds: number): Promise<void> {
    this.entries.set(userId, { branches: [...branches], until: Date.now() + ttlSeconds * 1000 });
  }
  async delete(userId: string): Promise<void> {
    this.entries.delete(userId);
  }
}

export class RedisGrantCache implements GrantCache {
  constructor(
    private readonly redis: Redis,
    private readonly key: (userId: string) => string,
  ) {}
  async get(userId: string): Promise<string[] | null> {
    const raw = await this.redis.get(this.key(userId));
    return raw ? (JSON.parse(raw) as string[]) : null;
  }
  async set(userId: string, branches: string[], ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(userId), JSON.stringify(branches), "EX", ttlSeconds);
  }
  async delete(userId: string): Promise<void> {
    await this.redis.del(this.key(userId));
  }
}

/**
 * Which branches a staff user may watch: Postgres is the truth, the cache (short TTL)
 * the fast path, with a database fallback when the cache is down. A change drops the
 * cached entry and is announced over presence, so every node's feed rooms re-check
 * that user's subscriptions at once (a removed grant stops the events within a second).
 */
export class StaffPermissions {
  private readonly changes: PresenceChannel<{ userId: string }>;

  constructor(
    private readonly repo: StaffRepository,
    private readonly cache: GrantCache,
    presence: Presence,
    channelName: string,
    private readonly logger: Logger,
    private readonly ttlSeconds = 30,
  ) {
    this.changes = new PresenceChannel(presence, channelName, (raw) => {
      const userId = (raw as { userId?: unknown } | null)?.userId;
      return typeof userId === "string" ? { userId } : null;
    });
  }

  start(): Promise<void> {
    return this.changes.start();
  }

  stop(): void {
    this.changes.stop();
  }

  async branchesOf(userId: string): Promise<string[]> {
    try {
      const hit = await this.cache.get(userId);
      if (hit) return hit;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "grant cache unreachable, reading the database");
    }
    const branches = await this.repo.branchesOf(userId);
    await this.cache.set(userId, branches, this.ttlSeconds).catch(() => undefined);
    return branches;
  }

  async grant(userId: string, branchId: string): Promise<void> {
    await this.repo.grant(userId, branchId);
    await this.changed(userId);
  }

  async revoke(userId: string, branchId: string): Promise<boolean> {
    const removed = await this.repo.revoke(userId, branchId);
    await this.changed(userId);
    return removed;
  }

  /** Called with a user id whenever that user's grants change (on any node). */
  onChange(listener: (userId: string) => void): () => void {
    return this.changes.listen(({ userId }) => listener(userId));
  }

  private async changed(userId: string): Promise<void> {
    await this.cache.delete(userId).catch((err) => this.logger.error({ err, userId }, "could not drop cached grants"));
    await this.changes.publish({ userId });
  }
}
