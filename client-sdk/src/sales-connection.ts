import type { Client as ColyseusClient, Room } from "@colyseus/sdk";
import {
  CloseCode,
  ErrorCode,
  SaleMessage,
  type CreateHoldResponse,
  type SaleStatus,
  type Ticket,
  type TicketStatus,
} from "@holdfast/shared";
import { ClientErrorCode, HoldfastError } from "./errors.ts";
import { ReconnectingConnection, type Listener } from "./reconnecting-connection.ts";

/** The `sale` room's shared state (contract: SaleState). */
export interface SaleStateView {
  saleId: string;
  status: SaleStatus;
  stockRemaining: number;
  queueLength: number;
  admitted: number;
}

/** What the app sees of the connection (the place in line is kept on the server either way). */
export type SaleConnectionStatus = "connecting" | "connected" | "reconnecting" | "lost" | "closed";

export interface SaleReconnectPolicy {
  minDelayMs: number;
  maxDelayMs: number;
  /** Gives up after this long without a connection (the place stays until it is admitted and lapses). */
  giveUpMs: number;
}

export const DEFAULT_SALE_RECONNECT: SaleReconnectPolicy = { minDelayMs: 100, maxDelayMs: 5000, giveUpMs: 120_000 };

/** Close codes that end the connection for good. */
const FINAL_CLOSE_CODES = new Set<number>([4000, CloseCode.SESSION_REVOKED]);

/**
 * A buyer's place in a flash sale's line, through the `sale` room.
 *
 * - `ticket` is the latest ticket (position, ETA, status, admission token while
 *   admitted); `onTicket` hears every one.
 * - `hold(quantity)` places a hold through the room once admitted (the same rules as
 *   `POST /api/holds`); a dropped socket re-sends it with the same `cid`, so it is
 *   placed once.
 * - The place survives the socket: a drop rejoins through the matchmaker (any room
 *   instance of the sale, on any node) and finds the same place. `leave()` gives the
 *   place up; `close()` only closes this connection.
 */
export class SaleConnection extends ReconnectingConnection<SaleConnectionStatus> {
  ticket: Ticket | null = null;

  private readonly ticketListeners = new Set<Listener<Ticket>>();
  private readonly stateListeners = new Set<Listener<SaleStateView>>();

  constructor(
    private readonly colyseus: ColyseusClient,
    readonly saleId: string,
    private readonly policy: SaleReconnectPolicy,
  ) {
    super("sale");
  }

  get state(): SaleStateView {
    return this.room.state as SaleStateView;
  }

  onTicket(listener: Listener<Ticket>): () => void {
    this.ticketListeners.add(listener);
    return () => this.ticketListeners.delete(listener);
  }

  onState(listener: Listener<SaleStateView>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Resolves with the first ticket (the current one included) that `match` accepts. */
  waitForTicket(match: (t: Ticket) => boolean, timeoutMs = 60_000): Promise<Ticket> {
    if (this.ticket && match(this.ticket)) return Promise.resolve(this.ticket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new HoldfastError(ClientErrorCode.TIMEOUT, `no matching ticket within ${timeoutMs} ms (last: ${this.ticket?.status})`));
      }, timeoutMs);
      const off = this.onTicket((t) => {
        if (!match(t)) return;
        clearTimeout(timer);
        off();
        resolve(t);
      });
    });
  }

  /** Resolves once the ticket says `status` (e.g. "admitted"). */
  waitFor(status: TicketStatus, timeoutMs?: number): Promise<Ticket> {
    return this.waitForTicket((t) => t.status === status, timeoutMs);
  }

  /** Places a hold of the sale's SKU (admitted buyers only). */
  hold(quantity = 1): Promise<CreateHoldResponse> {
    return this.command<CreateHoldResponse>("hold", { quantity });
  }

  /** Gives the place in line up, and closes the connection. */
  async leave(): Promise<void> {
    try {
      await this.command("leave", {});
    } finally {
      await this.close();
    }
  }

  /** Closes this connection; the place in line stays (join again to see it). */
  close(): Promise<void> {
    return this.closeRoom();
  }

  // --- lifecycle ---------------------------------------------------------------------

  async start(): Promise<this> {
    await this.attach(await this.join());
    this.setStatus("connected");
    return this;
  }

  private join(): Promise<Room> {
    return this.colyseus.joinOrCreate("sale", { saleId: this.saleId });
  }

  private async attach(room: Room): Promise<void> {
    this.room = room;
    room.reconnection.enabled = false; // our own loop rejoins through the matchmaker
    room.onMessage(SaleMessage.TICKET, (ticket: Ticket) => this.receive(ticket));
    room.onMessage(SaleMessage.ERROR, () => undefined);
    room.onStateChange((state) => {
      for (const l of this.stateListeners) l(state as SaleStateView);
    });
    room.onLeave((code: number) => this.onSocketClosed(room, code));
    if (!(room.state as SaleStateView | undefined)?.saleId) {
      await new Promise<void>((resolve) => room.onStateChange.once(() => resolve()));
    }
  }

  private receive(ticket: Ticket): void {
    this.ticket = ticket;
    for (const l of this.ticketListeners) l(ticket);
  }

  private onSocketClosed(room: Room, code: number): void {
    if (room !== this.room || this.closedByApp) return;
    if (FINAL_CLOSE_CODES.has(code)) {
      this.setStatus("lost");
      this.wakeWaiters();
      return;
    }
    void this.reconnect(
      this.policy.giveUpMs,
      this.policy,
      async () => this.attach(await this.join()),
      (error) => error.code === ErrorCode.UNAUTHORIZED || error.code === ErrorCode.NOT_FOUND || error.code === ErrorCode.SALE_NOT_OPEN,
      "connected",
    );
  }
}
