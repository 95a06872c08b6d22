import { matchMaker } from "@colyseus/core";
import { ErrorCode, SeatStatus, type TableDto } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { replay } from "../tables/table-evolve.ts";
import type { DrainableTable, RestoredTable, TableHost, TableHosting as Hosting } from "../tables/table-hosting.ts";
import { initialTable, type TableModel } from "../tables/table-model.ts";
import type { DurableTableEventLog } from "./durable-table-event-log.ts";
import type { ProcessLiveness, RedirectingDriver } from "./matchmaking.ts";
import type { RedisSnapshotCache } from "./snapshot-cache.ts";
import type { StoredSnapshot, TableArchive } from "./table-archive.ts";
import type { HostedTablesIndex } from "./table-adoption.ts";
import { ownerId, parseOwner, type TableLeases } from "./table-lease.ts";

export interface ContinuitySettings {
  snapshotEvery: number;
  snapshotSeconds: number;
  leaseSeconds: number;
}

export interface ContinuityDeps {
  settings: ContinuitySettings;
  logger: Logger;
  log: DurableTableEventLog;
  archive: TableArchive;
  /** Redis copy of the latest snapshots (absent in embedded mode). */
  snapshotCache: RedisSnapshotCache | null;
  leases: TableLeases;
  liveness: ProcessLiveness;
  driver: RedirectingDriver;
  /** Tells the other nodes this one is draining (a Redis key; nothing in embedded mode). */
  markDraining: () => Promise<void>;
  /** Hosted tables by lease expiry, for adoption by other nodes (null in embedded mode). */
  hosted?: HostedTablesIndex | null;
}

const CLAIM_WAIT_MS = 3000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Everything that lets a table outlive its room, its process and its node:
 * - `host()`: the lease (one live room per table in the cluster) and the restore
 *   (latest snapshot + every later event, from Redis and Postgres);
 * - `TableHosting`: renews the lease, takes snapshots every N events or T seconds;
 * - `drain()`: SIGTERM — final snapshots, leases released, clients sent elsewhere (4503).
 */
export class TableContinuity implements TableHost {
  private draining: Promise<void> | undefined;
  private readonly rooms = new Set<DrainableTable>();

  constructor(readonly deps: ContinuityDeps) {}

  get log(): DurableTableEventLog {
    return this.deps.log;
  }

  get isDraining(): boolean {
    return this.draining !== undefined;
  }

  /**
   * Called by a table room's onCreate. Either this room now hosts the table (lease
   * taken; the stored table, if any, restored) or another live room does, and this
   * one must become a duplicate of it (`redirectTo` that room's id).
   */
  async host(table: TableDto, roomId: string): Promise<TableHosting | { redirectTo: string }> {
    if (this.draining) throw new AppError(ErrorCode.UNAVAILABLE, "this node is draining; try again");
    const { leases, liveness, settings } = this.deps;
    const tableId = table.tableId;
    const owner = ownerId(matchMaker.processId, roomId);
    const ttlMs = settings.leaseSeconds * 1000;
    const waitUntil = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const holder = await leases.acquire(tableId, owner, ttlMs);
      if (holder === null) break;
      const held = parseOwner(holder);
      if (!(await liveness.isAlive(held.processId))) {
        // The host died (SIGKILL, lost machine): no need to wait for its lease to expire.
        if (await leases.takeover(tableId, holder, owner, ttlMs)) {
          this.deps.logger.info({ tableId, deadOwner: holder }, "took over the table of a dead process");
          break;
        }
        continue;
      }
      // A live room hosts it (or is restoring it): hand the client to that room.
      // LocalDriver.findOne answers synchronously, RedisDriver with a promise: accept both.
      const listed = await Promise.resolve()
        .then(() => matchMaker.driver.findOne({ roomId: held.roomId }))
        .catch(() => undefined);
      if (listed || Date.now() > waitUntil) {
        this.deps.logger.debug({ tableId, roomId, hostRoomId: held.roomId }, "a second room for a hosted table: its clients go to the host");
        this.deps.driver.expectDuplicate(held.roomId);
        return { redirectTo: held.roomId };
      }
      await sleep(50);
    }
    // From now on the hot log takes this table's appends only while we hold the lease.
    this.deps.log.hot.fence(tableId, owner);
    try {
      const restored = await this.restore(table);
      this.deps.logger.debug({ tableId, roomId, restored: restored !== null }, "hosting a table");
      return new TableHosting(this, tableId, owner, restored);
    } catch (err) {
      await leases.release(tableId, owner).catch(() => undefined);
      throw err;
    }
  }

  /** The stored table: the newest snapshot (Redis or Postgres) + every later event. */
  async restore(table: TableDto): Promise<RestoredTable | null> {
    const { archive, snapshotCache, log } = this.deps;
    const [cached, archived] = await Promise.all([
      snapshotCache ? snapshotCache.latest(table.tableId) : Promise.resolve(null),
      archive.latestSnapshot(table.tableId),
    ]);
    const snapshot = newest(cached, archived);
    const base = snapshot?.model ?? initialTable(table.tableId, table.kind, table.seats);
    const events = await log.readForRestore(table.tableId, base.seq);
    if (!snapshot && events.length === 0) return null;
    return { model: replay(base, events), snapshotSeq: snapshot?.seq ?? 0, replayed: events.length };
  }

  register(room: DrainableTable): void {
    this.rooms.add(room);
  }

  unregister(room: DrainableTable): void {
    this.rooms.delete(room);
  }

  /** Live table rooms on this node. */
  get hostedCount(): number {
    return this.rooms.size;
  }

  /**
   * SIGTERM: no new tables here; each table writes its final snapshot, releases its
   * lease and closes its clients with 4503 (they rejoin through the matchmaker).
   */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      await this.deps.markDraining().catch((err) => this.deps.logger.warn({ err }, "could not mark the node draining"));
      const rooms = [...this.rooms];
      this.deps.logger.info({ tables: rooms.length }, "draining table rooms");
      await Promise.all(rooms.map((room) => room.drainTable().catch((err) => this.deps.logger.error({ err }, "table drain failed"))));
      await this.deps.archive.flush().catch((err) => this.deps.logger.error({ err }, "could not flush table events at drain"));
    })();
    return this.draining;
  }

  /**
   * Tables stored with someone seated and no live host: restored on this node (a
   * restart of the embedded server; a node that died with nobody coming back), so
   * their away deadlines run. `create` is the matchmaker's local create.
   */
  async restoreOrphans(create: (tableId: string) => Promise<unknown>, tables: TableDto[]): Promise<number> {
    let restored = 0;
    const known = new Map(tables.map((t) => [t.tableId, t]));
    for (const tableId of await this.deps.archive.tablesWithHistory()) {
      const table = known.get(tableId);
      if (!table) continue;
      try {
        if (await this.adoptIfOrphaned(table, create)) restored++;
      } catch (err) {
        this.deps.logger.warn({ err, tableId }, "could not restore table at start");
      }
    }
    return restored;
  }

  /**
   * Opens `table`'s room on this node (`create`) when it has no live host and someone is
   * still seated or away in its stored state; true when it did. At start for every
   * stored table, and by `TableAdopter` for tables whose host stopped renewing.
   */
  async adoptIfOrphaned(table: TableDto, create: (tableId: string) => Promise<unknown>): Promise<boolean> {
    if (this.draining) return false;
    const holder = await this.deps.leases.holder(table.tableId);
    if (holder && (await this.deps.liveness.isAlive(parseOwner(holder).processId))) return false;
    const stored = await this.restore(table);
    if (!stored || stored.model.seats.every((s) => s.status === SeatStatus.EMPTY)) return false;
    await create(table.tableId);
    return true;
  }
}

/**
 * One room's tenure of one table: the lease (renewed every third of its TTL), the
 * snapshots, and the release.
 */
export class TableHosting implements Hosting {
  lost = false;
  private released = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private lastRenewed = Date.now();
  private lastSnapshotSeq: number;
  private lastSnapshotAt = Date.now();
  private snapshotting: Promise<void> | undefined;

  constructor(
    private readonly continuity: TableContinuity,
    readonly tableId: string,
    readonly owner: string,
    /** The stored table this room starts from (null: a table never played). */
    readonly restored: RestoredTable | null,
  ) {
    this.lastSnapshotSeq = restored?.snapshotSeq ?? 0;
  }

  private get deps(): ContinuityDeps {
    return this.continuity.deps;
  }

  /** Records the lease's expiry in the hosted-tables index (adoption); best effort. */
  private indexLease(until: number): void {
    this.deps.hosted?.touch(this.tableId, until).catch((err) => this.deps.logger.warn({ err, tableId: this.tableId }, "could not index the table's lease"));
  }

  /** Renews the lease until release; `onLost` runs once if it is lost. */
  startRenewing(onLost: () => void): void {
    const ttlMs = this.deps.settings.leaseSeconds * 1000;
    const every = Math.max(200, Math.floor(ttlMs / 3));
    let renewing = false;
    this.indexLease(Date.now() + ttlMs);
    this.renewTimer = setInterval(async () => {
      if (renewing || this.released || this.lost) return;
      renewing = true;
      try {
        const late = Date.now() - this.lastRenewed;
        const ok = await this.deps.leases.renew(this.tableId, this.owner, ttlMs);
        if (ok) {
          this.lastRenewed = Date.now();
          this.indexLease(this.lastRenewed + ttlMs);
          // Renewals come every third of the TTL: two thirds gone means the loop or the backend stalled.
          if (late >= (ttlMs * 2) / 3) this.deps.logger.warn({ tableId: this.tableId, sinceLastRenewalMs: late, ttlMs }, "table lease renewed late");
        } else {
          // Expired with nobody else on it is a lapse (this node was too slow to renew),
          // not a takeover: say which, the remedies differ.
          const holder = await this.deps.leases.holder(this.tableId).catch(() => undefined);
          const why =
            holder === null
              ? `lease lapsed: not renewed for ${Date.now() - this.lastRenewed} ms (TTL ${ttlMs} ms)`
              : holder === undefined
                ? "lease not renewed (expired or taken over)"
                : `lease held by another room (${holder})`;
          this.markLost(onLost, why);
        }
      } catch (err) {
        // Redis away: past the TTL another node may have taken the table over.
        if (Date.now() - this.lastRenewed >= ttlMs) this.markLost(onLost, "lease could not be renewed in time");
        else this.deps.logger.warn({ err, tableId: this.tableId }, "lease renewal failed (will retry)");
      } finally {
        renewing = false;
      }
    }, every);
    this.renewTimer.unref();
  }

  private markLost(onLost: () => void, why: string): void {
    if (this.lost) return;
    this.lost = true;
    this.stopRenewing();
    this.deps.logger.warn({ tableId: this.tableId, owner: this.owner, why }, "table lease lost: this room stops");
    onLost();
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** Takes a snapshot when N events or T seconds (with changes) passed since the last. */
  maybeSnapshot(model: TableModel): void {
    if (this.snapshotting || this.released || this.lost) return;
    const { snapshotEvery, snapshotSeconds } = this.deps.settings;
    const behind = model.seq - this.lastSnapshotSeq;
    if (behind <= 0) return;
    if (behind < snapshotEvery && Date.now() - this.lastSnapshotAt < snapshotSeconds * 1000) return;
    void this.snapshot(model).catch((err) => this.deps.logger.warn({ err, tableId: this.tableId }, "snapshot failed"));
  }

  /**
   * Writes `model` as the table's snapshot: the queued events first (so Postgres has
   * no hole before it), then Redis and Postgres.
   */
  snapshot(model: TableModel): Promise<void> {
    const run = async () => {
      while (this.snapshotting) await this.snapshotting.catch(() => undefined);
      // Nothing new since the last one (a table never played, seq 0, restores as it is).
      if (model.seq <= this.lastSnapshotSeq) return;
      const modelJson = JSON.stringify(model); // now: the model may move on while we write
      const snap: StoredSnapshot = { seq: model.seq, model, takenAt: Date.now() };
      this.lastSnapshotAt = snap.takenAt;
      await this.deps.archive.flush();
      await Promise.all([this.deps.snapshotCache?.save(snap, modelJson), this.deps.archive.saveSnapshot(snap, modelJson)]);
      this.lastSnapshotSeq = Math.max(this.lastSnapshotSeq, snap.seq);
    };
    const p = run();
    this.snapshotting = p;
    return p.finally(() => {
      if (this.snapshotting === p) this.snapshotting = undefined;
    });
  }

  /** Gives the table up (dispose, drain). Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    // The log's fence stays on our owner id: with the lease gone, any late append of this
    // room is refused.
    this.stopRenewing();
    await this.deps.leases.release(this.tableId, this.owner).catch((err) => this.deps.logger.warn({ err }, "lease release failed"));
    // A drain hands the table over: due for adoption now (away seats with nobody coming
    // back still need a host). A room that closes because nobody is left: not an orphan.
    // Should another room hold it already, its next renewal indexes it again.
    const index = this.deps.hosted;
    const handOver = this.continuity.isDraining ? index?.touch(this.tableId, Date.now()) : index?.remove(this.tableId);
    await handOver?.catch(() => undefined);
  }
}

function newest(a: StoredSnapshot | null, b: StoredSnapshot | null): StoredSnapshot | null {
  if (!a) return b;
  if (!b) return a;
  return a.seq >= b.seq ? a : b;
}
