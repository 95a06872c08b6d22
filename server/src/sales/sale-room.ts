import { createHash } from "node:crypto";
import {
  ErrorCode,
  SaleMessage,
  type CreateHoldResponse,
  type Ticket,
} from "@holdfast/shared";
import { SaleHoldCommand, SaleJoinOptions, SaleLeaveCommand } from "@holdfast/shared/schemas";
import { DEFAULT_ROOM_LIMITS } from "../config.ts";
import { AppError } from "../errors.ts";
import { HoldChannel } from "../holds/hold-gate.ts";
import type { HoldService } from "../holds/hold-service.ts";
import { HoldfastRoom, joinAuth, type AuthedClient } from "../rooms/holdfast-room.ts";
import type { RoomDeps } from "../rooms/room-deps.ts";
import { toJoinError } from "../rooms/room-errors.ts";
import { CommandReplies } from "../rooms/command-replies.ts";
import type { Sale } from "./sale-repository.ts";
import type { QueueEntry, SaleQueueStore } from "./sale-queue-store.ts";
import { SaleState } from "./sale-schema.ts";
import type { SaleService, SaleSnapshot } from "./sale-service.ts";

export interface SaleRoomDeps extends RoomDeps {
  sales: SaleService;
  queue: SaleQueueStore;
  holds: HoldService;
  /** Clients per room instance; the matchmaker opens another instance when one is full. */
  maxClientsPerRoom?: number;
}

interface Viewer {
  userId: string;
  last: Ticket | undefined;
  lastSentAt: number;
}

/** What the room last read of one user's entry in line. */
interface Known {
  entry: QueueEntry;
  readAt: number;
  /** Read after the line had started: a waiting order can no longer be reshuffled. */
  final: boolean;
}

/** How often a room updates its tickets (from the node's shared snapshot of the line). */
const TICK_MS = 500;
/** How often an admitted user's entry is read (a hold placed over HTTP shows within it). */
const ADMITTED_REFRESH_MS = 1000;
/** Every client gets its ticket at least this often (fresh ETA), changed or not. */
const TICKET_REFRESH_MS = 3000;
/** How long a dropped client may come back to the same instance (its place is kept anyway). */
const RECONNECT_SECONDS = 20;

/**
 * The `sale` room: many instances per sale, on every node (filterBy saleId, capped
 * clients), each a view on the one shared line in the queue store. Joining enters the
 * line idempotently, so a refresh, a reconnect, a second tab or another instance all
 * find the same place. Every TICK_MS the room sends each client its `ticket` when the
 * position or status changed (and at least every TICKET_REFRESH_MS). Positions cost no
 * Redis call per client: the room keeps each waiting user's order (from the join) and
 * reads only the line-wide numbers (the node's shared snapshot: head order, length), see
 * `positionOf`. Users the line no longer holds as waiting are read exactly (entries). `hold` goes through the hold gate like
 * `POST /api/holds` (holds/hold-gate.ts); the line's record is the admission.
 */
export function createSaleRoom(deps: SaleRoomDeps) {
  // Unknown and ended sales fail here, before any seat is reserved or room created.
  const authenticate = joinAuth(deps, SaleJoinOptions, async ({ saleId }) => {
    const sale = await deps.sales.get(saleId);
    if (sale.endsAt !== null && Date.now() >= sale.endsAt) {
      throw new AppError(ErrorCode.SALE_NOT_OPEN, `sale ${sale.saleId} has ended`);
    }
  });

  return class SaleRoom extends HoldfastRoom<{ state: SaleState }> {
    protected readonly deps = deps;
    override maxClients = deps.maxClientsPerRoom ?? 500;
    private sale!: Sale;
    private readonly viewers = new Map<string, Viewer>();
    /** Per user in the room: the last entry read from the line. */
    private readonly known = new Map<string, Known>();
    /** Whether a snapshot has shown the line started (orders read before may be reshuffled). */
    private startedSeen = false;
    private readonly replies = new CommandReplies({
      keepMs: 5 * 60_000,
      perOwner: deps.config.roomLimits?.repliesPerUser ?? DEFAULT_ROOM_LIMITS.repliesPerUser,
    });
    private ticking = false;
    private tickAgain = false;
    private offStatus: (() => void) | undefined;

    static override onAuth(token: string, options: unknown) {
      return authenticate(token, options);
    }

    override async onCreate(options: unknown): Promise<void> {
      const { saleId } = SaleJoinOptions.parse(options);
      try {
        this.sale = await deps.sales.get(saleId);
      } catch (err) {
        throw toJoinError(err);
      }
      this.setState(new SaleState());
      this.state.saleId = saleId;
      this.countCreated();
      this.command("hold", SaleHoldCommand, (client, msg) => this.once(client, msg.cid, () => this.hold(client, msg)));
      this.command("leave", SaleLeaveCommand, (client) => this.leaveLine(client));
      this.rejectUnknownMessages();
      this.clock.setInterval(() => void this.tick(), TICK_MS);
      // A status change (sold out, say) is sent to everyone at once, not at the next tick.
      this.offStatus = deps.sales.onStatusChange((saleId) => {
        if (saleId === this.sale.saleId) void this.tick();
      });
      await this.setMetadata({ saleId });
    }

    override async onJoin(client: AuthedClient): Promise<void> {
      try {
        this.admitSocket(client);
        const final = this.startedSeen;
        const entry = await deps.sales.join(this.sale.saleId, client.auth.userId);
        this.known.set(client.auth.userId, { entry, readAt: Date.now(), final });
      } catch (err) {
        this.untrackSession(client);
        throw toJoinError(err);
      }
      this.viewers.set(client.sessionId, { userId: client.auth.userId, last: undefined, lastSentAt: 0 });
      this.trackSession(client);
      this.countJoined();
      await this.sendTickets([client.auth.userId], true).catch((err) => deps.logger.warn({ err }, "first ticket not sent"));
    }

    override async onDrop(client: AuthedClient): Promise<void> {
      // The place lives in the queue store whatever happens here; this only lets the
      // same socket session resume on this instance. Not after logout or expiry.
      if (this.sessionEnded(client)) return;
      await this.allowReconnection(client, RECONNECT_SECONDS).catch(() => undefined);
    }

    override async onReconnect(client: AuthedClient): Promise<void> {
      if (this.sessionEnded(client)) throw new AppError(ErrorCode.UNAUTHORIZED, "session ended");
      this.trackSession(client);
      const viewer = this.viewers.get(client.sessionId);
      if (viewer) {
        viewer.last = undefined;
        await this.sendTickets([viewer.userId], true).catch(() => undefined);
      }
    }

    override onLeave(client: AuthedClient): void {
      // Leaving the room is not leaving the line (only the `leave` command is).
      const viewer = this.viewers.get(client.sessionId);
      this.viewers.delete(client.sessionId);
      if (viewer && ![...this.viewers.values()].some((v) => v.userId === viewer.userId)) this.known.delete(viewer.userId);
      this.untrackSession(client);
      this.countLeft();
    }

    override onDispose(): void {
      this.offStatus?.();
      this.countDisposed();
    }

    // --- commands ---------------------------------------------------------------------

    private async hold(client: AuthedClient, msg: SaleHoldCommand): Promise<CreateHoldResponse> {
      const userId = client.auth.userId;
      const { saleId, sku } = this.sale;
      // No admission token: the room's socket is the signed-in buyer, and the gate checks
      // the line's own record (admitted in time, or already holding) like for a dining cart.
      const holdId = msg.cid ? stableHoldId(saleId, userId, msg.cid, sku) : undefined;
      try {
        return await deps.holds.create({ userId }, { sku, quantity: msg.quantity, saleId }, { holdId, channel: HoldChannel.SALE_ROOM });
      } finally {
        // Everyone of this user in the room sees the new status at once.
        void this.sendTickets([userId], true).catch(() => undefined);
      }
    }

    private async leaveLine(client: AuthedClient): Promise<{ left: boolean }> {
      const left = await deps.sales.leave(this.sale.saleId, client.auth.userId);
      await this.sendTickets([client.auth.userId], true).catch(() => undefined);
      return { left };
    }

    // --- tickets ------------------------------------------------------------------------

    /** One batched read of the line for every user in the room, then the tickets that changed. */
    private async tick(): Promise<void> {
      if (this.ticking) {
        this.tickAgain = true;
        return;
      }
      this.ticking = true;
      try {
        do {
          this.tickAgain = false;
          const users = [...new Set([...this.viewers.values()].map((v) => v.userId))];
          await this.sendTickets(users);
        } while (this.tickAgain);
      } catch (err) {
        deps.logger.warn({ err, saleId: this.sale.saleId }, "sale room tick failed");
      } finally {
        this.ticking = false;
      }
    }

    /**
     * Sends the tickets of `userIds`. Waiting users' positions are worked out from their
     * order and the snapshot; an entry is read from the line only when the room cannot
     * know it (see `needsRead`), or for every user given when `exact` (after the user's
     * own command, a join or a reconnect), then against a fresh snapshot: a snapshot
     * older than the entry could put it past the line's end.
     */
    private async sendTickets(userIds: string[], exact = false): Promise<void> {
      const snap = await deps.sales.snapshot(this.sale.saleId, exact);
      this.project(snap);
      if (snap.stats.started) this.startedSeen = true;
      if (userIds.length === 0) return;
      const now = Date.now();
      const toRead = exact ? userIds : userIds.filter((u) => this.needsRead(this.known.get(u), snap, now));
      if (toRead.length > 0) {
        const final = this.startedSeen;
        const { entries } = await deps.queue.lookup(this.sale.saleId, toRead);
        toRead.forEach((userId, i) => this.known.set(userId, { entry: entries[i], readAt: now, final }));
      }
      const tickets = new Map<string, Ticket>();
      for (const userId of userIds) {
        const known = this.known.get(userId);
        if (!known) continue;
        let entry = known.entry;
        if (entry.state === "waiting") {
          const position = positionOf(entry.order, snap.stats);
          // 0: the snapshot and the entry disagree (one is older); the next tick reads again.
          if (position === 0) continue;
          entry = { ...entry, position };
        }
        tickets.set(userId, deps.sales.ticketFor(userId, entry, snap, now));
      }
      for (const client of this.clients) {
        const viewer = this.viewers.get(client.sessionId);
        const ticket = viewer && tickets.get(viewer.userId);
        if (!viewer || !ticket) continue;
        const last = viewer.last;
        const changed = !last || last.status !== ticket.status || last.position !== ticket.position || last.admittedUntil !== ticket.admittedUntil;
        if (!exact && !changed && now - viewer.lastSentAt < TICKET_REFRESH_MS) continue;
        viewer.last = ticket;
        viewer.lastSentAt = now;
        client.send(SaleMessage.TICKET, ticket);
      }
    }

    /**
     * Whether a user's entry must be read from the line at this tick. A waiting user whose
     * order is still in line (at or behind the head) is not: admissions take the head, and
     * its place follows from the head's order. Read: an order from before the start (a
     * random pre-queue reshuffles it), a user the head has passed (admitted, or it left),
     * an admitted user every ADMITTED_REFRESH_MS (it may hold over HTTP; its lapse needs
     * no read, the deadline is known), and every TICKET_REFRESH_MS a holding or absent
     * user (an order, a leave or a join made elsewhere). Done and lapsed entries change only by the user's own commands, which
     * read exactly.
     */
    private needsRead(known: Known | undefined, snap: SaleSnapshot, now: number): boolean {
      if (!known) return true;
      switch (known.entry.state) {
        case "waiting":
          if (!known.final && this.startedSeen) return true;
          return positionOf(known.entry.order, snap.stats) === 0;
        case "admitted":
          return now - known.readAt >= ADMITTED_REFRESH_MS;
        case "holding":
        case "none":
          return now - known.readAt >= TICKET_REFRESH_MS;
        default:
          return false;
      }
    }

    private project(snap: SaleSnapshot): void {
      const s = this.state;
      if (s.status !== snap.status) s.status = snap.status;
      if (s.stockRemaining !== snap.stockRemaining) s.stockRemaining = snap.stockRemaining;
      if (s.queueLength !== snap.stats.length) s.queueLength = snap.stats.length;
      if (s.admitted !== snap.stats.admittedTotal) s.admitted = snap.stats.admittedTotal;
    }

    /** Applies a command once per (user, cid) on this instance; a repeat gets the first answer. */
    private once<T>(client: AuthedClient, cid: string | undefined, fn: () => Promise<T>): Promise<T> {
      if (!cid) return fn();
      return this.replies.once(client.auth.userId, cid, fn);
    }
  };
}

/**
 * The place in line of a waiting user of order `order`: one more than the orders between
 * the head's and its own. Exact at the head (1) and for everyone when nobody ahead has
 * left; an upper bound otherwise (a leaver's order still counts until the head passes
 * it), never more than the line's length. It grows with the order, so a buyer is never
 * shown behind someone placed after them.
 */
export function positionOf(order: number, stats: { headOrder: number; length: number }): number {
  if (stats.headOrder === 0 || order < stats.headOrder) return 0;
  return Math.max(1, Math.min(order - stats.headOrder + 1, stats.length));
}

/** A hold id stable for (sale, user, cid): the same command on another instance finds the same hold. */
function stableHoldId(saleId: string, userId: string, cid: string, sku: string): string {
  return `h_${createHash("sha256").update(`sale:${saleId}:${userId}:${cid}`).digest("hex").slice(0, 16)}_${sku}`;
}

