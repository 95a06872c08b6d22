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
  const mine = ownsPrivate(event.visibility, viewer.userId);
  let data = mine ? event.data : (publicData(kind, event) ?? {});
  if (kind === "dining" && !diningInsiderAt(viewer, event.seq)) data = diningOutsiderData(event.type, data);
  return { seq: event.seq, type: event.type, at: event.at, data };
}

function publicData(kind: TableKind, event: LoggedEvent): Record<string, unknown> | null {
  if (event.type.startsWith("seat.")) return publicSeatEventData(event);
  if (event.visibility === "server") return null;
  return gameRules(kind).publicData(event);
}
