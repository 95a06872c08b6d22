import { TableEventType, type TableEvent } from "@holdfast/shared";
import { evolveSeat, type SeatEvent } from "./seat-decider.ts";
import type { TableModel } from "./table-model.ts";
import { gameRules } from "./games/registry.ts";

/**
 * Folds one logged event into the table: seat events (`seat.*`) through the seat
 * decider, game events (`holdem.*`, `dining.*`) through the table's game. This is the
 * one function a restore replays (latest snapshot + every later event), so it must
 * rebuild exactly the state the live room had.
 */
export function evolveTable(model: TableModel, event: TableEvent): TableModel {
  let next: TableModel;
  if (event.type.startsWith("seat.")) {
    const seatEvent = { type: event.type, data: event.data } as SeatEvent;
    next = evolveSeat(model, seatEvent);
    if (seatEvent.type === TableEventType.SEAT_TAKEN) {
      // When this occupant's sitting began: what earlier parties did is not theirs to see.
      const at = seatEvent.data.seat;
      next = { ...next, seats: next.seats.map((s, i) => (i === at ? { ...s, sinceSeq: event.seq } : s)) };
    }
  } else {
    next = gameRules(model.kind).evolve(model, event);
  }
  return { ...next, seq: event.seq };
}

/** Replays `events` (in seq order, after the snapshot's seq) over `snapshot`. */
export function replay(snapshot: TableModel, events: TableEvent[]): TableModel {
  let model = snapshot;
  for (const event of events) {
    if (event.seq <= model.seq) continue;
    if (event.seq !== model.seq + 1) throw new Error(`event gap while replaying ${model.tableId}: ${model.seq} then ${event.seq}`);
    model = evolveTable(model, event);
  }
  return model;
}
