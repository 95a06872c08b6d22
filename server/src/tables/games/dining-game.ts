import { createHash, randomBytes } from "node:crypto";
import { ErrorCode, Role, SeatStatus, type TableEvent } from "@holdfast/shared";
import { CartSetCommand, CheckoutCommand, CloseCommand } from "@holdfast/shared/schemas";
import { AppError } from "../../errors.ts";
import type { HoldService } from "../../holds/hold-service.ts";
import type { OrderService } from "../../orders/order-service.ts";
import type { TableModel } from "../table-model.ts";
import type { GameCommand, GameContext, GameEffect, GameEvent, TableGame } from "./table-game.ts";


/** Events of a dining table (also what the `feed` room relays for the table's branch). */
export const DiningEvent = {
  CART_UPDATED: "cart.updated",
  LINE_EXPIRED: "cart.line_expired",
  ORDER_CREATED: "order.created",
  CART_ABANDONED: "cart.abandoned",
} as const;

/** One line of the shared cart, keyed by its stable signature. */
export interface CartLine {
  /** `{cartKey}:{sku}:{optionsHash}:{lineId}` (lineId random, not a hash of the note): the same dish with the same options and note is one line. */
  lineKey: string;
  sku: string;
  quantity: number;
  options: Record<string, string | number | boolean>;
  note: string;
  /** User ids of the diners who changed this line, first to last. */
  addedBy: string[];
  holdId: string;
  /** Epoch ms the line's stock hold expires (the line disappears then). */
  expiresAt: number;
}

/** `model.game` of a dining table. */
export interface DiningState {
  /** Increases at each checkout or close: each cart has its own hold keys. */
  cartNo: number;
  status: "open" | "ordered" | "abandoned";
  lines: CartLine[];
  lastOrderId: string | null;
  /** Seq of the `order.created` behind lastOrderId: only diners seated by then may see it. */
  lastOrderSeq?: number;
}

export function diningState(model: TableModel): DiningState {
  return (model.game as DiningState | null) ?? { cartNo: 1, status: "open", lines: [], lastOrderId: null };
}

/**
 * The owner id the table's cart holds are kept under (one per cart: checkout consumes
 * them all, close releases them). Limits are the diners', not the cart's: each line
 * counts against the diner who raised it (HoldStore.setQuantity's `buyerId`).
 */
export function cartOwnerId(tableId: string, cartNo: number): string {
  return `cart:${tableId}:${cartNo}`;
}

const shortHash = (value: unknown) => createHash("sha256").update(JSON.stringify(value ?? "")).digest("hex").slice(0, 12);

/** Options hash independent of key order, so `{a,b}` and `{b,a}` are the same line. */
function optionsHash(options: Record<string, unknown>): string {
  return shortHash(Object.keys(options).sort().map((k) => [k, options[k]]));
}

export interface DiningDeps {
  /** Cart lines go through the hold gate like every hold (holds/hold-gate.ts). */
  holds: HoldService;
  orders: OrderService;
}

/** Pure part: folds dining events into the cart. */
export function evolveDining(model: TableModel, event: TableEvent): TableModel {
  const cart = diningState(model);
  const d = event.data as Record<string, any>;
  let next: DiningState = cart;
  switch (event.type) {
    case DiningEvent.CART_UPDATED: {
      const others = cart.lines.filter((l) => l.lineKey !== d.lineKey);
      const previous = cart.lines.find((l) => l.lineKey === d.lineKey);
      const line: CartLine = {
        lineKey: d.lineKey,
        sku: d.sku,
        quantity: d.quantity,
        options: d.options ?? {},
        note: d.note ?? "",
        addedBy: previous?.addedBy.includes(d.by) ? previous.addedBy : [...(previous?.addedBy ?? []), d.by],
        holdId: d.holdId,
        expiresAt: d.expiresAt,
      };
      next = { ...cart, status: "open", lines: d.quantity > 0 ? [...others, line] : others };
      break;
    }
    case DiningEvent.LINE_EXPIRED:
      next = { ...cart, lines: cart.lines.filter((l) => l.lineKey !== d.lineKey) };
      break;
    case DiningEvent.ORDER_CREATED:
      next = { cartNo: cart.cartNo + 1, status: "ordered", lines: [], lastOrderId: d.orderId, lastOrderSeq: event.seq };
      break;
    case DiningEvent.CART_ABANDONED:
      // An abandoned cart ends the party: its last order is nobody's business at the table now.
      next = { cartNo: cart.cartNo + 1, status: "abandoned", lines: [], lastOrderId: null };
      break;
  }
  return { ...model, game: next };
}

/**
 * The dining table: diners share one cart. Each `cart.set` holds or releases only the
 * difference in stock (the hold store's cart-line operation, atomic), `checkout` turns
 * the cart's holds into one order, `close` (staff, or nobody left at the table) abandons
 * the cart and releases its holds. Lines whose hold expired leave the cart.
 */
export function createDiningGame(deps: DiningDeps): TableGame {
  /**
   * After the cart's end is logged, its stock goes back. Should that fail, the holds
   * still lapse at their TTL (HOLD_TTL_SECONDS): nothing to log, the cart is gone.
   */
  function releaseAll(cart: DiningState): GameEffect {
    const holdIds = cart.lines.map((l) => l.holdId);
    return { name: "release the cart's holds", run: () => deps.holds.releaseAny(holdIds) };
  }

  return {
    commands: { "cart.set": CartSetCommand, checkout: CheckoutCommand, close: CloseCommand },
    openCommands: ["close"],
    // Carts and orders are what staff watch: every dining event goes to the feed.
    feedWorthy: () => true,
    staffDetails: true,

    async decide(model, command: GameCommand, ctx: GameContext) {
      const cart = diningState(model);
      const tableId = model.tableId;
      switch (command.type) {
        case "cart.set": {
          const msg = command.payload as CartSetCommand;
          const options = msg.options ?? {};
          const note = msg.note ?? "";
          const cartKey = `${tableId}#${cart.cartNo}`;
          const oHash = optionsHash(options);
          // The line key is public (events, state); the note is not. So its last part is
          // a random id given when the line is made, never a hash anyone could check a
          // guessed note against. The same (dish, options, note) finds its line by content.
          const existing = cart.lines.find((l) => l.sku === msg.sku && l.note === note && optionsHash(l.options) === oHash);
          const nHash = existing ? existing.lineKey.slice(existing.lineKey.lastIndexOf(":") + 1) : randomBytes(6).toString("hex");
          const lineKey = existing?.lineKey ?? `${cartKey}:${msg.sku}:${oHash}:${nHash}`;
          const line = {
            cartKey,
            sku: msg.sku,
            optionsHash: oHash,
            noteHash: nHash,
            userId: cartOwnerId(tableId, cart.cartNo),
            buyerId: command.userId!,
            branchId: ctx.table.options.branchId ?? null,
          };
          const previousQuantity = existing && existing.expiresAt > ctx.now ? existing.quantity : 0;
          const hold = await deps.holds.setCartLine({ ...line, quantity: msg.quantity, previousQuantity });
          if (!hold && !existing) return [];
          // The hold's id and expiry are the event's data, so the hold is set first; should
          // the log refuse the event, the line goes back to what the log says it is.
          const undo = async () => {
            await deps.holds.setCartLine({ ...line, quantity: previousQuantity, previousQuantity: msg.quantity });
          };
          const events = [
            event(DiningEvent.CART_UPDATED, {
              lineKey,
              sku: msg.sku,
              quantity: msg.quantity,
              options,
              note,
              by: command.userId,
              holdId: hold?.holdId ?? existing?.holdId ?? "",
              expiresAt: hold?.expiresAt ?? 0,
            }),
          ];
          return { events, undo };
        }
        case "checkout": {
          const lines = cart.lines.filter((l) => l.expiresAt > ctx.now);
          if (lines.length === 0) return new AppError(ErrorCode.ILLEGAL_ACTION, "the cart is empty");
          const owner = cartOwnerId(tableId, cart.cartNo);
          const holdIds = lines.map((l) => l.holdId);
          const { order } = await deps.orders.createFromHolds({ userId: command.userId! }, owner, holdIds, {
            tableId,
            branchId: ctx.table.options.branchId,
          });
          return {
            events: [
              event(DiningEvent.ORDER_CREATED, {
                orderId: order.orderId,
                by: command.userId,
                items: order.items,
                amountCents: order.amountCents,
                currency: order.currency,
                expiresAt: order.expiresAt,
              }),
            ],
            // The order's id and totals are the event's data, so the order is made first;
            // one the log refused is withdrawn before anyone could pay it, its units back
            // in the cart's holds.
            undo: () => deps.orders.withdraw(order.orderId, owner, holdIds),
          };
        }
        case "close": {
          const staff = command.roles?.some((r) => r === Role.ADMIN || r === Role.STAFF) ?? false;
          const seated = command.seat !== null;
          if (!staff && !seated) return new AppError(ErrorCode.FORBIDDEN, "only staff or a diner at the table can close it");
          return { events: [event(DiningEvent.CART_ABANDONED, { by: command.userId, reason: "closed", lines: cart.lines.length })], effects: [releaseAll(cart)] };
        }
        case "abandon":
          return { events: [event(DiningEvent.CART_ABANDONED, { by: null, reason: "everyone_left", lines: cart.lines.length })], effects: [releaseAll(cart)] };
        case "expire_lines":
          return cart.lines.filter((l) => l.expiresAt <= ctx.now).map((l) => event(DiningEvent.LINE_EXPIRED, { lineKey: l.lineKey, sku: l.sku }));
        default:
          return new AppError(ErrorCode.VALIDATION_FAILED, `unknown dining command ${command.type}`);
      }
    },

    evolve: evolveDining,

    reply(type, events) {
      // `checkout` answers with the order it made (contract: CheckoutReply).
      const created = type === "checkout" ? events.find((e) => e.type === DiningEvent.ORDER_CREATED) : undefined;
      if (!created) return undefined;
      const { orderId, items, amountCents, currency, expiresAt } = created.data as Record<string, unknown>;
      return { order: { orderId, items, amountCents, currency, expiresAt } };
    },

    due(model, ctx) {
      const cart = diningState(model);
      if (cart.lines.length === 0) return [];
      if (cart.lines.some((l) => l.expiresAt <= ctx.now)) return [{ type: "expire_lines", seat: null, userId: null, payload: null }];
      // The last diner left (their grace window is over too): the cart is abandoned.
      if (model.seats.every((s) => s.status === SeatStatus.EMPTY)) return [{ type: "abandon", seat: null, userId: null, payload: null }];
      return [];
    },

    publicData: diningPublicData,
  };
}

/** Hold ids stay on the server; everything else about the cart is public to the table. */
export function diningPublicData(e: TableEvent): Record<string, unknown> {
  const { holdId: _internal, ...rest } = e.data as Record<string, unknown>;
  return rest;
}

function event(type: string, data: Record<string, unknown>): GameEvent {
  return { type, data };
}
