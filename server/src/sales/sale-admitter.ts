import type { Logger } from "../logger.ts";
import type { Lease } from "../jobs/leases.ts";
import { Repeater } from "../jobs/repeater.ts";
import type { Sale } from "./sale-repository.ts";
import type { SaleService } from "./sale-service.ts";
import type { SaleQueueStore } from "./sale-queue-store.ts";

export interface SaleAdmitterOptions {
  service: SaleService;
  queue: SaleQueueStore;
  /** The single-admitter lease of one sale (Redis: owner-checked; memory: always held). */
  leaseFor: (saleId: string) => Lease;
  admissionTtlSeconds: number;
  intervalMs: number;
  logger: Logger;
  /** An operator's pause (shared by every node): while true, lapses go on but nobody is admitted. */
  isPaused?: (saleId: string) => Promise<boolean>;
}

interface SaleRun {
  lease: Lease;
  /** Admissions owed in rate mode (fractions carry over between ticks). */
  budget: number;
  lastStepAt: number;
  started: boolean;
  running: Promise<void> | undefined;
  again: boolean;
}

/**
 * One admitter per sale in the whole cluster. Every node runs this loop; for each live
 * sale it takes (or renews) the sale's lease and only the holder steps the sale:
 * start the line at `startsAt` (the pre-queue shuffle, once), lapse admissions past
 * their deadline, then admit by the sale's mode:
 * - `rate`: `perSecond` admissions per second while there is stock to hold;
 * - `stock`: as many as there are unheld units not already promised to admitted buyers.
 * Steps run every `intervalMs`, and at once when stock returns (a released hold, a
 * cancelled or expired order).
 */
export class SaleAdmitter {
  private readonly runs = new Map<string, SaleRun>();
  private readonly repeater: Repeater;

  constructor(private readonly o: SaleAdmitterOptions) {
    this.repeater = new Repeater(o.intervalMs, () => this.tick());
  }

  private get stopped(): boolean {
    return this.repeater.isStopped;
  }

  start(): void {
    this.repeater.start();
  }

  async stop(): Promise<void> {
    await this.repeater.stop();
    await Promise.all([...this.runs.values()].map((r) => r.running));
    await Promise.all([...this.runs.values()].map((r) => r.lease.release().catch(() => undefined)));
  }

  /** One pass over every live sale. */
  async tick(): Promise<void> {
    const now = Date.now();
    const live = this.o.service.liveSales(now);
    const liveIds = new Set(live.map((s) => s.saleId));
    for (const [saleId, run] of this.runs) {
      if (!liveIds.has(saleId)) {
        this.runs.delete(saleId);
        await run.lease.release().catch(() => undefined);
      }
    }
    // Sales far from their start need no admitter yet.
    await Promise.all(live.filter((s) => s.startsAt - now < 5 * this.o.intervalMs).map((s) => this.kick(s)));
  }

  /** Steps `sale` now if this node holds its lease; a step already running is followed by one more. */
  kick(sale: Sale): Promise<void> {
    if (this.stopped) return Promise.resolve();
    let run = this.runs.get(sale.saleId);
    if (!run) {
      run = { lease: this.o.leaseFor(sale.saleId), budget: 0, lastStepAt: Date.now(), started: false, running: undefined, again: false };
      this.runs.set(sale.saleId, run);
    }
    const r = run;
    if (r.running) {
      r.again = true;
      return r.running;
    }
    r.running = (async () => {
      do {
        r.again = false;
        try {
          if (await r.lease.acquire()) await this.step(sale, r);
          else r.lastStepAt = Date.now();
        } catch (err) {
          this.o.logger.warn({ err, saleId: sale.saleId }, "sale admitter step failed");
        }
      } while (r.again && !this.stopped);
    })().finally(() => {
      r.running = undefined;
    });
    return r.running;
  }

  private async step(sale: Sale, run: SaleRun): Promise<void> {
    const now = Date.now();
    const elapsed = Math.min(1000, Math.max(0, now - run.lastStepAt));
    run.lastStepAt = now;
    if (now < sale.startsAt) return;
    if (sale.endsAt !== null && now >= sale.endsAt) return;
    const { queue } = this.o;
    if (!run.started) {
      if (await queue.start(sale.saleId, sale.prequeue)) this.o.logger.info({ saleId: sale.saleId, prequeue: sale.prequeue }, "sale started");
      run.started = true;
    }
    await queue.lapse(sale.saleId);
    const counts = await this.o.service.counts(sale);
    this.o.service.noteStatus(sale.saleId, this.o.service.statusOf(sale, counts.available));
    if (counts.available <= 0) {
      run.budget = 0; // nothing to hold: do not save admissions up for later
      return;
    }
    if (await this.o.isPaused?.(sale.saleId)) {
      run.budget = 0; // a paused sale saves no admissions up for its resume
      return;
    }
    const { stats } = await queue.lookup(sale.saleId, []);
    let n: number;
    if (sale.admission.mode === "rate") {
      run.budget = Math.min(run.budget + (sale.admission.perSecond * elapsed) / 1000, Math.max(1, sale.admission.perSecond));
      n = Math.floor(run.budget);
    } else {
      n = counts.available - stats.outstanding;
    }
    if (stats.length === 0 || n <= 0) return;
    const { userIds } = await queue.admit(sale.saleId, n, this.o.admissionTtlSeconds * 1000);
    if (sale.admission.mode === "rate") run.budget -= userIds.length;
  }
}
