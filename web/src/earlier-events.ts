import type { TableEvent } from "@holdfast/client-sdk";
import { client } from "./client.ts";

/**
 * How many events before joining a Hold'em table's history is filled from: a hand of six
 * players is some 30 to 40 events, so this reaches back to the hand's start but for long ones.
 */
export const EARLIER_EVENTS = 50;

/**
 * The events of the current hand up to `lastSeq` (the table's seq when we joined), as the
 * events API shows them to this user (their own hole cards only): from the last
 * `holdem.hand_started` among the last EARLIER_EVENTS, or all of those when none started
 * in them (no hand yet, or a hand longer than that).
 */
export async function currentHandEvents(tableId: string, lastSeq: number): Promise<TableEvent[]> {
  if (lastSeq <= 0) return [];
  const after = Math.max(0, lastSeq - EARLIER_EVENTS);
  const events = (await client.tables.events(tableId, { after, limit: EARLIER_EVENTS })).filter((e) => e.seq <= lastSeq);
  const start = events.findLastIndex((e) => e.type === "holdem.hand_started");
  return start < 0 ? events : events.slice(start);
}
