import { StateView } from "@colyseus/schema";
import type { HoldemSeatState } from "./games/holdem-schema.ts";

/** What seat views need of a room client. */
export interface ViewClient {
  sessionId: string;
  view?: StateView;
}

/**
 * Which seat's `@view()` fields (hole cards) each client's StateView holds: exactly the
 * seat that client plays now, or none. The projection (holdem-schema.ts) fills a seat's
 * hole cards only while its occupant is the user dealt in there, so together a card
 * reaches the user it was dealt to and nobody else. Used by the table room and, the
 * same way, by the privacy property test.
 */
export class SeatViews {
  private readonly held = new Map<string, number>();

  /** Moves every client's view to the seat `seatOf` says it plays (null: no seat). */
  sync(seats: readonly HoldemSeatState[] | undefined, clients: Iterable<ViewClient>, seatOf: (sessionId: string) => number | null): void {
    for (const client of clients) {
      const view = (client.view ??= new StateView());
      const want = seats ? (seatOf(client.sessionId) ?? undefined) : undefined;
      const has = this.held.get(client.sessionId);
      if (want === has) continue;
      if (has !== undefined && seats?.[has]) view.remove(seats[has]);
      if (want !== undefined && seats?.[want]) view.add(seats[want]);
      if (want === undefined) this.held.delete(client.sessionId);
      else this.held.set(client.sessionId, want);
    }
  }

  /** A client object went away (left, or replaced by its reconnection). */
  forget(sessionId: string): void {
    this.held.delete(sessionId);
  }
}
