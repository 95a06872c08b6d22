import type { Client, Deferred } from "@colyseus/core";
import { CloseCode, ErrorCode, MultiTabPolicy, SeatStatus, TableEventType, TableMessage, type ResyncReply, type SitReply, type TableDto } from "@holdfast/shared";
import { ActCommand, HeartbeatCommand, ResyncCommand, SitCommand, StandCommand, TableJoinOptions } from "@holdfast/shared/schemas";
import { DEFAULT_ROOM_LIMITS } from "../config.ts";
import { AppError } from "../errors.ts";
import { HoldfastRoom, joinAuth, type AuthedClient } from "../rooms/holdfast-room.ts";
import { toJoinError } from "../rooms/room-errors.ts";
import { CommandReplies } from "../rooms/command-replies.ts";
import { DiningDetailViews } from "./dining-detail-views.ts";
import { EventFrames, type FrameReader } from "./event-frames.ts";
import type { TableGame } from "./games/table-game.ts";
import type { SeatCommand } from "./seat-decider.ts";
import { SeatViews } from "./seat-views.ts";
import type { LoggedEvent } from "./table-event-log.ts";
import { TableMaster, type TableAudience } from "./table-master.ts";
import { commandQueueLimits } from "./command-queue.ts";
import type { TableModel } from "./table-model.ts";
import type { TableRoomDeps } from "./table-room-deps.ts";
import { projectTable, TableState } from "./table-schema.ts";
import { diningSinceOf, isTableStaff, type TableViewer } from "./table-viewer.ts";
import { operatorTableView, type OperatorCommandReply, type OperatorTableCommand, type OperatorTableView } from "./operator-commands.ts";

/** One connection in the room: a player (seat set) or a spectator (seat null). */
interface Connection {
  userId: string;
  name: string;
  seat: number | null;
  /** Epoch ms the connection's seat token expires (heartbeats refresh it past half-life). */
  tokenExpiresAt: number;
  /** Staff of the table's branch (or an admin): sees a dining table's order ids, buyers and notes. */
  staff: boolean;
  /** Joined with `batchedEvents`: reads `evs` messages. */
  batchedEvents: boolean;
}

const DEFAULT_MAX_SPECTATORS = 100;

/**
 * The `table` room: one live room per `tableId` (matchmaker `filterBy`). Colyseus
 * plumbing around the table's authority (`TableMaster`): join auth, who each connection
 * is and which seat it plays, message validation and cid answers, the schema state and
 * each client's StateView, and delivering events. Deciding, logging, timers and
 * hosting are the master's; the room hears about their results as its `TableAudience`.
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
    /** The table's authority: commands, the log, timers, hosting. The room is its sockets. */
    private master!: TableMaster;
    /** sessionId -> connection; a connection whose `seat` is set (and is that user's seat) plays it. */
    private readonly connections = new Map<string, Connection>();
    /** sessionId -> Colyseus reconnection wait, so a rejoin by seat token can end it. */
    private readonly reconnections = new Map<string, Deferred<Client>>();
    /** cid answers, kept as long as a dropped seat may come back to repeat a command. */
    private readonly replies = new CommandReplies({
      keepMs: deps.config.seatGraceSeconds * 1000,
      perOwner: deps.config.roomLimits?.repliesPerUser ?? DEFAULT_ROOM_LIMITS.repliesPerUser,
    });
    private metadataDirty = false;
    /** A duplicate created in a race for the table; the matchmaker discards it. */
    private redirected = false;
    /** The seat whose private fields each client's StateView holds. */
    private readonly seatViews = new SeatViews();
    /** Dining: which clients' views hold the cart's details (diners and branch staff). */
    private readonly diningViews = new DiningDetailViews();
    /** Published events waiting for the next patch tick (or command reply). */
    private eventFrames!: EventFrames;

    /** A player's command (sit, stand, a game command) is refused before it is parsed while the table's queue is full. */
    protected override refuseEarly(type: string) {
      if (!this.master || (type !== "sit" && type !== "stand" && !(type in this.game.commands))) return undefined;
      return this.master.busy();
    }

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
      this.table = table;
      this.game = deps.games[table.kind];
      this.eventFrames = new EventFrames(table.kind);
      this.master = new TableMaster(
        {
          table,
          game: this.game,
          eventLog: deps.eventLog,
          bindings: deps.bindings,
          logger: deps.logger,
          settings: {
            seatGraceSeconds: deps.config.seatGraceSeconds,
            seatTokenTtlSeconds: deps.config.seatTokenTtlSeconds,
            turnSeconds: deps.config.turnSeconds,
          },
          clock: {
            now: () => Date.now(),
            every: (ms, fn) => {
              const timer = this.clock.setInterval(fn, ms);
              return () => timer.clear();
            },
          },
          hosting,
          feed: deps.feed,
          queueLimits: commandQueueLimits(deps.config.roomLimits),
        },
        this.audience(),
      );
      this.maxClients = table.seats * 2 + this.maxSpectators;
      // Seats outlive connections: the room stays while anyone is seated or away.
      this.autoDispose = false;
      this.setState(new TableState());
      projectTable(this.model, this.state);
      this.countCreated();

      this.command("sit", SitCommand, (client, msg) => this.once(client, msg.cid, () => this.sit(client, msg)));
      this.command("stand", StandCommand, (client, msg) => this.once(client, msg.cid, () => this.stand(client)));
      this.command("hb", HeartbeatCommand, (client) => this.heartbeat(client));
      this.command("resync", ResyncCommand, (client, msg) => this.resync(msg.lastSeq, client.sessionId, msg.packed));
      for (const [type, schema] of Object.entries(this.game.commands)) {
        this.command(type, schema, (client, msg) =>
          this.once(client, (msg as { cid?: string }).cid, async () => {
            const open = this.game.openCommands?.includes(type) ?? false;
            const seat = open ? this.seatOfSession(client.sessionId) : this.playerSeat(client);
            const { userId, roles } = client.auth;
            return this.master.play({ type, seat, userId, roles, payload: msg });
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

      await this.setMetadata({ tableId, kind: table.kind, seats: table.seats, seated: 0, spectators: 0 });
      deps.continuity.register(this);
      await this.master.start();
    }

    /** The table now, as the master has it. */
    private get model(): TableModel {
      return this.master.model;
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
          (this.game.staffDetails ?? false) &&
          (await isTableStaff(this.table, identity, deps.staff).catch((err) => {
            deps.logger.warn({ err, tableId: this.table.tableId }, "could not read staff grants; joining without dining details");
            return false;
          }));
        const conn: Connection = {
          userId: identity.userId,
          name: identity.name,
          seat: null,
          tokenExpiresAt: 0,
          staff,
          batchedEvents: opts.batchedEvents === true,
        };
        if (opts.seatToken && !opts.spectate) {
          await this.master.serially((apply) => this.reclaimSeat(client, conn, opts.seatToken!, apply));
        } else if (this.spectatorCount() >= this.maxSpectators) {
          throw new AppError(ErrorCode.SPECTATORS_FULL, `this table has room for ${this.maxSpectators} spectators`);
        }
        this.connections.set(client.sessionId, conn);
        this.trackSession(client);
        this.countJoined();
        this.refreshCounts();
        if (opts.lastSeq !== undefined && opts.lastSeq < this.model.seq) {
          client.send(TableMessage.RESYNC, await this.resync(opts.lastSeq, client.sessionId, opts.packed));
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
    private async reclaimSeat(
      client: AuthedClient,
      conn: Connection,
      seatToken: string,
      apply: (command: SeatCommand) => Promise<unknown>,
    ): Promise<void> {
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
      if (seat.status === SeatStatus.AWAY) await apply({ type: "return", userId: conn.userId });
    }

    override async onDrop(client: AuthedClient): Promise<void> {
      const conn = this.connections.get(client.sessionId);
      if (!conn) return;
      const seated = this.ownsSeat(conn);
      if (seated && !this.master.frozen) {
        await this.master.drop(conn.userId).catch(
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
      await this.master.seat({ type: "return", userId: conn.userId });
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
        if (seat.status === SeatStatus.ACTIVE && !this.master.frozen) {
          await this.master.drop(conn.userId).catch(
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
      deps.continuity.unregister(this);
      await this.master?.release();
    }

    // --- commands -------------------------------------------------------------------

    private async sit(client: AuthedClient, msg: SitCommand): Promise<SitReply> {
      const conn = this.connectionOf(client);
      const tokenId = deps.seatTokens.newTokenId();
      const seat = await this.master.sit({ userId: conn.userId, name: conn.name, seat: msg.seat, buyIn: msg.buyIn, tokenId });
      const { token, expiresAt } = deps.seatTokens.sign({ userId: conn.userId, tableId: this.table.tableId, seat, tokenId });
      conn.seat = seat;
      conn.tokenExpiresAt = expiresAt.getTime();
      this.refreshCounts();
      return { seat, seatToken: token, expiresAt: expiresAt.toISOString() };
    }

    private async stand(client: AuthedClient): Promise<{ seat: number }> {
      const conn = this.connectionOf(client);
      const seat = this.playerSeat(client);
      await this.master.seat({ type: "stand", userId: conn.userId }, "player");
      return { seat };
    }

    private async heartbeat(client: AuthedClient): Promise<{ serverTime: number; seq: number; graceSeconds: number }> {
      const conn = this.connectionOf(client);
      if (conn.seat !== null && this.ownsSeat(conn)) {
        const seat = this.model.seats[conn.seat];
        await this.master.extendSeatBinding(seat.index);
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

    private resync(lastSeq: number, sessionId: string, packed?: number): Promise<ResyncReply> {
      return this.master.resync(lastSeq, this.viewerOf(sessionId), this.state.spectators, packed);
    }

    // --- what the master tells the room (TableAudience) --------------------------------

    private audience(): TableAudience {
      return {
        changed: (model) => {
          projectTable(model, this.state);
          this.metadataDirty = true;
        },
        seatReleased: (seat) => {
          const owner = this.sessionPlaying(seat);
          if (!owner) return;
          this.detachSeat(owner);
          // A released seat's reconnection wait is pointless now: end it.
          const waiting = this.reconnections.get(owner);
          if (waiting) {
            this.reconnections.delete(owner);
            waiting.reject(new Error("seat released"));
          }
        },
        publish: (events) => this.deliverEvents(events),
        ticked: ({ seatsExpired }) => {
          this.refreshCounts();
          this.flushMetadata();
          if (seatsExpired) this.disposeIfIdle();
        },
        hostingLost: () => {
          // Another room holds the table now: send the clients through the matchmaker.
          this.flushEvents();
          this.clock.clear();
          this.lock().catch(() => undefined);
          void this.disconnect(CloseCode.NODE_DRAINING).catch(() => undefined);
        },
      };
    }

    /**
     * The one place events reach clients. Every client connected now gets every seq (the
     * feed has no gaps); hidden data is redacted per viewer when the frames are built.
     * Views are synced first, so a released seat's player has lost its private fields
     * before the events (and the next patch) go out. The events wait for the next patch
     * tick or command reply (`flushEvents`): one frame per client carries them all.
     */
    private deliverEvents(events: readonly LoggedEvent[]): void {
      this.syncViews();
      this.eventFrames.add(events, this.clients);
    }

    /** Sends the queued events, each client its view, before the state patch that follows them. */
    private flushEvents(): void {
      if (!this.eventFrames || this.eventFrames.empty) return;
      this.eventFrames.flush(this.clients, (sessionId) => this.readerOf(sessionId));
    }

    private readerOf(sessionId: string): FrameReader {
      return { viewer: this.viewerOf(sessionId), batched: this.connections.get(sessionId)?.batchedEvents ?? false };
    }

    /** Events go out once per patch tick, just before the patch (as they did before batching). */
    override onBeforePatch(): void {
      this.flushEvents();
    }

    /** A command's reply must not overtake the events it produced. */
    protected override beforeReply(): void {
      this.flushEvents();
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

    // --- continuity: drain ------------------------------------------------------------

    /**
     * Drain (SIGTERM, or Colyseus's shutdown): the master finishes the commands in
     * flight, writes the final snapshot and gives the lease up; then every client is
     * closed with 4503 so the SDK rejoins through the matchmaker on another node.
     */
    async drainTable(): Promise<void> {
      if (!this.master || this.master.frozen) return;
      const drained = this.master.drain();
      this.clock.clear();
      await this.lock().catch(() => undefined);
      await drained;
      this.flushEvents();
      deps.continuity.unregister(this);
      await this.disconnect(CloseCode.NODE_DRAINING).catch(() => undefined);
    }

    override onBeforeShutdown(): void {
      void this.drainTable();
    }

    // --- operator commands (the operator API, through remoteRoomCall from any node) -----

    /** Seats, who is away until when, and how many clients are connected. */
    operatorView(): OperatorTableView | null {
      if (this.redirected || !this.master) return null;
      return operatorTableView(this.master.model, this.clients.length);
    }

    /**
     * Releases an away seat or closes the table (every seat released) through the same
     * decide/append/broadcast path as a player's command, so every client sees the
     * `seat.released` events. Errors come back as data: they may cross presence IPC.
     */
    async operatorCommand(command: OperatorTableCommand): Promise<OperatorCommandReply> {
      if (this.redirected || !this.master) return { ok: false, code: ErrorCode.UNAVAILABLE, message: "this room does not host the table" };
      try {
        const events = await this.master.seat(command);
        this.refreshCounts();
        this.disposeIfIdle();
        const released = events.filter((e) => e.type === TableEventType.SEAT_RELEASED).map((e) => (e.data as { seat: number }).seat);
        return { ok: true, seq: this.master.model.seq, released };
      } catch (err) {
        const e = err instanceof AppError ? err : new AppError(ErrorCode.INTERNAL, "the table could not run the command");
        if (!(err instanceof AppError)) deps.logger.error({ err, tableId: this.master.table.tableId }, "operator command failed");
        return { ok: false, code: e.code, message: e.message };
      }
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
