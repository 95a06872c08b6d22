import { ArraySchema, Schema, type, view } from "@colyseus/schema";
import type { SeatModel } from "../table-model.ts";
import type { DiningState } from "./dining-game.ts";

/**
 * One line of the shared cart. Dish, options and quantity are for everyone in the room;
 * `note` and `addedBy` are `@view()`: only the table's diners and its branch staff get
 * them (their StateViews hold the line, see dining-detail-views.ts).
 */
export class CartLineState extends Schema {
  @type("string") lineKey: string = "";
  @type("string") sku: string = "";
  @type("uint8") quantity: number = 0;
  /** The line's options as JSON (flat key/value pairs). */
  @type("string") options: string = "{}";
  @view() @type("string") note: string = "";
  @view() @type(["string"]) addedBy = new ArraySchema<string>();
  /** Epoch ms the stock hold behind this line expires. */
  @type("number") expiresAt: number = 0;
}

export class DiningCartState extends Schema {
  @type("uint32") cartNo: number = 1;
  @type("string") status: string = "open";
  /** Diners and branch staff only (an order id is enough to follow the order). */
  @view() @type("string") lastOrderId: string = "";
  @type([CartLineState]) lines = new ArraySchema<CartLineState>();
}

/**
 * Rebuilds the lines only when they changed (carts are small; patches stay small).
 * `lastOrderId` is one field for every insider's view, so it stays only while someone
 * of the party that ordered (seated by the order's seq) is still at the table.
 */
export function projectDining(cart: DiningState, target: DiningCartState, seats: readonly SeatModel[]): void {
  if (target.cartNo !== cart.cartNo) target.cartNo = cart.cartNo;
  if (target.status !== cart.status) target.status = cart.status;
  const orderedBy = cart.lastOrderSeq ?? 0;
  const partyStillHere = seats.some((s) => s.userId !== null && s.sinceSeq !== undefined && s.sinceSeq <= orderedBy);
  const lastOrderId = partyStillHere ? (cart.lastOrderId ?? "") : "";
  if (target.lastOrderId !== lastOrderId) target.lastOrderId = lastOrderId;
  const same =
    target.lines.length === cart.lines.length &&
    cart.lines.every((l, i) => {
      const t = target.lines[i];
      return t.lineKey === l.lineKey && t.quantity === l.quantity && t.expiresAt === l.expiresAt && t.addedBy.length === l.addedBy.length;
    });
  if (same) return;
  target.lines.clear();
  for (const line of cart.lines) {
    const s = new CartLineState();
    s.lineKey = line.lineKey;
    s.sku = line.sku;
    s.quantity = line.quantity;
    s.options = JSON.stringify(line.options);
    s.note = line.note;
    s.addedBy.push(...line.addedBy);
    s.expiresAt = line.expiresAt;
    target.lines.push(s);
  }
}
