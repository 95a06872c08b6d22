import type { Client, Deferred } from "@colyseus/core";
import {
  CloseCode,
  ErrorCode,
  MultiTabPolicy,
  SeatStatus,
  TableEventType,
  TableMessage,
  type ResyncReply,
  type SitReply,
  type TableDto,
  type TableEvent,
} from "@holdfast/shared";
import { ActCommand, HeartbeatCommand, ResyncCommand, SitCommand, StandCommand, TableJoinOptions } from "@holdfast/shared/schemas";
import { DEFAULT_ROOM_LIMITS } from "../config.ts";
import { AppError } from "../errors.ts";
import { HoldfastRoom, joinAuth, type AuthedClient } from "../rooms/holdfast-room.ts";
import { toJoinError } from "../rooms/room-errors.ts";
import { CommandReplies } from "./command-replies.ts";
import type { GameCommand, GameContext, GameEvent, TableGame } from "./games/table-game.ts";
import { holdemOptions } from "./games/holdem-game.ts";
import type { SeatCommand, SeatEvent } from "./seat-decider.ts";
import { decideSeatWithGame } from "./seat-and-game.ts";
import { SeatViews } from "./seat-views.ts";
import { DiningDetailViews } from "./dining-detail-views.ts";
import { evolveTable } from "./table-evolve.ts";
import { eventView } from "./event-views.ts";
import type { LoggedEvent } from "./table-event-log.ts";
import { initialTable, type TableModel } from "./table-model.ts";
import type { TableRoomDeps } from "./table-room-deps.ts";
import type { TableHosting } from "../continuity/table-continuity.ts";
import { projectTable, publicSnapshot, TableState } from "./table-schema.ts";
import { diningSinceOf, isTableStaff, STAFF_FEED_VIEWER, type TableViewer } from "./table-viewer.ts";

/** One connection in the room: a player (seat set) or a spectator (seat null). */
interface Connection {
  userId: string;
  name: string;
  seat: number | null;
  /** Epoch ms the connection's seat token expires (heartbeats refresh it past half-life). */
  tokenExpiresAt: number;
  /** Staff of the table's branch (or an admin): sees a dining table's order ids, buyers and notes. */
  staff: boolean;
}

const DEFAULT_MAX_SPECTATORS = 100;
const RESYNC_LIMIT = 500;
const DEADLINE_CHECK_MS = 250;

/**
 * The `table` room: one live room per `tableId` (matchmaker `filterBy`). Thin by design:
 * it validates messages, asks the seat decider, appends the events to the log before
 * acknowledging, folds them into the model, projects the model into the Colyseus state
 * and broadcasts every event as `ev`.
 *
 * Seats survive connections: a drop turns the seat `away` with a deadline in state; the
 * same user comes back through the Colyseus reconnection token (a blip on this node) or
 * by joining with the seat token (refresh, new tab, another node's matchmaker).
 */
export function createTableRoom(deps: TableRoomDeps) {
  const authenticate = joinAuth(deps, TableJoinOptions);

  return class TableRoom extends HoldfastRoom<{ state: TableState }> {
    protected readonly deps = deps;
    private table!: TableDto;
    private game!: TableGame;
    private model!: TableModel;
    /** sessionId -> connection; a connection whose `seat` is set (and is that user's seat) plays it. */
    private readonly connections = new Map<string, Connection>();
    /** sessionId -> Colyseus reconnection wait, so a rejoin by seat token can end it. */
    private readonly reconnections = new Map<string, Deferred<Client>>();
    /** cid answers, kept as long as a dropped seat may come back to repeat a command. */
    private readonly replies = new CommandReplies({
      keepMs: deps.config.seatGraceSeconds * 1000,
      perOwner: deps.config.roomLimits?.repliesPerUser ?? DEFAULT_ROOM_LIMITS.repliesPerUser,
    });
    /** Commands run one at a time, in arrival order (log appends are async). */
    private queue: Promise<unknown> = Promise.resolve();
    private metadataDirty = false;
    /** Continuity: this room's tenure of the table (lease, snapshots). */
    private hosting: TableHosting | undefined;
    /** A duplicate created in a race for the table; the matchmaker discards it. */
    private redirected = false;
    /** Draining or lease lost: no more commands, events or timers. */
    private frozen = false;
    /** The seat whose private fields each client's StateView holds. */
    private readonly seatViews = new SeatViews();
    /** Dining: which clients' views hold the cart's details (diners and branch staff). */
    private readonly diningViews = new DiningDetailViews();

    static override onAuth(token: string, options: unknown) {
      return authenticate(token, options);
    }

    override async onCreate(options: unknown): Promise<void> {
      const { tableId } = TableJoinOptions.parse(options);
      const table = await deps.tables.find(tableId);
      if (!table) throw toJoinError(new AppError(ErrorCode.NOT_FOUND, `table ${tableId} does not exist`));
      // Continuity: take the table's lease (one live room per table in the cluster) and
      // restore it from its snapshot + later events; or, when another live room holds
      // it, become a duplicate of that room (the matchmaker hands the client to it).
      const hosting = await deps.continuity.host(table, this.roomId).catch((err) => {
        throw toJoinError(err);
      });
      if ("redirectTo" in hosting) {
        this.redirected = true;
        this.roomId = hosting.redirectTo;
        return;
      }
      this.hosting = hosting;
      this.table = table;
      this.game = deps.games[table.kind];
      this.model = initialTable(table.tableId, table.kind, table.seats);
      if (hosting.restored) this.model = hosting.restored.model;
      this.maxClients = table.seats * 2 + this.maxSpectators;
      // Seats outlive connections: the room stays while anyone is seated or away.
      this.autoDispose = false;
      this.setState(new TableState());
      this.project();
      this.countCreated();

      this.command("sit", SitCommand, (client, msg) => this.once(client, msg.cid, () => this.sit(client, msg)));
      this.command("stand", StandCommand, (client, msg) => this.once(client, msg.cid, () => this.stand(client)));
      this.command("hb", HeartbeatCommand, (client) => this.heartbeat(client));
      this.command("resync", ResyncCommand, (client, msg) => this.resync(msg.lastSeq, this.viewerOf(client.sessionId)));
      for (const [type, schema] of Object.entries(this.game.commands)) {
        this.command(type, schema, (client, msg) =>
          this.once(client, (msg as { cid?: string }).cid, async () => {
            const open = this.game.openCommands?.includes(type) ?? false;
            const seat = open ? this.seatOfSession(client.sessionId) : this.playerSeat(client);
            const { userId, roles } = client.auth;
            const events = await this.run(() => this.applyGame({ type, seat, userId, roles, payload: msg }));
            return { ok: true, seq: this.model.seq, ...this.game.reply?.(type, events) };
          }),
        );
      }
      if (!this.game.commands.act) {
        this.command("act", ActCommand, (client, msg) =>
          this.once(client, msg.cid, async () => {
            this.playerSeat(client);
            throw new AppError(ErrorCode.ILLEGAL_ACTION, `a ${this.table.kind} table has no game actions`);
          }),
        );
      }
      this.rejectUnknownMessages();

      // One tick for everything time-driven: away deadlines, game steps, metadata, snapshots.
      this.clock.setInterval(() => {
        void this.releaseExpiredSeats().then(() => this.runDueSteps());
        this.flushMetadata();
        this.hosting?.maybeSnapshot(this.model);
      }, DEADLINE_CHECK_MS);
      await this.setMetadata({ tableId, kind: table.kind, seats: table.seats, seated: 0, spectators: 0 });
      await this.startHosting(hosting);
    }

    private get maxSpectators(): number {
      return this.table.options.maxSpectators ?? DEFAULT_MAX_SPECTATORS;
    }

    // --- joins, drops, reconnects -------------------------------------------------

    override async onJoin(client: AuthedClient, options: unknown): Promise<void> {
      try {
        this.admitSocket(client);
        const opts = TableJoinOptions.parse(options);
        const identity = client.auth;
        // Dining details (notes, buyers, order ids) are for branch staff; when the grants
        // cannot be read, the connection simply does not get them.
        const staff =
          this.table.kind === "dining" &&
          (await isTableStaff(this.table, identity, deps.staff).catch((err) => {
            deps.logger.warn({ err, tableId: this.table.tableId }, "could not read staff grants; joining without dining details");
            return false;
          }));
        const conn: Connection = { userId: identity.userId, name: identity.name, seat: null, tokenExpiresAt: 0, staff };
        if (opts.seatToken && !opts.spectate) {
          await this.run(() => this.reclaimSeat(client, conn, opts.seatToken!));
        } else if (this.spectatorCount() >= this.maxSpectators) {
          throw new AppError(ErrorCode.SPECTATORS_FULL, `this table has room for ${this.maxSpectators} spectators`);
        }
        this.connections.set(client.sessionId, conn);
        this.trackSession(client);
        this.countJoined();
        this.refreshCounts();
        if (opts.lastSeq !== undefined && opts.lastSeq < this.model.seq) {
          client.send(TableMessage.RESYNC, await this.resync(opts.lastSeq, this.viewerOf(client.sessionId)));
        }
      } catch (err) {
        this.untrackSession(client);
        throw toJoinError(err);
      }
    }

    /**
     * Joining with a seat token: the token must be for this table and user, and still
     * the seat's current token. A previous connection of the seat is ended: a pending
     * reconnection wait is cancelled; a live one is handled by the multi-tab policy.
     */
    private async reclaimSeat(client: AuthedClient, conn: Connection, seatToken: string): Promise<void> {
      const claims = deps.seatTokens.verify(seatToken, { tableId: this.table.tableId, userId: conn.userId });
      const seat = this.model.seats[claims.seat];
      if (!seat || seat.userId !== conn.userId || seat.tokenId !== claims.jti) {
        throw new AppError(ErrorCode.SEAT_TOKEN_REVOKED, "this seat token is no longer valid (the seat was released)");
      }
      const previous = this.sessionPlaying(seat.index);
      if (previous && previous !== client.sessionId) {
        const waiting = this.reconnections.get(previous);
        if (waiting) {
          this.reconnections.delete(previous);
          this.detachSeat(previous);
          waiting.reject(new Error("seat reclaimed by a new connection"));
        } else {
          const policy = this.table.options.multiTab ?? MultiTabPolicy.TAKEOVER;
          if (policy === MultiTabPolicy.REJECT) {
            throw new AppError(ErrorCode.SEAT_IN_USE, `seat ${seat.index} is connected in another tab`);
          }
          if (policy === MultiTabPolicy.SPECTATE) return; // joins as a spectator
          this.detachSeat(previous);
          this.clients.find((c) => c.sessionId === previous)?.leave(CloseCode.REPLACED, "replaced by a newer connection");
        }
      }
      conn.seat = seat.index;
      conn.tokenExpiresAt = claims.exp * 1000;
      if (seat.status === SeatStatus.AWAY) await this.apply({ type: "return", userId: conn.userId });
    }

    override async onDrop(client: AuthedClient): Promise<void> {
      const conn = this.connections.get(client.sessionId);
      if (!conn) return;
      const seated = this.ownsSeat(conn);
      if (seated && !this.frozen) {
        await this.run(() => this.apply({ type: "drop", userId: conn.userId, awayUntil: this.awayDeadline() })).catch(
          (err) => deps.logger.warn({ err, tableId: this.table.tableId }, "could not mark seat away"),
        );
      }
      // A socket closed because its session ended (logout, expiry) gets no reconnection.
      if (this.sessionEnded(client)) return;
      // Players wait as long as their seat does; spectators a short while.
      const seconds = seated ? deps.config.seatGraceSeconds : Math.min(30, deps.config.seatGraceSeconds);
      const waiting = this.allowReconnection(client, seconds);
      this.reconnections.set(client.sessionId, waiting);
      waiting.then(
        () => undefined,
        () => undefined,
      );
    }

    override async onReconnect(client: AuthedClient): Promise<void> {
      if (this.sessionEnded(client)) throw new AppError(ErrorCode.UNAUTHORIZED, "session ended");
      this.reconnections.delete(client.sessionId);
      this.seatViews.forget(client.sessionId); // a new client object: re-add its seat
      this.diningViews.forget(client.sessionId);
      this.trackSession(client);
      const conn = this.connections.get(client.sessionId);
      if (!conn || conn.seat === null) return;
      if (!this.ownsSeat(conn)) {
        conn.seat = null; // the seat was released or taken over meanwhile
        this.refreshCounts();
        return;
      }
      await this.run(() => this.apply({ type: "return", userId: conn.userId }));
    }

    override async onLeave(client: AuthedClient, code?: number): Promise<void> {
      this.reconnections.delete(client.sessionId);
      this.seatViews.forget(client.sessionId);
      this.diningViews.forget(client.sessionId);
      // Free the view's id and its visibility bits now rather than at garbage collection.
      client.view?.dispose();
      this.untrackSession(client);
      this.countLeft();
      const conn = this.connections.get(client.sessionId);
      this.connections.delete(client.sessionId);
      if (conn && this.ownsSeat(conn)) {
        // Leaving without `stand` (a closed tab, a revoked session, an ended reconnection
        // wait) keeps the seat for the grace window; the deadline releases it.
        const seat = this.model.seats[conn.seat!];
        if (seat.status === SeatStatus.ACTIVE && !this.frozen) {
          await this.run(() => this.apply({ type: "drop", userId: conn.userId, awayUntil: this.awayDeadline() })).catch(
            (err) => deps.logger.warn({ err, code }, "could not mark seat away on leave"),
          );
        }
      }
      this.refreshCounts();
      this.disposeIfIdle();
    }

    override async onDispose(): Promise<void> {
      if (this.redirected) return; // a duplicate that never hosted anything
      this.countDisposed();
      await this.stopHosting();
    }

    // --- commands -------------------------------------------------------------------

    private async sit(client: AuthedClient, msg: SitCommand): Promise<SitReply> {
      const conn = this.connectionOf(client);
      const stack = this.buyIn(msg.buyIn);
      const tokenId = deps.seatTokens.newTokenId();
      const [event] = await this.run(() =>
        this.apply({ type: "sit", userId: conn.userId, name: conn.name, seat: msg.seat, stack, tokenId }),
      );
      const seat = (event.data as { seat: number }).seat;
      const { token, expiresAt } = deps.seatTokens.sign({ userId: conn.userId, tableId: this.table.tableId, seat, tokenId });
      conn.seat = seat;
      conn.tokenExpiresAt = expiresAt.getTime();
      this.refreshCounts();
      return { seat, seatToken: token, expiresAt: expiresAt.toISOString() };
    }

    private async stand(client: AuthedClient): Promise<{ seat: number }> {
      const conn = this.connectionOf(client);
      const seat = this.playerSeat(client);
      await this.run(() => this.apply({ type: "stand", userId: conn.userId }));
      return { seat };
    }

    private async heartbeat(client: AuthedClient): Promise<{ serverTime: number; seq: number; graceSeconds: number }> {
      const conn = this.connectionOf(client);
      if (conn.seat !== null && this.ownsSeat(conn)) {
        const seat = this.model.seats[conn.seat];
        await deps.bindings
          .extend(this.table.tableId, seat.index, seat.tokenId!, deps.config.seatTokenTtlSeconds)
          .catch((err) => deps.logger.warn({ err }, "could not extend seat binding"));
        if (deps.seatTokens.needsRefresh(conn.tokenExpiresAt)) {
          const { token, expiresAt } = deps.seatTokens.sign({
            userId: conn.userId,
            tableId: this.table.tableId,
            seat: seat.index,
            tokenId: seat.tokenId!,
          });
          conn.tokenExpiresAt = expiresAt.getTime();
          client.send(TableMessage.SEAT_TOKEN, { token, expiresAt: expiresAt.toISOString() });
        }
      }
      return { serverTime: Date.now(), seq: this.model.seq, graceSeconds: deps.config.seatGraceSeconds };
    }

    /**
     * The events after `lastSeq` from the hot log, or, when it no longer has them all
     * (trimmed, lost with a restart) or there are more than RESYNC_LIMIT, a snapshot of
     * the table now (`fromSeq` = its seq + 1; later events arrive as `ev`). Every
     * (re)joined client gets Colyseus's full state anyway: the resync is for the app's
     * event feed, so events win whenever they are kept (see docs/continuity.md).
     */
    private async resync(lastSeq: number, viewer: TableViewer): Promise<ResyncReply> {
      const toSeq = this.model.seq;
      if (lastSeq >= toSeq) return { events: [], fromSeq: lastSeq + 1, toSeq };
      const { events, complete } = await deps.eventLog.readAfter(this.table.tableId, lastSeq, RESYNC_LIMIT, { hotOnly: true });
      const last = events[events.length - 1];
      if (complete && events[0]?.seq === lastSeq + 1 && last.seq >= toSeq) {
        return { events: events.map((e) => this.viewFor(e, viewer)), fromSeq: lastSeq + 1, toSeq: last.seq };
      }
      const model = this.model;
      return { events: [], fromSeq: model.seq + 1, toSeq: model.seq, snapshot: publicSnapshot(model, this.state.spectators, viewer) };
    }

    // --- the decide / append / evolve / broadcast cycle ------------------------------

    /** Runs `fn` after every earlier command has finished (one at a time). */
    private run<T>(fn: () => Promise<T>): Promise<T> {
      // A draining room takes no new commands; one that lost its lease runs none.
      if (this.frozen) return Promise.reject(new AppError(ErrorCode.UNAVAILABLE, "this table is moving to another node; retry"));
      const guarded = () => (this.hosting?.lost ? Promise.reject(new AppError(ErrorCode.UNAVAILABLE, "this room no longer hosts the table")) : fn());
      const next = this.queue.then(guarded, guarded);
      this.queue = next.catch(() => undefined);
      return next;
    }

    /** Seat commands: decide with the seat decider (and the game, for a seat left mid-hand), then commit. */
    private async apply(command: SeatCommand): Promise<LoggedEvent[]> {
      const decided = decideSeatWithGame(this.model, command, this.game, this.gameContext());
      if (decided instanceof AppError) throw decided;
      return this.commit(decided);
    }

    /** Game commands (a player's `act`, or a step the clock made due). */
    private async applyGame(command: GameCommand): Promise<LoggedEvent[]> {
      const decided = await this.game.decide(this.model, command, this.gameContext());
      if (decided instanceof AppError) throw decided;
      return this.commit(decided);
    }

    /**
     * Gives decided events their seq, appends them to the log (before anyone is told),
     * folds them into the model, projects the model and sends each client what it may see.
     */
    private async commit(decided: GameEvent[]): Promise<LoggedEvent[]> {
      if (decided.length === 0) return [];
      const at = Date.now();
      let model = this.model;
      const logged: LoggedEvent[] = [];
      for (const event of decided) {
        const entry: LoggedEvent = { seq: model.seq + 1, type: event.type, at, data: event.data };
        if (event.visibility && event.visibility !== "public") entry.visibility = event.visibility;
        model = evolveTable(model, entry);
        logged.push(entry);
      }
      await deps.eventLog.append(this.table.tableId, logged);
      this.model = model;
      this.project();
      for (const event of logged) {
        if (event.type.startsWith("seat.")) await this.afterEvent(event as unknown as SeatEvent);
      }
      this.syncViews(); // after afterEvent: a released seat's player loses its view first
      for (const event of logged) this.deliverEvent(event);
      if (deps.feed) {
        const where = { tableId: this.table.tableId, kind: this.table.kind, branchId: this.table.options.branchId };
        for (const event of logged) if (feedWorthy(this.table.kind, event)) deps.feed.publishTableEvent(where, this.viewFor(event, STAFF_FEED_VIEWER));
      }
      this.metadataDirty = true;
      return logged;
    }

    /** Every client gets every seq (the feed has no gaps); hidden data is redacted per viewer. */
    private deliverEvent(event: LoggedEvent): void {
      for (const client of this.clients) {
        client.send(TableMessage.EVENT, this.viewFor(event, this.viewerOf(client.sessionId)));
      }
    }

    private viewFor(event: LoggedEvent, viewer: TableViewer): TableEvent {
      return eventView(this.table.kind, event, viewer);
    }

    /**
     * Who a connection is, for what it may see: private data goes by user id (the user
     * it was dealt to), never by seat; dining details to diners seated now and staff.
     */
    private viewerOf(sessionId: string): TableViewer {
      const conn = this.connections.get(sessionId);
      if (!conn) return { userId: null, diningInsider: false };
      if (conn.staff) return { userId: conn.userId, diningInsider: true, diningSince: 0 };
      if (!this.ownsSeat(conn)) return { userId: conn.userId, diningInsider: false };
      // A diner: their party's details only, from the seq that seated them.
      return { userId: conn.userId, diningInsider: true, diningSince: diningSinceOf(this.model.seats[conn.seat!].sinceSeq) };
    }

    private seatOfSession(sessionId: string): number | null {
      const conn = this.connections.get(sessionId);
      return conn && this.ownsSeat(conn) ? conn.seat : null;
    }

    private project(): void {
      projectTable(this.model, this.state);
    }

    /**
     * Each client's StateView holds the seat it plays, so `@view()` fields (hole cards)
     * reach that player only; the projection fills them only while the seat's occupant is
     * the user dealt in there (see holdem-schema.ts). Spectators' views hold nothing private.
     * On dining tables, diners and branch staff also hold the cart's details.
     */
    private syncViews(): void {
      this.seatViews.sync(this.state.holdem?.seats, this.clients, (sessionId) => this.seatOfSession(sessionId));
      this.diningViews.sync(this.state.dining, this.clients, (sessionId) => this.viewerOf(sessionId).diningInsider);
    }

    /** Side effects outside the model: seat bindings and who plays which seat. */
    private async afterEvent(event: SeatEvent): Promise<void> {
      const tableId = this.table.tableId;
      if (event.type === TableEventType.SEAT_TAKEN) {
        await deps.bindings
          .bind(
            tableId,
            event.data.seat,
            { userId: event.data.userId, tokenId: event.data.tokenId, sinceSeq: this.model.seats[event.data.seat]?.sinceSeq },
            deps.config.seatTokenTtlSeconds,
          )
          .catch((err) => deps.logger.warn({ err }, "could not store seat binding"));
      } else if (event.type === TableEventType.SEAT_RELEASED) {
        const owner = this.sessionPlaying(event.data.seat);
        if (owner) {
          this.detachSeat(owner);
          // A released seat's reconnection wait is pointless now: end it.
          const waiting = this.reconnections.get(owner);
          if (waiting) {
            this.reconnections.delete(owner);
            waiting.reject(new Error("seat released"));
          }
        }
        await deps.bindings.release(tableId, event.data.seat).catch(() => undefined);
      }
    }

    private gameContext(): GameContext {
      return { now: Date.now(), table: this.table, defaults: { turnSeconds: deps.config.turnSeconds } };
    }

    /** Steps the game wants without a player asking: deal, act for away or timed-out players. */
    private async runDueSteps(): Promise<void> {
      await this.run(async () => {
        for (const step of this.game.due(this.model, this.gameContext())) {
          if (step.type === "stand" && step.userId) await this.apply({ type: "stand", userId: step.userId });
          else await this.applyGame(step);
        }
      }).catch((err) => deps.logger.error({ err, tableId: this.table.tableId }, "game step failed"));
      this.refreshCounts();
    }

    private async releaseExpiredSeats(): Promise<void> {
      const now = Date.now();
      if (!this.model.seats.some((s) => s.status === SeatStatus.AWAY && s.awayUntil <= now)) return;
      await this.run(() => this.apply({ type: "expire_away", now: Date.now() })).catch((err) =>
        deps.logger.error({ err, tableId: this.table.tableId }, "could not release expired seats"),
      );
      this.refreshCounts();
      this.disposeIfIdle();
    }

    // --- continuity: lease, restore, snapshots, drain ---------------------------------

    /**
     * After onCreate's set-up: renew the lease, snapshot every N events / T seconds, and,
     * for a restored table, turn seats that were active when it went down `away` with a
     * fresh deadline (their sockets are gone), through the normal decide/commit path.
     */
    private async startHosting(hosting: TableHosting): Promise<void> {
      hosting.startRenewing(() => this.leaseLost());
      deps.continuity.register(this);
      if (!hosting.restored) return;
      for (const seat of this.model.seats) {
        if (seat.status === SeatStatus.ACTIVE && seat.userId) {
          await this.run(() => this.apply({ type: "drop", userId: seat.userId!, awayUntil: this.awayDeadline() }));
        }
      }
      deps.logger.info(
        { tableId: this.table.tableId, seq: this.model.seq, fromSnapshot: hosting.restored.snapshotSeq, replayed: hosting.restored.replayed },
        "table restored",
      );
    }

    /** Another room holds the table now: stop, and send the clients through the matchmaker. */
    private leaseLost(): void {
      if (this.frozen) return;
      this.frozen = true;
      this.clock.clear();
      this.lock().catch(() => undefined);
      void this.disconnect(CloseCode.NODE_DRAINING).catch(() => undefined);
    }

    /**
     * Drain (SIGTERM, or Colyseus's shutdown): finish the commands in flight, write the
     * final snapshot (events flushed first), give the lease up, then close every client
     * with 4503 so the SDK rejoins through the matchmaker on another node.
     */
    async drainTable(): Promise<void> {
      if (this.frozen || !this.hosting) return;
      this.frozen = true;
      this.clock.clear();
      await this.lock().catch(() => undefined);
      await this.queue;
      if (!this.hosting.lost) {
        await this.hosting.snapshot(this.model).catch((err) => deps.logger.error({ err, tableId: this.table.tableId }, "final snapshot failed"));
      }
      await this.stopHosting();
      await this.disconnect(CloseCode.NODE_DRAINING).catch(() => undefined);
    }

    override onBeforeShutdown(): void {
      void this.drainTable();
    }

    private async stopHosting(): Promise<void> {
      const hosting = this.hosting;
      if (!hosting) return;
      deps.continuity.unregister(this);
      // A table disposed the ordinary way (nobody left) keeps its last state too.
      if (!this.frozen && !hosting.lost) await hosting.snapshot(this.model).catch(() => undefined);
      await hosting.release();
    }

    // --- helpers ----------------------------------------------------------------------

    /** Applies a command once per (user, cid): a repeat gets the first answer. */
    private once<T>(client: AuthedClient, cid: string | undefined, fn: () => Promise<T>): Promise<T> {
      if (!cid) return fn();
      return this.replies.once(client.auth.userId, cid, fn);
    }

    private connectionOf(client: AuthedClient): Connection {
      const conn = this.connections.get(client.sessionId);
      if (!conn) throw new AppError(ErrorCode.NOT_SEATED, "not joined");
      return conn;
    }

    private playerSeat(client: AuthedClient): number {
      const conn = this.connectionOf(client);
      if (conn.seat === null || !this.ownsSeat(conn)) {
        throw new AppError(ErrorCode.NOT_SEATED, "you are not seated at this table");
      }
      return conn.seat;
    }

    /**
     * Whether this connection plays its seat. At most one connection points at a seat
     * (a takeover or reclaim detaches the previous one first), and the seat must still
     * be that user's (a released seat leaves the pointer dangling until detached).
     */
    private ownsSeat(conn: Connection): boolean {
      return conn.seat !== null && this.model.seats[conn.seat]?.userId === conn.userId;
    }

    /** The session whose connection points at `seat`, if any. */
    private sessionPlaying(seat: number): string | undefined {
      for (const [sessionId, conn] of this.connections) if (conn.seat === seat) return sessionId;
      return undefined;
    }

    private detachSeat(sessionId: string): void {
      const conn = this.connections.get(sessionId);
      if (conn) conn.seat = null;
    }

    private buyIn(requested: number | undefined): number {
      if (this.table.kind !== "holdem") return 0;
      const { minBuyIn, maxBuyIn } = holdemOptions(this.gameContext());
      const amount = requested ?? this.table.options.defaultBuyIn ?? Math.min(maxBuyIn, Math.max(minBuyIn, 1000));
      if (amount < minBuyIn || amount > maxBuyIn) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, `buy-in must be between ${minBuyIn} and ${maxBuyIn}`);
      }
      return amount;
    }

    private awayDeadline(): number {
      return Date.now() + deps.config.seatGraceSeconds * 1000;
    }

    private spectatorCount(): number {
      let n = 0;
      for (const conn of this.connections.values()) if (!this.ownsSeat(conn)) n++;
      return n;
    }

    private refreshCounts(): void {
      this.syncViews();
      const spectators = this.spectatorCount();
      if (this.state.spectators !== spectators) this.state.spectators = spectators;
      this.metadataDirty = true;
    }

    private flushMetadata(): void {
      if (!this.metadataDirty) return;
      this.metadataDirty = false;
      const seated = this.model.seats.filter((s) => s.status !== SeatStatus.EMPTY).length;
      void this.setMetadata({ ...this.metadata, seated, spectators: this.state.spectators }).catch(() => undefined);
    }

    /** Nobody connected, nobody seated or away: the table can go. */
    private disposeIfIdle(): void {
      if (this.clients.length > 0 || this.reconnections.size > 0) return;
      if (this.model.seats.some((s) => s.status !== SeatStatus.EMPTY)) return;
      void this.disconnect();
    }
  };
}

/**
 * Which table events go to the live feed: everything a dining table does (carts and
 * orders are what staff watch), and for game tables the seat changes and hand results,
 * not every bet.
 */
function feedWorthy(kind: string, event: LoggedEvent): boolean {
  if (event.visibility === "server") return false;
  if (kind === "dining") return true;
  return event.type.startsWith("seat.") || event.type === "holdem.hand_ended";
}
