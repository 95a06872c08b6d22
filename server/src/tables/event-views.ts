import type { TableEvent, TableKind } from "@holdfast/shared";
import { diningOutsiderData } from "./games/dining-views.ts";
import { ownsPrivate } from "./games/holdem/view.ts";
import { gameRules } from "./games/registry.ts";
import { publicSeatEventData } from "./seat-decider.ts";
import type { LoggedEvent } from "./table-event-log.ts";
import { diningInsiderAt, type TableViewer } from "./table-viewer.ts";

/**
 * What a viewer may see of a logged event. Every viewer gets every seq (so feeds have
 * no gaps). Private data (hole cards) goes whole to its owner only: the user it was
 * dealt to, matched by user id, never by the seat the viewer sits in now. Everyone else
 * gets the public form (no cards, no deck, no seat token ids); on dining tables,
 * viewers who are neither diners nor branch staff also lose order ids, buyers and notes,
 * and so do diners for events from before they sat down (an earlier party's).
 */
export function eventView(kind: TableKind, event: LoggedEvent, viewer: TableViewer): TableEvent {
  return viewOfShape(kind, event, eventViewShape(kind, event, viewer));
}

/**
 * Everything about `viewer` that `eventView` depends on, as one small number: viewers
 * with equal shapes of an event get equal views of it, so a view (and its encoding) can
 * be shared among them. Bit 1: the event's private data is the viewer's; bit 2: the
 * viewer may see its dining details. Kept beside `eventView` so the two cannot drift.
 */
export function eventViewShape(kind: TableKind, event: LoggedEvent, viewer: TableViewer): number {
  const mine = ownsPrivate(event.visibility, viewer.userId) ? 1 : 0;
  const insider = kind === "dining" && diningInsiderAt(viewer, event.seq) ? 2 : 0;
  return mine | insider;
}

/** The view of `event` for viewers of the given shape (see `eventViewShape`). */
export function viewOfShape(kind: TableKind, event: LoggedEvent, shape: number): TableEvent {
  let data = shape & 1 ? event.data : (publicData(kind, event) ?? {});
  if (kind === "dining" && !(shape & 2)) data = diningOutsiderData(event.type, data);
  return { seq: event.seq, type: event.type, at: event.at, data };
}

function publicData(kind: TableKind, event: LoggedEvent): Record<string, unknown> | null {
  if (event.type.startsWith("seat.")) return publicSeatEventData(event);
  if (event.visibility === "server") return null;
  return gameRules(kind).publicData(event);
}
