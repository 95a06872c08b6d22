/**
 * Who may know which card, worked out from the full event log by the rules alone (not by
 * the views under test): in hand H, the hole cards dealt to user U are U's; everyone
 * else may know them only once a showdown shows them. Folded (mucked) hands stay secret
 * for ever, and a player's cards are never the business of whoever sits in the seat
 * later. Board cards are public, so they are never secrets.
 *
 * It answers only about seqs it has observed: a seq past the end of its log could belong
 * to a hand it never saw (who sits where may have changed), so asking about one throws
 * rather than answering from the last hand it knows.
 */
import type { TableEvent } from "@holdfast/shared";

interface Hand {
  /** seat -> user dealt in at that seat in this hand */
  players: Map<number, string>;
  /** user -> their two hole cards */
  holes: Map<string, string[]>;
  /** user -> seq of the showdown that showed their cards */
  shownAt: Map<string, number>;
}

export class CardOracle {
  private readonly hands = new Map<number, Hand>();
  /** seq -> the hand that was on (or last played) when the event was logged; 0 before any. */
  private readonly handAtSeq: number[] = [0];
  private current = 0;
  private lastSeq = 0;

  /** Feed every logged event, with its full data, in seq order. */
  observe(event: TableEvent): void {
    const d = event.data as Record<string, any>;
    if (event.type === "holdem.hand_started") {
      this.current = d.handNo;
      this.hands.set(d.handNo, {
        players: new Map(d.seats.map((s: { seat: number; userId: string }) => [s.seat, s.userId])),
        holes: new Map(),
        shownAt: new Map(),
      });
    }
    const hand = this.hands.get(this.current);
    if (hand && event.type === "holdem.hole_cards_dealt") {
      if (!Array.isArray(d.cards)) throw new Error(`the deal at seq ${event.seq} has no cards in the log: its owner's view of the log is missing`);
      hand.holes.set(hand.players.get(d.seat)!, d.cards.slice());
    }
    if (hand && event.type === "holdem.showdown") {
      for (const r of d.reveals as { seat: number }[]) hand.shownAt.set(hand.players.get(r.seat)!, event.seq);
    }
    this.handAtSeq[event.seq] = this.current;
    this.lastSeq = Math.max(this.lastSeq, event.seq);
  }

  /** The hand on (or last played) at `seq`, which must be in the observed log. */
  handAt(seq: number): number {
    if (seq > this.lastSeq) throw new Error(`the log ends at seq ${this.lastSeq}: it cannot tell which hand seq ${seq} belongs to`);
    return this.handAtSeq[seq] ?? this.current;
  }

  /** The user whose hole cards a deal event at `seq` carried. */
  ownerOfDeal(seq: number, seat: number): string | undefined {
    return this.hands.get(this.handAt(seq))?.players.get(seat);
  }

  /** Cards of hand `handNo` that `viewer` may not know as of `seq`. */
  secrets(handNo: number, viewer: string, seq: number): string[] {
    const hand = this.hands.get(handNo);
    if (!hand) return [];
    const out: string[] = [];
    for (const [user, cards] of hand.holes) {
      if (user === viewer) continue;
      const shown = hand.shownAt.get(user);
      if (shown !== undefined && shown <= seq) continue;
      out.push(...cards);
    }
    return out;
  }
}

/**
 * One log from several users' views of the events API (each sees only their own deals'
 * cards): seqs 1..`upTo`, each seq from a view that shows its cards if any does. Every
 * view must hold all of 1..`upTo`: views read while the table plays on end at different
 * seqs, and a view cut before a deal would lose that deal's cards (its owner's view) or
 * the hand it belongs to.
 */
export function mergeViews(views: readonly (readonly TableEvent[])[], upTo: number): TableEvent[] {
  const merged: TableEvent[] = [];
  for (const [i, view] of views.entries()) {
    for (let seq = 1; seq <= upTo; seq++) {
      const e = view[seq - 1];
      if (e?.seq !== seq) throw new Error(`view ${i} of the log does not hold seq ${seq} (it must hold 1..${upTo})`);
      if (!merged[seq - 1] || e.data.cards) merged[seq - 1] = e;
    }
  }
  return merged;
}

/** Every string anywhere inside `value` (keys excluded). */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}
