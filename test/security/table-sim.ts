/**
 * A holdem table driven the way the table room drives it, without sockets: the same
 * decide/evolve functions, the same projection into the Colyseus schema, the same
 * per-client StateViews (`SeatViews`), the same event and snapshot views, and the real
 * Colyseus `SchemaSerializer` encoding full states and patches per client, which each
 * simulated client decodes into its own copy of the state. What every viewer receives
 * goes to a `Receiver`, which the privacy property test checks against an oracle.
 */
import { ClientState, SchemaSerializer, type Client } from "@colyseus/core";
import { Decoder } from "@colyseus/schema";
import { SeatStatus, TableEventType, type TableDto, type TableEvent } from "@holdfast/shared";
import { AppError } from "../../server/src/errors.ts";
import { holdemGame, holdemGameState } from "../../server/src/tables/games/holdem-game.ts";
import { legalActions, type Rng } from "../../server/src/tables/games/holdem/index.ts";
import type { GameCommand, GameContext, GameEvent } from "../../server/src/tables/games/table-game.ts";
import { eventView } from "../../server/src/tables/event-views.ts";
import { decideSeatWithGame } from "../../server/src/tables/seat-and-game.ts";
import type { SeatCommand } from "../../server/src/tables/seat-decider.ts";
import { SeatViews } from "../../server/src/tables/seat-views.ts";
import type { LoggedEvent } from "../../server/src/tables/table-event-log.ts";
import { evolveTable } from "../../server/src/tables/table-evolve.ts";
import { initialTable, type TableModel } from "../../server/src/tables/table-model.ts";
import { projectTable, publicSnapshot, TableState } from "../../server/src/tables/table-schema.ts";
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
  resync(conn: SimConn, reply: { events: TableEvent[]; snapshot?: unknown; toSeq: number }): void;
  /** A full state or a patch was decoded into `conn.decoded` (`bytes` as sent). */
  state(conn: SimConn, bytes: Uint8Array): void;
}

const GRACE_MS = 20_000;

export class TableSim {
  model: TableModel;
  readonly log: LoggedEvent[] = [];
  readonly state = new TableState();
  readonly conns = new Map<string, SimConn>();
  now = 1_800_000_000_000;
  private readonly serializer = new SchemaSerializer<TableState>();
  private readonly seatViews = new SeatViews();
  private readonly table: TableDto;
  private nextSession = 0;
  /** Observed after every commit (the oracle reads the full log from here). */
  onCommit: (logged: LoggedEvent[]) => void = () => undefined;

  constructor(
    readonly rng: Rng,
    seats: number,
    /** Events the hot log keeps: older ones need a snapshot on resync. */
    private readonly retention: number,
    private readonly receiver: Receiver,
  ) {
    this.table = {
      tableId: "sim",
      kind: "holdem",
      seats,
      options: { smallBlind: 5, bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000, turnSeconds: 30, awayActSeconds: 5 },
      createdAt: new Date(0).toISOString(),
    };
    this.model = initialTable("sim", "holdem", seats);
    projectTable(this.model, this.state);
    this.serializer.reset(this.state);
  }

  ctx(): GameContext {
    return { now: this.now, table: this.table, defaults: { turnSeconds: 30 }, rng: this.rng };
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

  private commit(decided: GameEvent[]): LoggedEvent[] {
    if (decided.length === 0) return [];
    let model = this.model;
    const logged: LoggedEvent[] = [];
    for (const event of decided) {
      const entry: LoggedEvent = { seq: model.seq + 1, type: event.type, at: this.now, data: event.data };
      if (event.visibility && event.visibility !== "public") entry.visibility = event.visibility;
      model = evolveTable(model, entry);
      logged.push(entry);
    }
    this.log.push(...structuredClone(logged));
    this.model = model;
    this.onCommit(logged);
    projectTable(this.model, this.state);
    for (const event of logged) {
      if (event.type === TableEventType.SEAT_RELEASED) {
        const seat = (event.data as { seat: number }).seat;
        for (const conn of this.conns.values()) if (conn.seat === seat) conn.seat = null;
      }
    }
    this.syncViews();
    for (const event of logged) {
      for (const conn of this.conns.values()) {
        if (conn.joined) this.receiver.event(conn, eventView("holdem", event, this.viewerOf(conn)));
      }
    }
    return logged;
  }

  applySeat(command: SeatCommand): LoggedEvent[] | AppError {
    const decided = decideSeatWithGame(this.model, command, holdemGame, this.ctx());
    if (decided instanceof AppError) return decided;
    return this.commit(decided);
  }

  applyGame(command: GameCommand): LoggedEvent[] | AppError {
    const decided = holdemGame.decide(this.model, command, this.ctx()) as GameEvent[] | AppError;
    if (decided instanceof AppError) return decided;
    return this.commit(decided);
  }

  /** The clock tick: release expired away seats, then the game's due steps. */
  tick(ms: number): void {
    this.now += ms;
    if (this.model.seats.some((s) => s.status === SeatStatus.AWAY && s.awayUntil <= this.now)) {
      this.applySeat({ type: "expire_away", now: this.now });
    }
    for (const step of holdemGame.due(this.model, this.ctx())) {
      if (step.type === "stand" && step.userId) this.applySeat({ type: "stand", userId: step.userId });
      else this.applyGame(step);
    }
    this.syncViews();
  }

  /** Colyseus's patch tick: encode once, per view, and send to every joined client. */
  patch(): void {
    const clients = [...this.conns.values()].filter((c) => c.joined).map((c) => c.client);
    this.serializer.applyPatches(clients);
  }

  /** The resync reply, as the room builds it (hot log events, or a snapshot). */
  resync(conn: SimConn, lastSeq: number): void {
    const toSeq = this.model.seq;
    const viewer = this.viewerOf(conn);
    if (lastSeq >= toSeq) return this.receiver.resync(conn, { events: [], toSeq });
    const kept = this.log.slice(-this.retention);
    const after = kept.filter((e) => e.seq > lastSeq).slice(0, 500);
    if (kept[0] && kept[0].seq <= lastSeq + 1 && after[after.length - 1]?.seq >= toSeq) {
      this.receiver.resync(conn, { events: after.map((e) => eventView("holdem", e, viewer)), toSeq });
    } else {
      this.receiver.resync(conn, { events: [], toSeq, snapshot: publicSnapshot(this.model, 0, viewer) });
    }
  }

  // --- what clients do ---------------------------------------------------------------

  /** A tab joins: it reclaims the user's seat unless it only watches; then gets the full state. */
  join(userId: string, spectate: boolean, lastSeq?: number): SimConn {
    const sessionId = `s${this.nextSession++}`;
    const conn = this.newConn(sessionId, userId);
    const seat = this.model.seats.find((s) => s.userId === userId);
    if (seat && !spectate) {
      for (const other of this.conns.values()) {
        if (other.seat === seat.index) {
          other.seat = null; // takeover: the older tab is closed
          this.leave(other);
        }
      }
      conn.seat = seat.index;
      if (seat.status === SeatStatus.AWAY) this.applySeat({ type: "return", userId });
    }
    this.conns.set(sessionId, conn);
    this.syncViews();
    this.sendFullState(conn);
    if (lastSeq !== undefined && lastSeq < this.model.seq) this.resync(conn, lastSeq);
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
  leave(conn: SimConn): void {
    this.seatViews.forget(conn.sessionId);
    conn.client.view?.dispose();
    this.conns.delete(conn.sessionId);
    conn.joined = false;
    if (this.ownsSeat(conn) && this.model.seats[conn.seat!].status === SeatStatus.ACTIVE) {
      this.applySeat({ type: "drop", userId: conn.userId, awayUntil: this.now + GRACE_MS });
    }
    this.syncViews();
  }

  /** A network blip: the seat turns away and the client gets nothing until it reconnects. */
  drop(conn: SimConn): void {
    conn.joined = false;
    (conn.client as { state: ClientState }).state = ClientState.RECONNECTING;
    if (this.ownsSeat(conn)) this.applySeat({ type: "drop", userId: conn.userId, awayUntil: this.now + GRACE_MS });
  }

  /** Back on the same session: a new client object with the old one's view (as Colyseus does). */
  reconnect(conn: SimConn): void {
    const previous = conn.client;
    const fresh = this.newConn(conn.sessionId, conn.userId);
    conn.client = fresh.client;
    conn.client.view = previous.view;
    this.seatViews.forget(conn.sessionId);
    if (conn.seat !== null && !this.ownsSeat(conn)) conn.seat = null;
    else if (conn.seat !== null) this.applySeat({ type: "return", userId: conn.userId });
    this.syncViews();
    this.sendFullState(conn);
  }

  sit(conn: SimConn, seat: number, buyIn: number): boolean {
    const result = this.applySeat({ type: "sit", userId: conn.userId, name: conn.userId, seat, stack: buyIn, tokenId: `t${this.now}` });
    if (result instanceof AppError) return false;
    conn.seat = seat;
    this.syncViews();
    return true;
  }

  stand(conn: SimConn): boolean {
    if (!this.ownsSeat(conn)) return false;
    const result = this.applySeat({ type: "stand", userId: conn.userId });
    return !(result instanceof AppError);
  }

  /** The connection playing the seat to act makes a random legal move. */
  actRandomly(): boolean {
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
    const result = this.applyGame({ type: "act", seat: h.toAct, userId: conn.userId, payload: { action, amount } });
    return !(result instanceof AppError);
  }
}
