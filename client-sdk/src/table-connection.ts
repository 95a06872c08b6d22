import type { Client as ColyseusClient, Room } from "@colyseus/sdk";
import {
  CloseCode,
  ErrorCode,
  TableMessage,
  type ActCommand,
  type CheckoutOrder,
  type CheckoutReply,
  type GameCommandReply,
  type KnownTableEvent,
  type ResyncReply,
  type SitReply,
  type TableCommands,
  type TableCommandType,
  type TableEvent,
  type TableReplies,
  PACKED_EVENTS_VERSION,
  unpackEvents,
} from "@holdfast/shared";
import { HoldfastError } from "./errors.ts";
import { ReconnectingConnection, type Listener } from "./reconnecting-connection.ts";
import { isRetryableJoinError, jitteredBackoff, sleep } from "./retry.ts";
import type { KeyValueStorage } from "./storage.ts";
import { TabSync, type TabNotice } from "./tab-sync.ts";
import { storageKeys } from "./storage.ts";

/**
 * What the app sees of the connection. `replaced`: another connection of the same user
 * took the seat over (another tab, another device: close code 4409, or a tab of this
 * browser announcing it); this one stops for good.
 */
export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "restored" | "lost" | "closed" | "replaced";

export interface SeatView {
  index: number;
  userId: string;
  name: string;
  status: "empty" | "active" | "away";
  awayUntil: number;
  stack: number;
}

export interface TableStateView {
  tableId: string;
  kind: string;
  seq: number;
  spectators: number;
  seats: SeatView[];
  /** Hold'em tables: the hand as this viewer may see it. */
  holdem?: HoldemView;
  /** Dining tables: the shared cart. */
  dining?: DiningCartView;
}

/** One seat's place in the current hand; `holeCards` are filled for the viewer's own seat only. */
export interface HoldemSeatView {
  seat: number;
  inHand: boolean;
  stack: number;
  committed: number;
  folded: boolean;
  allIn: boolean;
  holeCards: string[];
  /** Cards shown at showdown (everyone sees them). */
  shownCards: string[];
}

/** The public face of a hand (`state.holdem`). `toAct` and `button` are -1 when nobody. */
export interface HoldemView {
  handNo: number;
  street: "idle" | "preflop" | "flop" | "turn" | "river" | "showdown";
  button: number;
  toAct: number;
  /** Epoch ms when the player to act runs out of time; 0 when nobody is to act. */
  turnDeadline: number;
  /** The street's bet level; a seat owes `currentBet - seats[seat].committed`. */
  currentBet: number;
  minRaiseTo: number;
  pot: number;
  smallBlind: number;
  bigBlind: number;
  board: string[];
  /** One entry per seat of the table, by seat index. */
  seats: HoldemSeatView[];
}

/** The shared cart of a dining table (`state.dining`). */
export interface DiningCartView {
  cartNo: number;
  status: "open" | "ordered" | "abandoned";
  /** Diners and branch staff only, like each line's `note` and `addedBy`. */
  lastOrderId?: string | null;
  lines: { lineKey: string; sku: string; quantity: number; options: string; note?: string; addedBy?: string[]; expiresAt: number }[];
}

export interface ReconnectPolicy {
  /** First retry delay; doubles each attempt up to `maxDelayMs`, with jitter. */
  minDelayMs: number;
  maxDelayMs: number;
  /** A spectator (no seat to keep) gives up after this long. */
  spectatorGiveUpMs: number;
  /** Used until the server tells the seat's real grace (heartbeat replies carry it). */
  defaultGraceMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = {
  minDelayMs: 100,
  maxDelayMs: 5000,
  spectatorGiveUpMs: 60_000,
  defaultGraceMs: 300_000,
};

/** The public table at `seq`, sent instead of missed events (see `onSnapshot`). */
export interface TableSnapshot extends TableStateView {
  seq: number;
}

interface StoredSeat {
  token: string;
  seat: number;
  expiresAt: string;
}

/** Codes after which the stored seat token is useless. */
const DEAD_TOKEN_CODES = new Set<string>([
  ErrorCode.SEAT_TOKEN_INVALID,
  ErrorCode.SEAT_TOKEN_EXPIRED,
  ErrorCode.SEAT_TOKEN_REVOKED,
  ErrorCode.SEAT_TOKEN_WRONG_TABLE,
  ErrorCode.SEAT_TOKEN_WRONG_USER,
]);

/** How long a first join without a seat to reclaim retries "try again" answers. */
const FIRST_JOIN_RETRY_MS = 3000;

/** Close codes that end the connection for good: no reconnect loop. */
const FINAL_CLOSE_CODES = new Set<number>([4000, CloseCode.SESSION_REVOKED, CloseCode.REPLACED]);

/**
 * A seat (or a spectator's view) at one table that outlives sockets.
 *
 * - Joins reconnect-first: with a stored seat token it reclaims the seat.
 * - Keeps the seat alive with heartbeats and stores refreshed seat tokens.
 * - When the socket drops it reports `reconnecting` and keeps trying (Colyseus's
 *   reconnection token first, then the seat token through the matchmaker, which works
 *   after a refresh or on another node) with jittered backoff until the seat's grace
 *   ends; then `restored`, or `lost`.
 * - Delivers one gap-free, duplicate-free event feed (`onEvent`) across reconnects.
 */
export class TableConnection<E extends TableEvent = KnownTableEvent> extends ReconnectingConnection<ConnectionStatus> {
  /** The seat this connection plays, or null when spectating. */
  seat: number | null = null;
  /** The last event sequence number delivered to the app. */
  lastSeq = 0;

  private readonly eventListeners = new Set<Listener<E>>();
  private readonly stateListeners = new Set<Listener<TableStateView>>();
  private readonly errorListeners = new Set<Listener<HoldfastError>>();
  private readonly snapshotListeners = new Set<Listener<TableSnapshot>>();
  /** Events that arrived ahead of a gap, delivered once the resync fills it. */
  private readonly ahead = new Map<number, TableEvent>();
  private resyncing: Promise<void> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private graceMs: number;

  constructor(
    private readonly colyseus: ColyseusClient,
    readonly tableId: string,
    private readonly userId: string,
    private readonly storage: KeyValueStorage,
    private readonly options: { spectate: boolean; heartbeatMs: number; reconnect: ReconnectPolicy; tabSync?: boolean },
  ) {
    super("table");
    this.graceMs = options.reconnect.defaultGraceMs;
    this.tabs = new TabSync(options.tabSync, (notice) => this.heardFromTab(notice));
  }

  /** Tells the other tabs of this browser which seat this tab plays (see tab-sync.ts). */
  private readonly tabs: TabSync;
  private readonly noticeListeners = new Set<Listener<TabNotice>>();

  // --- app-facing API ------------------------------------------------------------------

  get state(): TableStateView {
    return this.room.state as TableStateView;
  }

  /**
   * Every event, once, in seq order, across reconnects. Typed per game: switch on
   * `event.type` to narrow `event.data` (join with `tables.join<HoldemTableEvent>` or
   * `<DiningTableEvent>` to narrow to one game's events).
   */
  onEvent(listener: Listener<E>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onState(listener: Listener<TableStateView>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Errors that are not the answer to a call: event gaps, a lost seat token. */
  onError(listener: Listener<HoldfastError>): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * The server could not send the missed events (no longer kept, or more than the table
   * itself): this is the table at `seq` (the state already shows it). The event feed
   * continues with `seq + 1`; nothing between `lastSeq` and `seq` will be delivered.
   */
  onSnapshot(listener: Listener<TableSnapshot>): () => void {
    this.snapshotListeners.add(listener);
    return () => this.snapshotListeners.delete(listener);
  }

  async sit(options: { seat?: number; buyIn?: number } = {}): Promise<SitReply> {
    const reply = await this.command("sit", options);
    this.seat = reply.seat;
    this.tabs.announce("seat-claimed", this.tableId, this.userId);
    await this.storeSeat({ token: reply.seatToken, seat: reply.seat, expiresAt: reply.expiresAt });
    return reply;
  }

  async stand(): Promise<{ seat: number }> {
    const reply = await this.command<{ seat: number }>("stand", {});
    this.seat = null;
    await this.storage.remove(storageKeys.seat(this.tableId, this.userId));
    return reply;
  }

  /**
   * Sends a table command with a fresh `cid` (see `ReconnectingConnection.command`);
   * the table's commands and replies are typed (`TableCommands`, `TableReplies`).
   */
  override command<K extends TableCommandType>(type: K, payload: Omit<TableCommands[K], "cid">, cid?: string): Promise<TableReplies[K]>;
  override command<T = unknown>(type: string, payload: Record<string, unknown>, cid?: string): Promise<T>;
  override command(type: string, payload: Record<string, unknown>, cid?: string): Promise<unknown> {
    return super.command(type, payload, cid);
  }

  /** Hold'em: `amount` is the "to" amount of `bet` and `raise`. */
  act(action: ActCommand["action"], amount?: number): Promise<GameCommandReply> {
    return this.command("act", amount === undefined ? { action } : { action, amount });
  }

  /** Dining: sets a cart line's quantity (0 removes it); holds only the difference. */
  setCartLine(sku: string, quantity: number, line: { options?: Record<string, string | number | boolean>; note?: string } = {}): Promise<GameCommandReply> {
    return this.command("cart.set", { sku, quantity, ...line });
  }

  /** Dining: turns the shared cart into one order (the table sees `order.created`). */
  async checkout(): Promise<CheckoutOrder> {
    const reply: CheckoutReply = await this.command("checkout", {});
    return reply.order;
  }

  /** Dining: abandons the cart and releases its holds (staff, or a diner at the table). */
  closeTable(): Promise<GameCommandReply> {
    return this.command("close", {});
  }

  /** Asks the server for the events after `lastSeq` and delivers them. */
  async resync(): Promise<void> {
    const reply = (await this.room.request("resync", { lastSeq: this.lastSeq, packed: PACKED_EVENTS_VERSION })) as ResyncReply;
    this.applyResync(reply);
  }

  /** Leaves the table for good (keeps the seat for its grace unless you `stand` first). */
  leave(): Promise<void> {
    this.stopHeartbeat();
    this.tabs.close();
    return this.closeRoom();
  }

  /**
   * What other tabs of this browser said about this table and user: `seat-claimed` (this
   * tab's status then turns `replaced` if it played that seat) or `replaced`.
   */
  onTabNotice(listener: Listener<TabNotice>): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  private heardFromTab(notice: TabNotice): void {
    if (notice.tableId !== this.tableId || notice.userId !== this.userId) return;
    for (const l of this.noticeListeners) l(notice);
    if (notice.kind === "seat-claimed" && this.seat !== null && !this.closedByApp) this.stopForGood("replaced");
  }

  /** Another connection plays the seat now: no reconnecting, no heartbeats. */
  private stopForGood(status: "replaced"): void {
    this.stopHeartbeat();
    this.tabs.close();
    void this.closeRoom(status);
  }

  // --- lifecycle -------------------------------------------------------------------------

  /** First join: reclaim a stored seat if there is one, else watch (or `sit` later). */
  async start(): Promise<this> {
    const stored = this.options.spectate ? null : await this.loadSeat();
    let room: Room;
    try {
      room = await this.joinRetrying(stored?.token);
    } catch (err) {
      const error = HoldfastError.from(err);
      if (!stored || !DEAD_TOKEN_CODES.has(error.code)) throw error;
      await this.forgetSeat(error);
      room = await this.joinRetrying(undefined);
    }
    await this.attach(room, stored ? stored.seat : null);
    this.lastSeq = (room.state as TableStateView).seq ?? 0;
    this.setStatus("connected");
    return this;
  }

  /**
   * A join that tries again when the answer is "retry" (`isRetryableJoinError`): a table
   * moving between rooms or nodes, a draining node, Postgres or Redis away for a moment.
   * With a seat to reclaim it keeps trying until the seat's grace is over (an outage
   * during a page refresh must not cost the seat); without one, for a few seconds.
   */
  private async joinRetrying(seatToken: string | undefined): Promise<Room> {
    const giveUpAt = Date.now() + (seatToken ? this.graceMs : FIRST_JOIN_RETRY_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.join(seatToken);
      } catch (err) {
        const error = HoldfastError.from(err);
        if (!isRetryableJoinError(error) || Date.now() >= giveUpAt || this.closedByApp) throw error;
        // A RATE_LIMITED answer says how long to wait; otherwise the reconnect backoff.
        const backoff = jitteredBackoff(attempt, this.options.reconnect.minDelayMs, this.options.reconnect.maxDelayMs);
        await sleep(error.code === ErrorCode.RATE_LIMITED ? Math.max(backoff, error.retryAfterMs ?? 0) : backoff);
      }
    }
  }

  private async join(seatToken: string | undefined): Promise<Room> {
    const options: Record<string, unknown> = { tableId: this.tableId };
    if (seatToken) options.seatToken = seatToken;
    if (this.options.spectate) options.spectate = true;
    if (this.lastSeq > 0) options.lastSeq = this.lastSeq;
    options.packed = PACKED_EVENTS_VERSION;
    options.batchedEvents = true;
    return this.colyseus.joinOrCreate("table", options);
  }

  /** Takes `room` as the live connection; `seat` is the seat we expect to hold in it. */
  private async attach(room: Room, seat: number | null): Promise<void> {
    this.room = room;
    // Our own loop replaces Colyseus's (which gives up after about a minute).
    room.reconnection.enabled = false;
    // Handlers first (messages can arrive before the first state), then wait for state.
    room.onMessage(TableMessage.EVENT, (event: TableEvent) => this.receive(event));
    // Several events in one message (we join with `batchedEvents`), in seq order.
    room.onMessage(TableMessage.EVENTS, (events: TableEvent[]) => {
      for (const event of events) this.receive(event);
    });
    room.onMessage(TableMessage.RESYNC, (reply: ResyncReply) => this.applyResync(reply));
    room.onMessage(TableMessage.SEAT_TOKEN, (msg: { token: string; expiresAt: string }) => {
      if (this.seat !== null) void this.storeSeat({ token: msg.token, seat: this.seat, expiresAt: msg.expiresAt });
    });
    room.onMessage(TableMessage.ERROR, (body: { code: ErrorCode; message: string }) =>
      this.emitError(new HoldfastError(body.code, body.message)),
    );
    room.onStateChange((state) => {
      for (const l of this.stateListeners) l(state as TableStateView);
    });
    room.onLeave((code: number) => this.onSocketClosed(room, code));
    if (!(room.state as TableStateView | undefined)?.seats) {
      await new Promise<void>((resolve) => room.onStateChange.once(() => resolve()));
    }
    this.seat = seat !== null && this.ownsSeatIn(room, seat) ? seat : null;
    if (this.seat !== null) this.tabs.announce("seat-claimed", this.tableId, this.userId);
    this.startHeartbeat();
  }

  private ownsSeatIn(room: Room, seat: number): boolean {
    const s = (room.state as TableStateView).seats?.[seat];
    return s !== undefined && s.userId === this.userId && s.status !== "empty";
  }

  private onSocketClosed(room: Room, code: number): void {
    if (room !== this.room || this.closedByApp) return;
    this.stopHeartbeat();
    if (FINAL_CLOSE_CODES.has(code)) {
      if (code === CloseCode.REPLACED) {
        this.tabs.announce("replaced", this.tableId, this.userId);
        this.stopForGood("replaced");
      } else {
        this.setStatus("lost");
      }
      return;
    }
    // 4503: the room is gone (drain, lease lost): straight to the matchmaker with the seat
    // token; the Colyseus reconnection token would only find nothing.
    void this.recover(code === CloseCode.NODE_DRAINING ? undefined : room.reconnectionToken);
  }

  /** The reconnect loop: runs until restored, or until the seat's grace is over. */
  private recover(reconnectionToken: string | undefined): Promise<void> {
    const giveUpMs = this.seat !== null ? this.graceMs : this.options.reconnect.spectatorGiveUpMs;
    return this.reconnect(
      giveUpMs,
      this.options.reconnect,
      async (attempt) => {
        if (reconnectionToken && attempt < 2) {
          await this.attach(await this.colyseus.reconnect(reconnectionToken), this.seat);
          await this.resync().catch(() => undefined);
          return;
        }
        const stored = this.seat !== null ? await this.loadSeat() : null;
        let room: Room;
        try {
          room = await this.join(stored?.token);
        } catch (err) {
          const error = HoldfastError.from(err);
          if (!stored || !DEAD_TOKEN_CODES.has(error.code)) throw error;
          await this.forgetSeat(error);
          room = await this.join(undefined);
        }
        await this.attach(room, this.seat);
      },
      (error) => error.code === ErrorCode.UNAUTHORIZED,
      "restored",
    );
  }

  // --- the gap-free event feed ------------------------------------------------------------

  private receive(event: TableEvent): void {
    if (event.seq <= this.lastSeq) return; // duplicate
    if (event.seq > this.lastSeq + 1) {
      // Missed something: keep this one, ask for the gap (once), deliver in order after.
      this.ahead.set(event.seq, event);
      this.resyncing ??= this.resync().then(
        () => {
          this.resyncing = null;
          // Still a gap before what we hold (more was missed meanwhile): ask again.
          if (this.ahead.size > 0) this.receive(this.ahead.get(Math.min(...this.ahead.keys()))!);
        },
        (err) => {
          this.resyncing = null;
          this.emitError(HoldfastError.from(err));
        },
      );
      return;
    }
    this.deliver(event);
    this.drainAhead();
  }

  private applyResync(reply: ResyncReply): void {
    const snapshot = reply.snapshot as TableSnapshot | undefined;
    if (snapshot && snapshot.seq > this.lastSeq) {
      // The missed events are not kept (or weigh more than the table): the state already
      // shows the table; the feed goes on after the snapshot's seq.
      this.lastSeq = snapshot.seq;
      for (const l of this.snapshotListeners) l(snapshot);
    }
    let events = reply.events ?? [];
    if (reply.packed) {
      try {
        events = unpackEvents(reply.packed);
      } catch (err) {
        this.emitError(new HoldfastError(ErrorCode.INTERNAL, `resync: ${(err as Error).message}`));
        return;
      }
    }
    for (const event of events) {
      if (event.seq <= this.lastSeq) continue;
      if (event.seq !== this.lastSeq + 1) {
        this.emitError(new HoldfastError(ErrorCode.INTERNAL, `event gap: expected ${this.lastSeq + 1}, got ${event.seq}`));
      }
      this.deliver(event);
    }
    this.drainAhead();
  }

  /** Delivers kept-ahead events that are next in line now. */
  private drainAhead(): void {
    for (const seq of [...this.ahead.keys()]) if (seq <= this.lastSeq) this.ahead.delete(seq);
    let next = this.ahead.get(this.lastSeq + 1);
    while (next) {
      this.ahead.delete(next.seq);
      this.deliver(next);
      next = this.ahead.get(this.lastSeq + 1);
    }
  }

  private deliver(event: TableEvent): void {
    this.lastSeq = event.seq;
    for (const l of this.eventListeners) l(event as E);
  }

  // --- heartbeat and storage --------------------------------------------------------------

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (this.status === "reconnecting") return;
      this.room
        .request("hb", {})
        .then((reply: { graceSeconds?: number }) => {
          if (reply?.graceSeconds) this.graceMs = reply.graceSeconds * 1000;
        })
        .catch(() => undefined);
    }, this.options.heartbeatMs);
    (this.heartbeat as { unref?: () => void }).unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async loadSeat(): Promise<StoredSeat | null> {
    const raw = await this.storage.get(storageKeys.seat(this.tableId, this.userId));
    if (!raw) return null;
    try {
      return JSON.parse(raw) as StoredSeat;
    } catch {
      return null;
    }
  }

  private async storeSeat(seat: StoredSeat): Promise<void> {
    await this.storage.set(storageKeys.seat(this.tableId, this.userId), JSON.stringify(seat));
  }

  private async forgetSeat(reason: HoldfastError): Promise<void> {
    await this.storage.remove(storageKeys.seat(this.tableId, this.userId));
    this.seat = null;
    this.emitError(reason);
  }

  private emitError(error: HoldfastError): void {
    for (const l of this.errorListeners) l(error);
  }
}
