import { LocalDriver, matchMaker, type IRoomCache, type SortOptions } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { subscriberCount } from "../redis/cluster-pubsub.ts";
import { connectRedis, type RedisClient, type RedisTarget } from "../redis/redis-client.ts";
import type { Logger } from "../logger.ts";

/**
 * Matchmaking for tables that survive their node.
 *
 * Colyseus keeps each room's listing until the process that made it removes it; after a
 * SIGKILL the dead process's listings stay, and a join that finds one waits for an IPC
 * timeout (2 s) and a health check (2 s more) before the listing is swept. Here:
 * - `ProcessLiveness` asks Redis whether a process still listens on its IPC channel
 *   (`p:<processId>`): a killed process's subscriber connection is gone at once.
 * - The drivers skip (and sweep) listings of dead processes on every lookup, and a
 *   periodic sweep removes them from the process stats too, so no create is sent there.
 * - `insert` settles a race for one table: a room that lost its table's lease takes the
 *   winner's roomId in `onCreate` and is told the id is taken, so the matchmaker hands
 *   the client the winner's listing (Colyseus's duplicate-create path), or retries.
 */
export class ProcessLiveness {
  private readonly cache = new Map<string, { alive: boolean; until: number }>();

  constructor(
    private readonly redis: RedisClient | undefined,
    private readonly logger: Logger,
  ) {}

  async isAlive(processId: string | undefined): Promise<boolean> {
    if (!processId || !this.redis || processId === matchMaker.processId) return true;
    const cached = this.cache.get(processId);
    if (cached && cached.until > Date.now()) return cached.alive;
    try {
      const alive = (await subscriberCount(this.redis, `p:${processId}`)) > 0;
      // A live answer is re-checked soon (a process killed now must not look alive for
      // long: a join would wait out an IPC timeout); a dead process stays dead.
      this.cache.set(processId, { alive, until: Date.now() + (alive ? 100 : 60_000) });
      return alive;
    } catch (err) {
      this.logger.warn({ err, processId }, "liveness check failed; assuming alive");
      return true;
    }
  }

  forget(processId: string): void {
    this.cache.delete(processId);
  }
}

/** The part of a driver the table room needs: "this create is a duplicate of roomId". */
export interface RedirectingDriver {
  expectDuplicate(roomId: string): void;
}

class Redirects {
  private readonly pending = new Map<string, number>();
  add(roomId: string): void {
    this.pending.set(roomId, (this.pending.get(roomId) ?? 0) + 1);
  }
  /** True (once per add) when a create of `roomId` must be refused as a duplicate. */
  take(roomId: string): boolean {
    const n = this.pending.get(roomId);
    if (!n) return false;
    if (n === 1) this.pending.delete(roomId);
    else this.pending.set(roomId, n - 1);
    return true;
  }
}

/** Embedded mode: Colyseus's LocalDriver with the redirect of a lost table race. */
export class HoldfastLocalDriver extends LocalDriver implements RedirectingDriver {
  private readonly redirects = new Redirects();

  expectDuplicate(roomId: string): void {
    this.redirects.add(roomId);
  }

  override async insert(room: IRoomCache): Promise<boolean> {
    if (this.redirects.take(room.roomId)) return false;
    return super.insert(room);
  }
}

const ROOMCACHES_KEY = "roomcaches"; // @colyseus/redis-driver's hash of listings

/** Several nodes: Colyseus's RedisDriver, plus atomic insert and dead-process filtering. */
export class HoldfastRedisDriver extends RedisDriver implements RedirectingDriver {
  private readonly redirects = new Redirects();

  constructor(
    private readonly client: RedisClient,
    private readonly liveness: ProcessLiveness,
    private readonly logger: Logger,
  ) {
    super(client);
  }

  expectDuplicate(roomId: string): void {
    this.redirects.add(roomId);
  }

  /** Records a listing unless its roomId is taken (HSETNX): the duplicate-create contract. */
  async insert(room: IRoomCache): Promise<boolean> {
    if (this.redirects.take(room.roomId)) return false;
    return (await this.client.hsetnx(ROOMCACHES_KEY, room.roomId, JSON.stringify(room))) === 1;
  }

  override async findOne(conditions: Partial<IRoomCache>, sortOptions?: SortOptions): Promise<IRoomCache> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await super.findOne(conditions, sortOptions);
      if (!found || (await this.liveness.isAlive(found.processId))) return found;
      await this.sweepProcess(found.processId);
    }
    return undefined as unknown as IRoomCache;
  }

  /** Removes a dead process's listings and its entry in the process stats. */
  async sweepProcess(processId: string): Promise<void> {
    this.logger.info({ processId }, "removing listings of a dead process");
    await matchMaker.stats.excludeProcess(processId).catch(() => undefined);
    await this.cleanup(processId);
  }
}

/**
 * Where a new room goes: the live, non-draining process with the fewest rooms; on a
 * tie, this process (the one the client asked). Never a dead or draining node.
 */
export function processSelector(o: {
  liveness: ProcessLiveness;
  isDraining: (processId: string) => Promise<boolean>;
}): (roomName: string, options: unknown) => Promise<string> {
  return async () => {
    const self = matchMaker.processId;
    const all = await matchMaker.stats.fetchAll();
    if (!all.some((s) => s.processId === self)) all.push({ processId: self, roomCount: matchMaker.stats.local.roomCount, ccu: 0 });
    const candidates: { processId: string; roomCount: number }[] = [];
    await Promise.all(
      all.map(async (s) => {
        if (!(await o.liveness.isAlive(s.processId))) return;
        if (await o.isDraining(s.processId)) return;
        candidates.push(s);
      }),
    );
    candidates.sort((a, b) => a.roomCount - b.roomCount || (a.processId === self ? -1 : b.processId === self ? 1 : 0));
    // undefined makes the matchmaker answer "no processId available": the SDK retries.
    return candidates[0]?.processId as string;
  };
}

/** Every `intervalMs`: processes in the stats that are no longer alive are swept. */
export class DeadProcessSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly driver: HoldfastRedisDriver,
    private readonly liveness: ProcessLiveness,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const all = await matchMaker.stats.fetchAll();
      for (const s of all) {
        if (!(await this.liveness.isAlive(s.processId))) await this.driver.sweepProcess(s.processId);
      }
    } catch (err) {
      this.logger.warn({ err }, "dead process sweep failed");
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** A dedicated ioredis client for the matchmaking driver (the driver quits it at shutdown). */
export function driverClient(target: RedisTarget): RedisClient {
  return connectRedis(target, "matchmaking");
}

