/**
 * Who may know which card, worked out from the full event log by the rules alone (not by
 * the views under test): in hand H, the hole cards dealt to user U are U's; everyone
 * else may know them only once a showdown shows them. Folded (mucked) hands stay secret
 * for ever, and a player's cards are never the business of whoever sits in the seat
 * later. Board cards are public, so they are never secrets.
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
      hand.holes.set(hand.players.get(d.seat)!, d.cards.slice());
    }
    if (hand && event.type === "holdem.showdown") {
      for (const r of d.reveals as { seat: number }[]) hand.shownAt.set(hand.players.get(r.seat)!, event.seq);
    }
    this.handAtSeq[event.seq] = this.current;
  }

  handAt(seq: number): number {
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

/** Every string anywhere inside `value` (keys excluded). */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}
