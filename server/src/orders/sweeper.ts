import { randomUUID } from "node:crypto";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { HoldCommands } from "../holds/hold-scripts.ts";
import type { Logger } from "../logger.ts";

/** A single-runner lease: only the node holding it runs the periodic sweep. */
export interface Lease {
  /** Takes or renews the lease; true while this node holds it. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** Redis lease: SET NX PX with an owner check (lua/lease-acquire.lua), shared by every node. */
export class RedisLease implements Lease {
  private readonly owner = randomUUID();
  constructor(
    private readonly redis: Redis & HoldCommands,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async acquire(): Promise<boolean> {
    return (await this.redis.hfLeaseAcquire(this.key, this.owner, this.ttlMs)) === 1;
  }

  async release(): Promise<void> {
    await this.redis.hfLeaseRelease(this.key, this.owner);
  }
}

/** Embedded mode has one node: it always holds the lease. */
export class MemoryLease implements Lease {
  async acquire(): Promise<boolean> {
    return true;
  }
  async release(): Promise<void> {}
}

/**
 * Runs `run` every `intervalMs`, never overlapping: the next run is scheduled when the
 * previous one settles. `stop` cancels the next run and waits for the current one.
 */
export class Repeater {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.run().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    this.timer = setTimeout(loop, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

/**
 * Runs `tick` every `intervalMs` on the one node holding the lease (and `always` on every
 * node). Ticks never overlap; a failing tick is logged and the next one runs as usual.
 */
export class Sweeper {
  private readonly repeater: Repeater;

  constructor(
    private readonly o: {
      lease: Lease;
      intervalMs: number;
      logger: Logger;
      always: () => Promise<void>;
      tick: () => Promise<void>;
    },
  ) {
    this.repeater = new Repeater(o.intervalMs, () => this.runOnce());
  }

  start(): void {
    this.repeater.start();
  }

  async runOnce(): Promise<void> {
    try {
      await this.o.always();
      if (await this.o.lease.acquire()) await this.o.tick();
    } catch (err) {
      this.o.logger.warn({ err }, "sweeper tick failed");
    }
  }

  async stop(): Promise<void> {
    await this.repeater.stop();
    await this.o.lease.release().catch(() => undefined);
  }
}
