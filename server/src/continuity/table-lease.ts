import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { ContinuityCommands } from "./redis-scripts.ts";

/**
 * Who hosts a table's live room: one owner id (`processId/roomId`) per table, with a
 * TTL the room renews. At most one room in the cluster holds it; a room that cannot
 * renew it stops taking commands (and its appends are refused by the log's fence).
 */
export interface TableLeases {
  /** Takes the lease if free. Returns null when `owner` holds it, else the holder's id. */
  acquire(tableId: string, owner: string, ttlMs: number): Promise<string | null>;
  /** Extends it while `owner` holds it; false when it was lost. */
  renew(tableId: string, owner: string, ttlMs: number): Promise<boolean>;
  release(tableId: string, owner: string): Promise<void>;
  /** Takes it from `deadOwner` (whose process is gone); false when someone else holds it. */
  takeover(tableId: string, deadOwner: string, owner: string, ttlMs: number): Promise<boolean>;
  holder(tableId: string): Promise<string | null>;
}

export class RedisTableLeases implements TableLeases {
  constructor(
    private readonly redis: Redis & ContinuityCommands,
    private readonly keys: RedisKeys,
  ) {}

  async acquire(tableId: string, owner: string, ttlMs: number): Promise<string | null> {
    const holder = (await this.redis.hfTableLeaseAcquire(this.keys.tableLease(tableId), owner, ttlMs)) as string;
    return holder === "" ? null : holder;
  }

  async renew(tableId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.hfTableLeaseRenew(this.keys.tableLease(tableId), owner, ttlMs)) === 1;
  }

  async release(tableId: string, owner: string): Promise<void> {
    await this.redis.hfTableLeaseRelease(this.keys.tableLease(tableId), owner);
  }

  async takeover(tableId: string, deadOwner: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.hfTableLeaseTakeover(this.keys.tableLease(tableId), deadOwner, owner, ttlMs)) === 1;
  }

  holder(tableId: string): Promise<string | null> {
    return this.redis.get(this.keys.tableLease(tableId));
  }
}

/** Embedded mode (one process): the same rules over a map. */
export class MemoryTableLeases implements TableLeases {
  private readonly leases = new Map<string, { owner: string; until: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  private current(tableId: string): string | null {
    const lease = this.leases.get(tableId);
    if (!lease) return null;
    if (lease.until <= this.now()) {
      this.leases.delete(tableId);
      return null;
    }
    return lease.owner;
  }

  async acquire(tableId: string, owner: string, ttlMs: number): Promise<string | null> {
    const cur = this.current(tableId);
    if (cur !== null && cur !== owner) return cur;
    this.leases.set(tableId, { owner, until: this.now() + ttlMs });
    return null;
  }

  async renew(tableId: string, owner: string, ttlMs: number): Promise<boolean> {
    // One process: a lease that expired while this thread was busy, and that nobody has
    // looked at or taken since (the entry is still ours), was held by nobody else
    // meanwhile, so extending it is safe. A stalled event loop is not a takeover.
    if (this.leases.get(tableId)?.owner !== owner) return false;
    this.leases.set(tableId, { owner, until: this.now() + ttlMs });
    return true;
  }

  async release(tableId: string, owner: string): Promise<void> {
    if (this.current(tableId) === owner) this.leases.delete(tableId);
  }

  async takeover(tableId: string, deadOwner: string, owner: string, ttlMs: number): Promise<boolean> {
    const cur = this.current(tableId);
    if (cur !== null && cur !== deadOwner && cur !== owner) return false;
    this.leases.set(tableId, { owner, until: this.now() + ttlMs });
    return true;
  }

  async holder(tableId: string): Promise<string | null> {
    return this.current(tableId);
  }
}

/** `processId/roomId`: the process part tells whether the holder can still be alive. */
export function ownerId(processId: string, roomId: string): string {
  return `${processId}/${roomId}`;
}

export function parseOwner(owner: string): { processId: string; roomId: string } {
  const slash = owner.indexOf("/");
  return { processId: owner.slice(0, slash), roomId: owner.slice(slash + 1) };
}
