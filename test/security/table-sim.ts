/**
 * A holdem table driven the way the table room drives it, without sockets: the real
 * authority (`TableMaster`: decide, append, evolve, seat bindings, resync from its log,
 * ticks on a clock the test moves), this class as its `TableAudience` doing what the
 * room does with what it is told (the projection into the Colyseus schema, the
 * per-client StateViews of `SeatViews`, events through the event views), and the real
 * Colyseus `SchemaSerializer` encoding full states and patches per client, which each
 * simulated client decodes into its own copy of the state. What every viewer receives
 * goes to a `Receiver`, which the privacy property test checks against an oracle.
 */
import { ClientState, SchemaSerializer, type Client } from "@colyseus/core";
import { Decoder } from "@colyseus/schema";
import { SeatStatus, type ResyncReply, type TableDto, type TableEvent } from "@holdfast/shared";
import { AppError } from "../../server/src/errors.ts";
import { createLogger } from "../../server/src/logger.ts";
import { holdemGame, holdemGameState } from "../../server/src/tables/games/holdem-game.ts";
import { legalActions, type Rng } from "../../server/src/tables/games/holdem/index.ts";
import { eventView } from "../../server/src/tables/event-views.ts";
import { MemorySeatBindingStore } from "../../server/src/tables/seat-binding-store.ts";
import type { SeatCommand } from "../../server/src/tables/seat-decider.ts";
import { SeatViews } from "../../server/src/tables/seat-views.ts";
import { MemoryTableEventLog, type LoggedEvent } from "../../server/src/tables/table-event-log.ts";
import { TableMaster, type TableAudience } from "../../server/src/tables/table-master.ts";
import type { TableModel } from "../../server/src/tables/table-model.ts";
import { projectTable, TableState } from "../../server/src/tables/table-schema.ts";
import { diningSinceOf, type TableViewer } from "../../server/src/tables/table-viewer.ts";

/** One simulated connection: a user's tab, seated or watching. */
export interface SimConn {
  sessionId: string;
  userId: string;
  /** The seat this connection points at (it plays it while the seat is still its user's). */
  seat: number | null;
  /** The client as Colyseus sees it (view, state, raw). */
  client: Client;
  /** This client's decoded copy of the room state. */
  decoded: TableState;
  decoder: Decoder<TableState>;
  joined: boolean;
}

/** Everything a viewer is sent, by kind, as the property test checks it. */
export interface Receiver {
  event(conn: SimConn, event: TableEvent): void;
  resync(conn: SimConn, reply: ResyncReply): void;
  /** A full state or a patch was decoded into `conn.decoded` (`bytes` as sent). */
  state(conn: SimConn, bytes: Uint8Array): void;
}

const GRACE_SECONDS = 20;

export class TableSim {
  readonly state = new TableState();
  readonly conns = new Map<string, SimConn>();
  now = 1_800_000_000_000;
  private readonly serializer = new SchemaSerializer<TableState>();
  private readonly seatViews = new SeatViews();
  private readonly master: TableMaster;
  private nextSession = 0;
  /** Observed after every commit, before anyone is told (the oracle reads the full log from here). */
  onCommit: (logged: readonly LoggedEvent[]) => void = () => undefined;

  constructor(
    readonly rng: Rng,
    seats: number,
    /** Events the hot log keeps: older ones need a snapshot on resync. */
    retention: number,
    private readonly receiver: Receiver,
  ) {
    const table: TableDto = {
      tableId: "sim",
      kind: "holdem",
      seats,
      options: { smallBlind: 5, bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000, turnSeconds: 30, awayActSeconds: 5 },
      createdAt: new Date(0).toISOString(),
    };
    this.master = new TableMaster(
      {
        table,
        game: holdemGame,
        eventLog: new MemoryTableEventLog(retention),
        bindings: new MemorySeatBindingStore(() => this.now),
        logger: createLogger("silent"),
        settings: { seatGraceSeconds: GRACE_SECONDS, seatTokenTtlSeconds: 3600, turnSeconds: 30 },
        // The test moves time and calls `tick` itself: the master's own timer never fires.
        clock: { now: () => this.now, every: () => () => undefined },
        rng,
      },
      this.audience(),
    );
    projectTable(this.model, this.state);
    this.serializer.reset(this.state);
  }

  /** The table now, as the master has it. */
  get model(): TableModel {
    return this.master.model;
  }

  /** What the room does with what the master tells it (table-room.ts). */
  private audience(): TableAudience {
    return {
      changed: (model) => projectTable(model, this.state),
      seatReleased: (seat) => {
        for (const conn of this.conns.values()) if (conn.seat === seat) conn.seat = null;
      },
      publish: (events) => {
        this.onCommit(events);
        this.syncViews();
        for (const event of events) {
          for (const conn of this.conns.values()) {
            if (conn.joined) this.receiver.event(conn, eventView("holdem", event, this.viewerOf(conn)));
          }
        }
      },
      ticked: () => undefined,
      hostingLost: () => undefined,
    };
  }

  // --- what the room does ------------------------------------------------------------

  private ownsSeat(conn: SimConn): boolean {
    return conn.seat !== null && this.model.seats[conn.seat]?.userId === conn.userId;
  }

  seatOfSession(sessionId: string): number | null {
    const conn = this.conns.get(sessionId);
    return conn && this.ownsSeat(conn) ? conn.seat : null;
  }

  private viewerOf(conn: SimConn): TableViewer {
    // As the room: a diner's details start at the seq that seated them.
    if (!this.ownsSeat(conn)) return { userId: conn.userId, diningInsider: false };
    return { userId: conn.userId, diningInsider: true, diningSince: diningSinceOf(this.model.seats[conn.seat!].sinceSeq) };
  }

  private syncViews(): void {
    this.seatViews.sync(
      this.state.holdem?.seats,
      [...this.conns.values()].map((c) => c.client),
      (id) => this.seatOfSession(id),
    );
  }

  /** A seat command through the master; a refusal comes back as the error. */
  applySeat(command: SeatCommand): Promise<LoggedEvent[] | AppError> {
    return this.master.seat(command).catch(refusal);
  }

  /** The clock tick: the master releases expired away seats and runs the game's due steps. */
  async tick(ms: number): Promise<void> {
    this.now += ms;
    await this.master.tick();
    this.syncViews();
  }

  /** Colyseus's patch tick: encode once, per view, and send to every joined client. */
  patch(): void {
    const clients = [...this.conns.values()].filter((c) => c.joined).map((c) => c.client);
    this.serializer.applyPatches(clients);
  }

  /** The resync reply, as the room asks the master for it (hot log events, or a snapshot). */
  async resync(conn: SimConn, lastSeq: number): Promise<void> {
    this.receiver.resync(conn, await this.master.resync(lastSeq, this.viewerOf(conn), 0));
  }

  // --- what clients do ---------------------------------------------------------------

  /** A tab joins: it reclaims the user's seat unless it only watches; then gets the full state. */
  async join(userId: string, spectate: boolean, lastSeq?: number): Promise<SimConn> {
    const sessionId = `s${this.nextSession++}`;
    const conn = this.newConn(sessionId, userId);
    const seat = this.model.seats.find((s) => s.userId === userId);
    if (seat && !spectate) {
      for (const other of this.conns.values()) {
        if (other.seat === seat.index) {
          other.seat = null; // takeover: the older tab is closed
          await this.leave(other);
        }
      }
      conn.seat = seat.index;
      if (seat.status === SeatStatus.AWAY) await this.applySeat({ type: "return", userId });
    }
    this.conns.set(sessionId, conn);
    this.syncViews();
    this.sendFullState(conn);
    if (lastSeq !== undefined && lastSeq < this.model.seq) await this.resync(conn, lastSeq);
    return conn;
  }

  private newConn(sessionId: string, userId: string): SimConn {
    const decoded = new TableState();
    const client = { sessionId, state: ClientState.JOINING, raw: (bytes: Uint8Array) => this.deliver(sessionId, bytes) } as unknown as Client;
    return { sessionId, userId, seat: null, client, decoded, decoder: new Decoder(decoded), joined: false };
  }

  private sendFullState(conn: SimConn): void {
    (conn.client as { state: ClientState }).state = ClientState.JOINED;
    conn.joined = true;
    conn.decoded = new TableState();
    conn.decoder = new Decoder(conn.decoded);
    const bytes = this.serializer.getFullState(conn.client);
    this.deliver(conn.sessionId, bytes);
  }

  private deliver(sessionId: string, bytes: Uint8Array): void {
    const conn = this.conns.get(sessionId);
    if (!conn?.joined) return;
    conn.decoder.decode(bytes, { offset: 1 });
    this.receiver.state(conn, bytes);
  }

  /** The tab goes away for good (closed, reloaded): a played seat turns away, the view is freed. */
  async leave(conn: SimConn): Promise<void> {
    this.seatViews.forget(conn.sessionId);
    conn.client.view?.dispose();
    this.conns.delete(conn.sessionId);
    conn.joined = false;
    if (this.ownsSeat(conn) && this.model.seats[conn.seat!].status === SeatStatus.ACTIVE) {
      await this.master.drop(conn.userId);
    }
    this.syncViews();
  }

  /** A network blip: the seat turns away and the client gets nothing until it reconnects. */
  async drop(conn: SimConn): Promise<void> {
    conn.joined = false;
    (conn.client as { state: ClientState }).state = ClientState.RECONNECTING;
    if (this.ownsSeat(conn)) await this.master.drop(conn.userId);
  }

  /** Back on the same session: a new client object with the old one's view (as Colyseus does). */
  async reconnect(conn: SimConn): Promise<void> {
    const previous = conn.client;
    const fresh = this.newConn(conn.sessionId, conn.userId);
    conn.client = fresh.client;
    conn.client.view = previous.view;
    this.seatViews.forget(conn.sessionId);
    if (conn.seat !== null && !this.ownsSeat(conn)) conn.seat = null;
    else if (conn.seat !== null) await this.applySeat({ type: "return", userId: conn.userId });
    this.syncViews();
    this.sendFullState(conn);
  }

  async sit(conn: SimConn, seat: number, buyIn: number): Promise<boolean> {
    const result = await this.master.sit({ userId: conn.userId, name: conn.userId, seat, buyIn, tokenId: `t${this.now}` }).catch(refusal);
    if (result instanceof AppError) return false;
    conn.seat = seat;
    this.syncViews();
    return true;
  }

  async stand(conn: SimConn): Promise<boolean> {
    if (!this.ownsSeat(conn)) return false;
    const result = await this.applySeat({ type: "stand", userId: conn.userId });
    return !(result instanceof AppError);
  }

  /** The connection playing the seat to act makes a random legal move. */
  async actRandomly(): Promise<boolean> {
    const h = holdemGameState(this.model).holdem;
    if (h.toAct === null || h.street === "idle") return false;
    const conn = [...this.conns.values()].find((c) => c.joined && this.seatOfSession(c.sessionId) === h.toAct);
    if (!conn) return false;
    const legal = legalActions(h, h.toAct);
    if (!legal) return false;
    const action = legal.actions[this.rng(legal.actions.length)];
    let amount: number | undefined;
    if (action === "bet" || action === "raise") {
      const min = legal.minRaiseTo!;
      const max = legal.maxRaiseTo!;
      amount = min + this.rng(Math.max(1, max - min + 1));
    }
    const result = await this.master.play({ type: "act", seat: h.toAct, userId: conn.userId, roles: [], payload: { action, amount } }).catch(refusal);
    return !(result instanceof AppError);
  }
}

/** A command's refusal as a value (the sim's callers try things and go on); anything else is a bug. */
function refusal(err: unknown): AppError {
  if (err instanceof AppError) return err;
  throw err;
}
