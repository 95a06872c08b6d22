import type { Presence } from "@colyseus/core";
import {
  ErrorCode,
  SaleStatus,
  TicketStatus,
  type SaleView,
  type Ticket,
} from "@holdfast/shared";
import type { CreateSaleBody } from "@holdfast/shared/schemas";
import { AppError } from "../errors.ts";
import { HoldChannel, type HoldPass, type HoldRequest, type SaleRules } from "../holds/hold-gate.ts";
import type { HoldStore, StockCounts } from "../holds/hold-store.ts";
import type { InventoryService } from "../inventory/inventory-service.ts";
import type { Logger } from "../logger.ts";
import { PresenceChannel } from "../redis/presence-channel.ts";
import type { AdmissionTokens } from "./admission-tokens.ts";
import { toSaleDto, type Sale, type SaleRepository } from "./sale-repository.ts";
import type { QueueEntry, QueueStats, SaleQueueStore } from "./sale-queue-store.ts";

/** A sale's live numbers, shared by every room of the sale on this node for a moment. */
export interface SaleSnapshot {
  sale: Sale;
  status: SaleStatus;
  stockRemaining: number;
  stats: QueueStats;
  /** Observed admissions per second (null when nothing can be said yet). */
  ratePerSecond: number | null;
  at: number;
}

export interface SaleServiceOptions {
  repo: SaleRepository;
  queue: SaleQueueStore;
  holdStore: HoldStore;
  inventory: InventoryService;
  tokens: AdmissionTokens;
  presence: Presence;
  channel: string;
  logger: Logger;
  admissionTtlSeconds: number;
  newId: () => string;
}

/** What nodes tell each other about sales (on `SaleServiceOptions.channel`). */
type SaleMessage = { type: "sale.created"; saleId: string } | { type: "sale.status"; saleId: string; status: SaleStatus };

function parseSaleMessage(raw: unknown): SaleMessage | null {
  const m = raw as Partial<{ type: string; saleId: string; status: SaleStatus }> | null;
  if (!m || typeof m.saleId !== "string") return null;
  if (m.type === "sale.created") return { type: m.type, saleId: m.saleId };
  if (m.type === "sale.status" && typeof m.status === "string") return { type: m.type, saleId: m.saleId, status: m.status };
  return null;
}

/** How long a snapshot serves every room of the sale on this node. */
const SNAPSHOT_MS = 200;
/** Window over which the admission rate is observed. */
const RATE_WINDOW_MS = 10_000;

/**
 * Flash sales: creation, status, the shared numbers rooms show, tickets, and the gate
 * in front of holds on a SKU that is in a sale (admission token + per-sale limit).
 *
 * Sales never change once created, so every node keeps them all in memory (refreshed
 * from Postgres every few seconds and at once when a node announces a new sale).
 */
export class SaleService implements SaleRules {
  private readonly byId = new Map<string, Sale>();
  private readonly bySku = new Map<string, Sale>();
  private readonly snapshots = new Map<string, Promise<SaleSnapshot>>();
  private readonly samples = new Map<string, { at: number; admitted: number }[]>();
  private readonly tokenCache = new Map<string, { until: number; token: string }>();
  private readonly stockListeners = new Set<(sale: Sale) => void>();
  private readonly statusListeners = new Set<(saleId: string, status: SaleStatus) => void>();
  private readonly lastStatus = new Map<string, SaleStatus>();
  private readonly messages: PresenceChannel<SaleMessage>;

  constructor(private readonly o: SaleServiceOptions) {
    this.messages = new PresenceChannel(o.presence, o.channel, parseSaleMessage);
    this.messages.listen((msg) => {
      if (msg.type === "sale.created") void this.refresh().catch((err) => this.o.logger.warn({ err }, "sales refresh failed"));
      else if (this.lastStatus.get(msg.saleId) !== msg.status) this.applyStatus(msg.saleId, msg.status, false);
    });
  }

  async start(): Promise<void> {
    await this.refresh();
    await this.messages.start();
  }

  stop(): void {
    this.messages.stop();
  }

  /** Fire and forget: a lost message only delays other nodes until their next refresh or tick. */
  private tell(message: SaleMessage): void {
    this.messages.publish(message).catch((err: unknown) => this.o.logger.warn({ err, saleId: message.saleId }, `${message.type} not published`));
  }

  /** Reloads the SKU → sale map from Postgres. */
  async refresh(): Promise<void> {
    for (const sale of await this.o.repo.latestPerSku()) this.remember(sale);
  }

  private remember(sale: Sale): void {
    this.byId.set(sale.saleId, sale);
    const current = this.bySku.get(sale.sku);
    if (!current || current.createdAt <= sale.createdAt) this.bySku.set(sale.sku, sale);
  }

  /** Sales that are not over yet (the admitter's work list). */
  liveSales(now = Date.now()): Sale[] {
    return [...this.bySku.values()].filter((s) => s.endsAt === null || s.endsAt > now);
  }

  async create(body: CreateSaleBody): Promise<SaleView> {
    const saleId = body.saleId ?? this.o.newId();
    if (this.byId.has(saleId) || (await this.o.repo.get(saleId))) {
      throw new AppError(ErrorCode.CONFLICT, `sale ${saleId} already exists`);
    }
    // The sale's quantity is the SKU's stock (created when missing).
    await this.o.inventory.put(body.sku, {
      stock: body.quantity,
      name: body.name,
      priceCents: body.priceCents,
      perUserLimit: body.perUserLimit ?? 1,
    });
    const sale = await this.o.repo.insert({
      saleId,
      sku: body.sku,
      quantity: body.quantity,
      perUserLimit: body.perUserLimit ?? 1,
      startsAt: body.startsAt,
      endsAt: body.endsAt ?? null,
      admission: body.admission ?? { mode: "stock" },
      prequeue: body.prequeue ?? "random",
    });
    if (!sale) throw new AppError(ErrorCode.CONFLICT, `sale ${saleId} already exists`);
    this.remember(sale);
    // Awaited: the other nodes learn of the sale before its creator hears back.
    await this.messages.publish({ type: "sale.created", saleId }).catch((err: unknown) => this.o.logger.warn({ err, saleId }, "sale.created not published"));
    return this.view(saleId);
  }

  /** The sale, from memory or Postgres. NOT_FOUND. */
  async get(saleId: string): Promise<Sale> {
    const known = this.byId.get(saleId);
    if (known) return known;
    const sale = await this.o.repo.get(saleId);
    if (!sale) throw new AppError(ErrorCode.NOT_FOUND, `sale ${saleId} not found`);
    this.remember(sale);
    return sale;
  }

  saleForSku(sku: string): Sale | undefined {
    return this.bySku.get(sku);
  }

  async view(saleId: string): Promise<SaleView> {
    const snap = await this.snapshot(saleId, true);
    return {
      sale: toSaleDto(snap.sale),
      status: snap.status,
      stockRemaining: snap.stockRemaining,
      queueLength: snap.stats.length,
      admitted: snap.stats.admittedTotal,
    };
  }

  /** Live counters of the sale's SKU (expiring due holds on the way). */
  async counts(sale: Sale): Promise<StockCounts> {
    const counts = await this.o.holdStore.getCounts(sale.sku);
    if (counts) return counts;
    await this.o.inventory.ensureLoaded(sale.sku);
    return (await this.o.holdStore.getCounts(sale.sku)) ?? { total: 0, available: 0, held: 0 };
  }

  statusOf(sale: Sale, available: number, now = Date.now()): SaleStatus {
    if (now < sale.startsAt) return SaleStatus.UPCOMING;
    if (sale.endsAt !== null && now >= sale.endsAt) return SaleStatus.ENDED;
    if (available <= 0) return SaleStatus.SOLD_OUT;
    return SaleStatus.OPEN;
  }

  /**
   * The sale's numbers, read at most every SNAPSHOT_MS per node however many rooms and
   * readers ask (`fresh` skips the shared copy).
   */
  snapshot(saleId: string, fresh = false): Promise<SaleSnapshot> {
    const cached = this.snapshots.get(saleId);
    if (cached && !fresh) return cached;
    const next = this.readSnapshot(saleId);
    this.snapshots.set(saleId, next);
    next.then(
      () => setTimeout(() => this.snapshots.get(saleId) === next && this.snapshots.delete(saleId), SNAPSHOT_MS).unref(),
      () => this.snapshots.get(saleId) === next && this.snapshots.delete(saleId),
    );
    return next;
  }

  private async readSnapshot(saleId: string): Promise<SaleSnapshot> {
    const sale = await this.get(saleId);
    const [counts, { stats }] = await Promise.all([this.counts(sale), this.o.queue.lookup(saleId, [])]);
    const now = Date.now();
    const status = this.statusOf(sale, counts.available, now);
    this.noteStatus(sale.saleId, status);
    return {
      sale,
      status,
      stockRemaining: Math.max(0, counts.available),
      stats,
      ratePerSecond: this.observeRate(sale, stats.admittedTotal, now),
      at: now,
    };
  }

  /**
   * Tells every node when a sale's status changes (opens, sells out, reopens, ends), so
   * each room of the sale sends its tickets at once instead of at its next tick: "sold
   * out" reaches everyone waiting, on every node, together. Whoever reads fresh counters
   * first (the admitter every 200 ms, or any room) notices and publishes.
   */
  noteStatus(saleId: string, status: SaleStatus): void {
    const prev = this.lastStatus.get(saleId);
    this.lastStatus.set(saleId, status);
    if (prev === undefined || prev === status) return;
    this.applyStatus(saleId, status, true);
  }

  private applyStatus(saleId: string, status: SaleStatus, publish: boolean): void {
    this.lastStatus.set(saleId, status);
    this.snapshots.delete(saleId);
    for (const l of this.statusListeners) l(saleId, status);
    if (publish) {
      this.tell({ type: "sale.status", saleId, status });
    }
  }

  /** Hears status changes of every sale (this node's and, through presence, the others'). */
  onStatusChange(listener: (saleId: string, status: SaleStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Admissions per second over the last RATE_WINDOW_MS; falls back to the configured rate. */
  private observeRate(sale: Sale, admitted: number, now: number): number | null {
    let list = this.samples.get(sale.saleId);
    if (!list) this.samples.set(sale.saleId, (list = []));
    list.push({ at: now, admitted });
    while (list.length > 2 && list[1].at <= now - RATE_WINDOW_MS) list.shift();
    const first = list[0];
    const seconds = (now - first.at) / 1000;
    const observed = seconds >= 1 ? (admitted - first.admitted) / seconds : 0;
    if (observed > 0) return observed;
    return sale.admission.mode === "rate" ? sale.admission.perSecond : null;
  }

  /** What the buyer is told: place, ETA, status, and the admission token while admitted. */
  ticketFor(userId: string, entry: QueueEntry, snap: SaleSnapshot, now = Date.now()): Ticket {
    const { sale } = snap;
    const prequeue = !snap.stats.started || now < sale.startsAt;
    const ended = snap.status === SaleStatus.ENDED;
    switch (entry.state) {
      case "waiting": {
        // A random pre-queue has no order until it is shuffled at the start.
        const position = prequeue && sale.prequeue === "random" ? 0 : entry.position;
        const status = ended ? TicketStatus.ENDED : snap.status === SaleStatus.SOLD_OUT ? TicketStatus.SOLD_OUT : TicketStatus.WAITING;
        const untilStart = Math.max(0, (sale.startsAt - now) / 1000);
        const rate = snap.ratePerSecond;
        const inLine = position || entry.position;
        const eta = status === TicketStatus.WAITING && rate ? Math.ceil(untilStart + inLine / rate) : null;
        return { position, eta, status, prequeue };
      }
      case "admitted":
        if (ended) return { position: 0, eta: null, status: TicketStatus.ENDED, prequeue };
        if (entry.admittedUntil <= now) return { position: 0, eta: null, status: TicketStatus.LAPSED, prequeue };
        return {
          position: 0,
          eta: 0,
          status: TicketStatus.ADMITTED,
          prequeue,
          admissionToken: this.admissionToken(userId, sale.saleId, entry.admittedUntil),
          admittedUntil: entry.admittedUntil,
        };
      case "holding":
        return { position: 0, eta: null, status: TicketStatus.HOLDING, prequeue };
      case "done":
        return { position: 0, eta: null, status: TicketStatus.DONE, prequeue };
      case "lapsed":
        return { position: 0, eta: null, status: TicketStatus.LAPSED, prequeue };
      default:
        return { position: 0, eta: null, status: ended ? TicketStatus.ENDED : TicketStatus.LEFT, prequeue };
    }
  }

  /** The admission token of an admission (signed once per admission on this node). */
  admissionToken(userId: string, saleId: string, admittedUntil: number): string {
    const key = `${saleId}|${userId}`;
    const cached = this.tokenCache.get(key);
    if (cached && cached.until === admittedUntil) return cached.token;
    if (this.tokenCache.size >= 50_000) this.pruneTokens();
    const token = this.o.tokens.sign({ userId, saleId, admittedUntil });
    this.tokenCache.set(key, { until: admittedUntil, token });
    return token;
  }

  /** The last admission token this node signed for the user, while it is still valid. */
  lastAdmissionToken(userId: string, saleId: string): string | undefined {
    const cached = this.tokenCache.get(`${saleId}|${userId}`);
    return cached && cached.until > Date.now() ? cached.token : undefined;
  }

  private pruneTokens(): void {
    const now = Date.now();
    for (const [key, entry] of this.tokenCache) if (entry.until <= now) this.tokenCache.delete(key);
    if (this.tokenCache.size >= 50_000) this.tokenCache.clear();
  }

  /** The caller's ticket without joining (HTTP clients). */
  async ticket(saleId: string, userId: string): Promise<Ticket> {
    const snap = await this.snapshot(saleId);
    const { entries } = await this.o.queue.lookup(saleId, [userId]);
    return this.ticketFor(userId, entries[0], snap);
  }

  /** Enters the line (idempotent). SALE_NOT_OPEN once the sale has ended. */
  async join(saleId: string, userId: string): Promise<QueueEntry> {
    const sale = await this.get(saleId);
    if (sale.endsAt !== null && Date.now() >= sale.endsAt) throw new AppError(ErrorCode.SALE_NOT_OPEN, `sale ${saleId} has ended`);
    return this.o.queue.join(saleId, userId);
  }

  leave(saleId: string, userId: string): Promise<boolean> {
    return this.o.queue.leave(saleId, userId);
  }

  // --- the sale's part of the hold gate (holds/hold-gate.ts) -----------------------------

  /**
   * A hold on a SKU governed by a sale needs the sale to be open, the buyer admitted, and
   * room under the per-buyer limit. The limit is claimed atomically in the queue store
   * and counts every unit the buyer ever took through the sale (holds, dining cart lines,
   * and so orders): released units are not given back to the allowance. Undone only if
   * the hold itself then fails.
   *
   * Admission is the queue store's record (claim.lua). HTTP callers also present the
   * admission token from their ticket; the sale room and a dining table have none to
   * show (their socket is already the signed-in buyer) and count on the record alone.
   */
  async beforeHold(request: HoldRequest): Promise<HoldPass | null> {
    const { buyerId: userId, sku, quantity } = request;
    const sale = this.bySku.get(sku);
    if (!sale) {
      if (request.saleId) throw new AppError(ErrorCode.NOT_ADMITTED, `${sku} is not on sale in ${request.saleId}`);
      return null;
    }
    this.checkOpen(sale);
    if (request.saleId && request.saleId !== sale.saleId) {
      throw new AppError(ErrorCode.NOT_ADMITTED, `${sku} is on sale in ${sale.saleId}, not ${request.saleId}`);
    }
    if (request.admissionToken) {
      this.o.tokens.verify(request.admissionToken, { userId, saleId: sale.saleId });
    } else if (request.channel === HoldChannel.HTTP) {
      throw new AppError(ErrorCode.NOT_ADMITTED, `${sku} is in sale ${sale.saleId}: an admission token is required`);
    }
    await this.o.queue.claim(sale.saleId, userId, quantity, sale.perUserLimit);
    return {
      perUserLimit: sale.perUserLimit,
      done: () =>
        this.o.queue.confirm(sale.saleId, userId).catch((err: unknown) => {
          this.o.logger.error({ err, saleId: sale.saleId, userId }, "could not mark a sale buyer holding");
        }),
      undo: () =>
        this.o.queue.unclaim(sale.saleId, userId, quantity).catch((err: unknown) => {
          this.o.logger.error({ err, saleId: sale.saleId, userId }, "could not undo a sale claim");
        }),
    };
  }

  /** Checkout of units of a sale's SKU: never before the sale starts (units held before the SKU went on sale). */
  beforeOrder(sku: string): void {
    const sale = this.bySku.get(sku);
    if (sale && Date.now() < sale.startsAt) throw new AppError(ErrorCode.SALE_NOT_OPEN, `sale ${sale.saleId} has not started`);
  }

  private checkOpen(sale: Sale, now = Date.now()): void {
    if (now < sale.startsAt) throw new AppError(ErrorCode.SALE_NOT_OPEN, `sale ${sale.saleId} has not started`);
    if (sale.endsAt !== null && now >= sale.endsAt) throw new AppError(ErrorCode.SALE_NOT_OPEN, `sale ${sale.saleId} has ended`);
  }

  stockReturned(sku: string): void {
    const sale = this.bySku.get(sku);
    if (sale) for (const l of this.stockListeners) l(sale);
  }

  /** Called when units of a sale's SKU return (the admitter admits more in stock mode). */
  onStockReturned(listener: (sale: Sale) => void): () => void {
    this.stockListeners.add(listener);
    return () => this.stockListeners.delete(listener);
  }
}
