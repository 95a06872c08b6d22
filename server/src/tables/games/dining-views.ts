import { diningInsiderAt, type TableViewer } from "../table-viewer.ts";
import { DiningEvent, type DiningState } from "./dining-game.ts";

/**
 * What someone who is neither a diner at the table nor staff of its branch may know of
 * a dining table: which dishes are in the cart and how many, not who ordered them, what
 * they wrote in a note, or the order ids (an order id is enough to follow the order).
 */
const INSIDER_FIELDS: Record<string, readonly string[]> = {
  [DiningEvent.CART_UPDATED]: ["by", "note"],
  [DiningEvent.ORDER_CREATED]: ["orderId", "by"],
  [DiningEvent.CART_ABANDONED]: ["by"],
};

/** An (already public) dining event's data with the insiders-only fields removed. */
export function diningOutsiderData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const hidden = INSIDER_FIELDS[type];
  if (!hidden) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !hidden.includes(key)));
}

/** The cart as an outsider sees it (snapshots): no notes, no buyers, no order id, no hold ids. */
export function diningCartView(cart: DiningState, viewer: TableViewer) {
  const insider = viewer.diningInsider;
  const { lastOrderSeq, ...rest } = cart;
  return {
    ...rest,
    // The last order is its party's: a diner who sat down after it does not see its id.
    lastOrderId: diningInsiderAt(viewer, lastOrderSeq ?? 0) ? cart.lastOrderId : null,
    lines: cart.lines.map(({ holdId: _internal, note, addedBy, ...line }) => (insider ? { ...line, note, addedBy } : line)),
  };
}
