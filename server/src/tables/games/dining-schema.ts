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
 * Brings the projection up to the cart in place: each line's fields are set only where
 * they differ, lines are appended or dropped at the end, and nothing is rebuilt, so an
 * event that changes one quantity costs one field in the patch (and no allocation).
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
  const lines = target.lines;
  for (let i = 0; i < cart.lines.length; i++) {
    let projected = lines[i];
    if (!projected) {
      projected = new CartLineState();
      lines.push(projected);
    }
    projectLine(cart.lines[i], projected);
  }
  while (lines.length > cart.lines.length) lines.pop();
}

/**
 * One line, field by field. A line object may carry another line key than it did
 * (a line before it left): every field is set from the cart, so nothing of the
 * previous line stays. Its `@view()` fields reach the same insiders either way.
 */
function projectLine(line: DiningState["lines"][number], target: CartLineState): void {
  if (target.lineKey !== line.lineKey) target.lineKey = line.lineKey;
  if (target.sku !== line.sku) target.sku = line.sku;
  if (target.quantity !== line.quantity) target.quantity = line.quantity;
  const options = JSON.stringify(line.options);
  if (target.options !== options) target.options = options;
  if (target.note !== line.note) target.note = line.note;
  if (target.expiresAt !== line.expiresAt) target.expiresAt = line.expiresAt;
  const addedBy = target.addedBy;
  if (addedBy.length !== line.addedBy.length || line.addedBy.some((userId, i) => addedBy[i] !== userId)) {
    addedBy.clear();
    addedBy.push(...line.addedBy);
  }
}
