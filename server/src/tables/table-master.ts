import { ErrorCode, PACKED_EVENTS_VERSION, packEvents, SeatStatus, TableEventType, type ResyncReply, type TableDto, type TableEvent, type TableKind } from "@holdfast/shared";
import { pack } from "msgpackr";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { CommandQueue, type CommandQueueLimits } from "./command-queue.ts";
import { eventView } from "./event-views.ts";
import type { GameCommand, GameContext, GameDecision, GameEffect, GameEvent, TableGame } from "./games/table-game.ts";
import { decideSeatWithGame } from "./seat-and-game.ts";
import type { SeatBindingStore } from "./seat-binding-store.ts";
import type { SeatCommand, SeatEvent } from "./seat-decider.ts";
import type { LoggedEvent, TableEventLog } from "./table-event-log.ts";
import { evolveTable } from "./table-evolve.ts";
import type { TableHosting } from "./table-hosting.ts";
import { initialTable, type TableModel } from "./table-model.ts";
import { publicSnapshot } from "./table-schema.ts";
import { STAFF_FEED_VIEWER, type TableViewer } from "./table-viewer.ts";

/** Time for the master: what "now" is, and a repeating timer (the room's clock; a manual one in tests). */
export interface TableClock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

/**
 * Whoever shows the table to people (the Colyseus room). The master tells it what
 * happened, after the events are in the log; it never talks to sockets itself.
 */
export interface TableAudience {
  /** The model moved (events appended): project it into what clients sync. */
  changed(model: TableModel): void;
  /** `seat` was released: whoever played it from a connection plays it no more. */
  seatReleased(seat: number): void;
  /** Events just committed, in seq order: every viewer gets what it may see of each. */
  publish(events: readonly LoggedEvent[]): void;
  /** A tick's timed work is done (`seatsExpired`: away seats were released). */
  ticked(outcome: { seatsExpired: boolean }): void;
  /** Another authority holds the table now: send the viewers elsewhere. */
  hostingLost(): void;
}

/** Where feed-worthy table events go (the `feed` room: admin, table:T, branch:B). */
export interface TableFeed {
  publishTableEvent(table: { tableId: string; kind: TableKind; branchId?: string }, event: TableEvent): void;
}

export interface TableMasterSettings {
  /** How long a dropped seat waits for its player (SEAT_GRACE_SECONDS). */
  seatGraceSeconds: number;
  /** TTL of a seat's binding, extended by heartbeats (SEAT_TOKEN_TTL_SECONDS). */
  seatTokenTtlSeconds: number;
  /** Server-wide turn length for tables that set none (TURN_SECONDS). */
  turnSeconds: number;
}

export interface TableMasterDeps {
  table: TableDto;
  game: TableGame;
  eventLog: TableEventLog;
  bindings: SeatBindingStore;
  logger: Logger;
  settings: TableMasterSettings;
  clock: TableClock;
  /** This authority's tenure of the table (lease, restore, snapshots); none in tests that need none. */
  hosting?: TableHosting | null;
  feed?: TableFeed;
  /** Shuffle randomness (tests pass a seeded one); crypto-strong when absent. */
  rng?: (maxExclusive: number) => number;
  /** Bounds on players' waiting commands (ROOM_LIMITS commandQueue, commandWaitMs); none: unbounded. */
  queueLimits?: CommandQueueLimits | null;
}

/** Bytes of a message as Colyseus sends it (msgpack), to send the smaller of two answers. */
function wireBytes(message: unknown): number {
  return pack(message).length;
}

/** Events per resync reply before the table answers with a snapshot instead. */
export const RESYNC_LIMIT = 500;
/** Heartbeats extend a seat binding once per this fraction of its TTL at most. */
const BINDING_EXTEND_EVERY = 8;
/** One tick for everything time-driven: away deadlines, game steps, snapshots. */
export const TICK_MS = 250;

/**
 * The authority for one table, free of Colyseus: commands run one at a time
 * (`CommandQueue`) through decide -> append -> evolve -> tell the audience; the clock
 * drives due steps and away deadlines; resync reads the log; hosting (lease, restore,
 * snapshots, drain) is the `TableHosting` it is given. The room turns sockets into calls
 * here and the audience's calls into Colyseus state and messages; tests drive it
 * directly with a manual clock.
 */
export class TableMaster {
  private current: TableModel;
  private readonly queue: CommandQueue;
  private stopTicking: (() => void) | undefined;
  /** seat -> the token whose binding a heartbeat last extended, and when. */
  private readonly bindingExtended = new Map<number, { tokenId: string; at: number }>();
  private isFrozen = false;
  /** The tick under way, if any (the clock does not wait for one to end before the next). */
  private runningTick: Promise<void> | undefined;

  constructor(
    private readonly deps: TableMasterDeps,
    private readonly audience: TableAudience,
  ) {
    const { table, hosting } = deps;
    this.current = hosting?.restored?.model ?? initialTable(table.tableId, table.kind, table.seats);
    this.queue = new CommandQueue(
      () => (deps.hosting?.lost ? new AppError(ErrorCode.UNAVAILABLE, "this room no longer hosts the table") : null),
      deps.queueLimits ?? null,
    );
  }

  /** The table now (the last committed event folded in). */
  get model(): TableModel {
    return this.current;
  }

  get table(): TableDto {
    return this.deps.table;
  }

  /** Draining or lease lost: no more commands, events or timers. */
  get frozen(): boolean {
    return this.isFrozen;
  }

  /**
   * Starts the clock's tick and the lease's renewal; a restored table turns the seats
   * that were active when it went down `away` with a fresh deadline (their sockets are
   * gone), through the normal decide/commit path.
   */
  async start(): Promise<void> {
    this.stopTicking = this.deps.clock.every(TICK_MS, () => void this.tick());
    const hosting = this.deps.hosting;
    if (!hosting) return;
    hosting.startRenewing(() => this.hostingLost());
    if (!hosting.restored) return;
    for (const seat of this.current.seats) {
      if (seat.status === SeatStatus.ACTIVE && seat.userId) await this.drop(seat.userId);
    }
    this.deps.logger.info(
      { tableId: this.table.tableId, seq: this.current.seq, fromSnapshot: hosting.restored.snapshotSeq, replayed: hosting.restored.replayed },
      "table restored",
    );
  }

  // --- commands -------------------------------------------------------------------

  /**
   * A seat command (sit, stand, drop, return, expire_away), after every earlier command.
   * A player's own (`from: "player"`: sit, stand) may be refused with a retry hint when
   * the queue is full; the table's (drops, returns, deadlines, operators) never is.
   */
  seat(command: SeatCommand, from: "player" | "table" = "table"): Promise<LoggedEvent[]> {
    const run = () => this.applySeat(command);
    return from === "player" ? this.queue.submit(run) : this.queue.run(run);
  }

  /**
   * Runs `fn` as one command: nothing else decides until it is done. For checks that
   * must hold when the seat command they lead to is decided (a seat token's reclaim).
   */
  serially<T>(fn: (apply: (command: SeatCommand) => Promise<LoggedEvent[]>) => Promise<T>): Promise<T> {
    return this.queue.run(() => fn((command) => this.applySeat(command)));
  }

  /** Sits `userId` down with the game's buy-in; the seat it got. */
  async sit(sit: { userId: string; name: string; seat?: number; buyIn?: number; tokenId: string }): Promise<number> {
    const stack = this.deps.game.buyIn?.(sit.buyIn, this.gameContext()) ?? 0;
    if (stack instanceof AppError) throw stack;
    const [event] = await this.seat({ type: "sit", userId: sit.userId, name: sit.name, seat: sit.seat, stack, tokenId: sit.tokenId }, "player");
    return (event.data as { seat: number }).seat;
  }

  /** The user's connection went: their seat turns `away` until the grace deadline. */
  drop(userId: string): Promise<LoggedEvent[]> {
    return this.seat({ type: "drop", userId, awayUntil: this.deps.clock.now() + this.deps.settings.seatGraceSeconds * 1000 });
  }

  /** A player's game command; the answer is `{ok, seq}` plus what the game adds (dining's order). */
  async play(command: GameCommand): Promise<{ ok: true; seq: number } & Record<string, unknown>> {
    // A player's command: refused with a retry hint when the queue is full (CommandQueue).
    return this.queue.submit(async () => {
      const events = await this.applyGame(command);
      return { ok: true as const, seq: this.current.seq, ...this.deps.game.reply?.(command.type, events) };
    });
  }

  /** The refusal a player's command would get now (its queue is full), or undefined. */
  busy(): { code: typeof ErrorCode.RATE_LIMITED; message: string; retryAfterMs: number } | undefined {
    return this.queue.busy();
  }

  /**
   * Keeps the seat's binding alive past its TTL (heartbeats); best effort. Extended only
   * when an eighth of the TTL has passed since the last extension of the same token: the
   * binding always keeps most of its TTL, and a heartbeat every 30 s does not cost a
   * Redis round trip each time (a 2-hour TTL is extended every 15 minutes).
   */
  async extendSeatBinding(seat: number): Promise<void> {
    const tokenId = this.current.seats[seat]?.tokenId;
    if (!tokenId) return;
    const { seatTokenTtlSeconds } = this.deps.settings;
    const now = this.deps.clock.now();
    const last = this.bindingExtended.get(seat);
    if (last?.tokenId === tokenId && now - last.at < (seatTokenTtlSeconds * 1000) / BINDING_EXTEND_EVERY) return;
    const extended = await this.deps.bindings
      .extend(this.table.tableId, seat, tokenId, seatTokenTtlSeconds)
      .catch((err) => this.deps.logger.warn({ err }, "could not extend seat binding"));
    if (extended) this.bindingExtended.set(seat, { tokenId, at: now });
  }

  /**
   * The events after `lastSeq` from the hot log, or, when it no longer has them all
   * (trimmed, lost with a restart) or there are more than RESYNC_LIMIT, a snapshot of
   * the table now (`fromSeq` = its seq + 1; later events arrive as `ev`). Every
   * (re)joined client gets Colyseus's full state anyway: the resync is for the app's
   * event feed. A client that reads packed events (`packed` >= 1) gets them packed, or
   * the snapshot when that is fewer bytes on the wire (see docs/continuity.md); a plain
   * client gets the events whenever they are kept.
   */
  async resync(lastSeq: number, viewer: TableViewer, spectators: number, packed = 0): Promise<ResyncReply> {
    const toSeq = this.current.seq;
    if (lastSeq === toSeq) return { events: [], fromSeq: lastSeq + 1, toSeq };
    const model = this.current;
    const snapshotReply = (): ResyncReply => ({ events: [], fromSeq: model.seq + 1, toSeq: model.seq, snapshot: publicSnapshot(model, spectators, viewer) });
    // A client ahead of the table (a stale or replayed lastSeq, a table restored behind
    // what it saw) is put right, and a gap the events can't fill isn't read at all.
    if (lastSeq > toSeq || toSeq - lastSeq > RESYNC_LIMIT) return snapshotReply();
    const { events, complete } = await this.deps.eventLog.readAfter(this.table.tableId, lastSeq, RESYNC_LIMIT, { hotOnly: true });
    const last = events[events.length - 1];
    if (!complete || events[0]?.seq !== lastSeq + 1 || last.seq < toSeq) return snapshotReply();
    const views = events.map((e) => eventView(this.table.kind, e, viewer));
    if (packed < PACKED_EVENTS_VERSION) return { events: views, fromSeq: lastSeq + 1, toSeq: last.seq };
    const packedEvents = packEvents(views);
    if (!packedEvents) return { events: views, fromSeq: lastSeq + 1, toSeq: last.seq };
    const packedReply: ResyncReply = { events: [], fromSeq: lastSeq + 1, toSeq: last.seq, packed: packedEvents };
    const snapshot = snapshotReply();
    return wireBytes(packedReply) <= wireBytes(snapshot) ? packedReply : snapshot;
  }

  // --- time -----------------------------------------------------------------------

  /** Everything time-driven, once: expired away seats, the game's due steps, a snapshot if due. */
  tick(): Promise<void> {
    // One tick at a time: while a slow command holds the queue, the clock's later ticks
    // would otherwise each queue the same due steps again. A call during a tick waits
    // for that tick.
    if (this.isFrozen) return Promise.resolve();
    this.runningTick ??= this.runTick().finally(() => {
      this.runningTick = undefined;
    });
    return this.runningTick;
  }

  private async runTick(): Promise<void> {
    const seatsExpired = await this.releaseExpiredSeats();
    await this.runDueSteps();
    if (this.isFrozen) return;
    this.deps.hosting?.maybeSnapshot(this.current);
    this.audience.ticked({ seatsExpired });
  }


  private async releaseExpiredSeats(): Promise<boolean> {
    const now = this.deps.clock.now();
    if (!this.current.seats.some((s) => s.status === SeatStatus.AWAY && s.awayUntil <= now)) return false;
    await this.queue.run(() => this.applySeat({ type: "expire_away", now: this.deps.clock.now() })).catch((err) => this.failed(err, "could not release expired seats"));
    return true;
  }

  /** Steps the game wants without a player asking: deal, act for away or timed-out players. */
  private async runDueSteps(): Promise<void> {
    await this.queue
      .run(async () => {
        for (const step of this.deps.game.due(this.current, this.gameContext())) {
          if (step.type === "stand" && step.userId) await this.applySeat({ type: "stand", userId: step.userId });
          else await this.applyGame(step);
        }
      })
      .catch((err) => this.failed(err, "game step failed"));
  }

  private failed(err: unknown, what: string): void {
    if (this.isFrozen) return; // a command refused because the table is moving on
    this.deps.logger.error({ err, tableId: this.table.tableId }, what);
  }

  // --- hosting --------------------------------------------------------------------

  /** Another authority holds the table now: stop at once and let the audience go. */
  private hostingLost(): void {
    if (this.isFrozen) return;
    this.freeze(new AppError(ErrorCode.UNAVAILABLE, "this room no longer hosts the table"));
    this.audience.hostingLost();
  }

  private freeze(reason: AppError): void {
    this.isFrozen = true;
    this.queue.close(reason);
    this.stopTicking?.();
    this.stopTicking = undefined;
  }

  /**
   * Drain (SIGTERM, shutdown): no new commands; finishes those in flight, writes the
   * final snapshot (events flushed first) and gives the lease up.
   */
  async drain(): Promise<void> {
    if (this.isFrozen) return;
    this.freeze(new AppError(ErrorCode.UNAVAILABLE, "this table is moving to another node; retry"));
    await this.queue.idle();
    const hosting = this.deps.hosting;
    if (!hosting) return;
    if (!hosting.lost) {
      await hosting.snapshot(this.current).catch((err) => this.deps.logger.error({ err, tableId: this.table.tableId }, "final snapshot failed"));
    }
    await hosting.release();
  }

  /** The room goes the ordinary way (nobody left): the table keeps its last state, the lease is released. */
  async release(): Promise<void> {
    const hosting = this.deps.hosting;
    this.stopTicking?.();
    this.stopTicking = undefined;
    if (!hosting) return;
    if (!this.isFrozen && !hosting.lost) await hosting.snapshot(this.current).catch(() => undefined);
    await hosting.release();
  }

  // --- decide / append / evolve / tell ----------------------------------------------

  /** Seat commands: the seat decider (and the game, for a seat left mid-hand), then commit. */
  private async applySeat(command: SeatCommand): Promise<LoggedEvent[]> {
    const decided = decideSeatWithGame(this.current, command, this.deps.game, this.gameContext());
    if (decided instanceof AppError) throw decided;
    return this.commit(decided);
  }

  /**
   * Game commands (a player's, or a step the clock made due): decide, append, then the
   * decision's effects. What `decide` reserved is undone when the append fails.
   */
  private async applyGame(command: GameCommand): Promise<LoggedEvent[]> {
    const decided = await this.deps.game.decide(this.current, command, this.gameContext());
    if (decided instanceof AppError) throw decided;
    const decision: GameDecision = Array.isArray(decided) ? { events: decided } : decided;
    let logged: LoggedEvent[];
    try {
      logged = await this.commit(decision.events);
    } catch (err) {
      await decision.undo?.().catch((undoErr: unknown) =>
        this.deps.logger.error({ err: undoErr, tableId: this.table.tableId, command: command.type }, "could not undo a refused command's reservation"),
      );
      throw err;
    }
    for (const effect of decision.effects ?? []) await this.runEffect(effect);
    return logged;
  }

  /**
   * One effect, after its events were appended. A failure does not fail the command (its
   * events stand); it is logged, and the effect's compensating events, if any, committed.
   */
  private async runEffect(effect: GameEffect): Promise<void> {
    const { logger } = this.deps;
    const tableId = this.table.tableId;
    try {
      await effect.run();
    } catch (err) {
      logger.warn({ err, tableId, effect: effect.name }, "table effect failed");
      const compensation = effect.compensate?.(err) ?? [];
      await this.commit(compensation).catch((commitErr: unknown) =>
        logger.error({ err: commitErr, tableId, effect: effect.name }, "could not log the compensation of a failed effect"),
      );
    }
  }

  /**
   * Gives decided events their seq, appends them to the log (before anyone is told),
   * folds them into the model, and tells the audience and the feed.
   */
  private async commit(decided: GameEvent[]): Promise<LoggedEvent[]> {
    if (decided.length === 0) return [];
    const at = this.deps.clock.now();
    let model = this.current;
    const logged: LoggedEvent[] = [];
    for (const event of decided) {
      const entry: LoggedEvent = { seq: model.seq + 1, type: event.type, at, data: event.data };
      if (event.visibility && event.visibility !== "public") entry.visibility = event.visibility;
      model = evolveTable(model, entry);
      logged.push(entry);
    }
    await this.deps.eventLog.append(this.table.tableId, logged);
    this.current = model;
    this.audience.changed(model);
    for (const event of logged) {
      if (event.type.startsWith("seat.")) await this.afterSeatEvent(event as unknown as SeatEvent);
    }
    this.audience.publish(logged); // after the seat effects: a released seat's player loses its view first
    this.publishToFeed(logged);
    return logged;
  }

  /** Seat bindings outside the model, and who plays which seat. */
  private async afterSeatEvent(event: SeatEvent): Promise<void> {
    const { tableId } = this.table;
    const { bindings, logger, settings } = this.deps;
    if (event.type === TableEventType.SEAT_TAKEN) {
      const sinceSeq = this.current.seats[event.data.seat]?.sinceSeq;
      await bindings
        .bind(tableId, event.data.seat, { userId: event.data.userId, tokenId: event.data.tokenId, sinceSeq }, settings.seatTokenTtlSeconds)
        .catch((err) => logger.warn({ err }, "could not store seat binding"));
    } else if (event.type === TableEventType.SEAT_RELEASED) {
      this.audience.seatReleased(event.data.seat);
      await bindings.release(tableId, event.data.seat).catch(() => undefined);
    }
  }

  /** Seat changes, and the game events its kind calls feed-worthy; never server-only ones. */
  private publishToFeed(logged: readonly LoggedEvent[]): void {
    const { feed, game } = this.deps;
    if (!feed) return;
    const { tableId, kind, options } = this.table;
    for (const event of logged) {
      if (event.visibility === "server") continue;
      if (!event.type.startsWith("seat.") && !(game.feedWorthy?.(event) ?? false)) continue;
      feed.publishTableEvent({ tableId, kind, branchId: options.branchId }, eventView(kind, event, STAFF_FEED_VIEWER));
    }
  }

  private gameContext(): GameContext {
    return { now: this.deps.clock.now(), table: this.table, defaults: { turnSeconds: this.deps.settings.turnSeconds }, rng: this.deps.rng };
  }
}
