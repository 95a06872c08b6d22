import type { TableEvent, TableKind } from "@holdfast/shared";
import { gameRules } from "./games/registry.ts";
import { publicSeatEventData } from "./seat-decider.ts";
import type { LoggedEvent } from "./table-event-log.ts";

/**
 * What a viewer may see of a logged event. Every viewer gets every seq (so feeds have
 * no gaps); private data (hole cards, the deck, seat token ids) is redacted to what the
 * public may know. `viewerSeat` is the seat the viewer plays, or null for spectators
 * and the public events API.
 */
export function eventView(kind: TableKind, event: LoggedEvent, viewerSeat: number | null): TableEvent {
  const v = event.visibility;
  const mine = viewerSeat !== null && typeof v === "object" && v !== null && v.seat === viewerSeat;
  const data = mine ? event.data : (publicData(kind, event) ?? {});
  return { seq: event.seq, type: event.type, at: event.at, data };
}

function publicData(kind: TableKind, event: LoggedEvent): Record<string, unknown> | null {
  if (event.type.startsWith("seat.")) return publicSeatEventData(event);
  if (event.visibility === "server") return null;
  return gameRules(kind).publicData(event);
}
