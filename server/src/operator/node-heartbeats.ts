import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { matchMaker, type Presence } from "@colyseus/core";
import type { Logger } from "../logger.ts";

/** One node's health and key numbers, as it last published them. */
export interface NodeHeartbeat {
  processId: string;
  /** Where clients reach the node (PUBLIC_ADDRESS), when set. */
  publicAddress: string | null;
  /** Epoch ms of this record. */
  at: number;
  startedAt: number;
  uptimeSeconds: number;
  /** Live rooms and connected clients on the node (Colyseus's own counters). */
  rooms: number;
  clients: number;
  /** Event-loop delay over the last period, ms (mean and p99). */
  eventLoopLagMs: number;
  eventLoopLagP99Ms: number;
  rssBytes: number;
  heapUsedBytes: number;
  draining: boolean;
}

export interface NodeHeartbeatOptions {
  presence: Presence;
  recordKey: (processId: string) => string;
  indexKey: string;
  intervalMs: number;
  publicAddress: string | undefined;
  isDraining: () => boolean;
  logger: Logger;
}

/**
 * Every node writes a heartbeat record into presence (Redis when there is one) every
 * `intervalMs`, with a TTL of three periods: a node that stops (crash, SIGKILL) drops
 * out of the list by itself, one that drains says so until it is gone. Any node lists
 * them all for the operator console.
 */
export class NodeHeartbeats {
  private timer: NodeJS.Timeout | undefined;
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private readonly startedAt = Date.now();

  constructor(private readonly o: NodeHeartbeatOptions) {}

  private get ttlSeconds(): number {
    return Math.max(1, Math.ceil((this.o.intervalMs * 3) / 1000));
  }

  async start(): Promise<void> {
    this.lag.enable();
    await this.publish();
    this.timer = setInterval(() => void this.publish().catch((err) => this.o.logger.warn({ err }, "could not publish the node heartbeat")), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.lag.disable();
    const id = matchMaker.processId;
    await Promise.resolve(this.o.presence.del(this.o.recordKey(id))).catch(() => undefined);
    await Promise.resolve(this.o.presence.srem(this.o.indexKey, id)).catch(() => undefined);
  }

  /** This node now (what the next heartbeat will say). */
  current(): NodeHeartbeat {
    const mem = process.memoryUsage();
    const nsToMs = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
    return {
      processId: matchMaker.processId,
      publicAddress: this.o.publicAddress ?? null,
      at: Date.now(),
      startedAt: this.startedAt,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      rooms: matchMaker.stats.local.roomCount,
      clients: matchMaker.stats.local.ccu,
      eventLoopLagMs: nsToMs(this.lag.mean),
      eventLoopLagP99Ms: nsToMs(this.lag.percentile(99)),
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      draining: this.o.isDraining(),
    };
  }

  async publish(): Promise<void> {
    const beat = this.current();
    this.lag.reset();
    await this.o.presence.setex(this.o.recordKey(beat.processId), JSON.stringify(beat), this.ttlSeconds);
    await this.o.presence.sadd(this.o.indexKey, beat.processId);
  }

  /** Every node with a live heartbeat, this one first; expired ids are pruned from the index. */
  async list(): Promise<NodeHeartbeat[]> {
    const self = matchMaker.processId;
    const ids = await this.o.presence.smembers(this.o.indexKey);
    const beats: NodeHeartbeat[] = [];
    const records = await Promise.all(ids.map((id) => this.o.presence.get(this.o.recordKey(id)) as Promise<string | null>));
    for (const [i, id] of ids.entries()) {
      const raw = records[i];
      if (!raw) {
        if (id !== self) await Promise.resolve(this.o.presence.srem(this.o.indexKey, id)).catch(() => undefined);
        continue;
      }
      if (id === self) continue;
      try {
        beats.push(JSON.parse(raw) as NodeHeartbeat);
      } catch {
        // A record this version cannot read: leave it to expire.
      }
    }
    beats.sort((a, b) => a.processId.localeCompare(b.processId));
    return [this.current(), ...beats];
  }
}
