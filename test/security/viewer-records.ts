/** Shared pieces of the security tests: a raw-message recorder and the holdem hand as a client sees it. */
import type { TableConnection, TableEvent } from "@holdfast/client-sdk";

export interface HoldemSeatView {
  seat: number;
  inHand: boolean;
  folded: boolean;
  holeCards: string[];
  shownCards: string[];
}
export interface HoldemView {
  handNo: number;
  street: string;
  toAct: number;
  board: string[];
  seats: HoldemSeatView[];
}

/** The hand as this client's decoded state shows it (hidden fields read as empty). */
export function holdemOf(c: TableConnection): HoldemView {
  const h = (c.state as unknown as { holdem?: HoldemView }).holdem;
  if (!h) return { handNo: 0, street: "idle", toAct: -1, board: [], seats: [] };
  return {
    ...h,
    board: Array.from(h.board ?? []),
    seats: Array.from(h.seats ?? []).map((s) => ({ ...s, holeCards: Array.from(s.holeCards ?? []), shownCards: Array.from(s.shownCards ?? []) })),
  };
}

/**
 * Every message the connection's socket delivers, decoded, before any SDK handler sees
 * it (`ev`, `resync`, replies...), so a test can search everything a viewer received.
 * An `evs` message (several events in one) is recorded as one `ev` per event it
 * carries, in order, so every event is searched whichever way it travelled.
 */
export function recordMessages(c: TableConnection): { type: string | number; payload: unknown }[] {
  const raw: { type: string | number; payload: unknown }[] = [];
  const room = c.room as unknown as { dispatchMessage(type: string | number, message: unknown): void };
  const dispatch = room.dispatchMessage.bind(room);
  room.dispatchMessage = (type, message) => {
    if (type === "evs") raw.push(...(message as unknown[]).map((event) => ({ type: "ev", payload: structuredClone(event) })));
    else raw.push({ type, payload: structuredClone(message) });
    dispatch(type, message);
  };
  return raw;
}

/** `ev` payloads among recorded messages. */
export const eventsIn = (raw: { type: string | number; payload: unknown }[]): TableEvent[] =>
  raw.filter((m) => m.type === "ev").map((m) => m.payload as TableEvent);

/** Whether any of `cards` appears as a JSON string anywhere in `value`. */
export function mentionsAny(value: unknown, cards: readonly string[]): string[] {
  const text = JSON.stringify(value);
  return cards.filter((card) => text.includes(`"${card}"`));
}
