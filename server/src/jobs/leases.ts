import { randomUUID } from "node:crypto";
import { LEASE_SCRIPTS } from "../redis/lua-scripts.ts";
import type { ScriptClient } from "../redis/scripts.ts";

/** A single-runner lease: only the node holding it runs a periodic job (see LeasedJob). */
export interface Lease {
  /** Takes or renews the lease; true while this node holds it. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Redis lease: SET NX PX with an owner check (redis/lua/lease-acquire.lua), shared by
 * every node. One key, so it works on a Redis Cluster as on one Redis.
 */
export class RedisLease implements Lease {
  private readonly owner = randomUUID();
  private readonly acquireScript;
  private readonly releaseScript;

  constructor(
    redis: ScriptClient,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {
    this.acquireScript = LEASE_SCRIPTS.acquire.on(redis);
    this.releaseScript = LEASE_SCRIPTS.release.on(redis);
  }

  async acquire(): Promise<boolean> {
    return (await this.acquireScript([this.key], this.owner, this.ttlMs)) === 1;
  }

  async release(): Promise<void> {
    await this.releaseScript([this.key], this.owner);
  }
}

/** Embedded mode has one node: it always holds the lease. */
export class MemoryLease implements Lease {
  async acquire(): Promise<boolean> {
    return true;
  }
  async release(): Promise<void> {}
}
