import type { Logger } from "../logger.ts";
import type { Lease } from "./leases.ts";

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
 * node): the order expiry sweep, event retention. Ticks never overlap; a failing tick is
 * logged and the next one runs as usual.
 */
export class LeasedJob {
  private readonly repeater: Repeater;

  constructor(
    private readonly o: {
      lease: Lease;
      intervalMs: number;
      logger: Logger;
      /** Named in the log line of a failed tick. */
      name: string;
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
      this.o.logger.warn({ err, job: this.o.name }, `${this.o.name} tick failed`);
    }
  }

  async stop(): Promise<void> {
    await this.repeater.stop();
    await this.o.lease.release().catch(() => undefined);
  }
}
