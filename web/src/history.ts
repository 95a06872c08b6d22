import type { TableEvent } from "@holdfast/client-sdk";
import { cardLabel } from "./format.ts";

/**
 * Who is who when an event is told: names by seat and by user (kept from `seat.taken`
 * events and the table state), and the viewer. Ids never reach the text.
 */
export interface Cast {
  seatNames: Map<number, string>;
  userNames: Map<string, string>;
  /** The user seated at each seat in the current hand (from `holdem.hand_started`). */
  handSeats: Map<number, string>;
  me: { userId: string | null; seat: number | null };
  /** Dish names by SKU (dining). */
  dishNames: Map<string, string>;
}

export function newCast(): Cast {
  return { seatNames: new Map(), userNames: new Map(), handSeats: new Map(), me: { userId: null, seat: null }, dishNames: new Map() };
}

const cards = (list: readonly string[]) => list.map(cardLabel).join(" ");
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function seatName(cast: Cast, seat: number): string {
  if (cast.me.seat === seat) return "You";
  const user = cast.handSeats.get(seat);
  if (user && cast.me.userId === user) return "You";
  return (user ? cast.userNames.get(user) : undefined) ?? cast.seatNames.get(seat) ?? `Seat ${seat + 1}`;
}

function userName(cast: Cast, userId: string | null | undefined, fallback: string): string {
  if (!userId) return fallback;
  if (userId === cast.me.userId) return "You";
  return cast.userNames.get(userId) ?? fallback;
}

const verb = (subject: string, you: string, other: string) => (subject === "You" ? you : other);

/** Learns names from an event before it is told (a `seat.taken` carries the name). */
export function learn(cast: Cast, event: TableEvent): void {
  const d = event.data as Record<string, any>;
  if (event.type === "seat.taken") {
    cast.seatNames.set(d.seat, d.name);
    if (d.userId) cast.userNames.set(d.userId, d.name);
  } else if (event.type === "holdem.hand_started") {
    cast.handSeats.clear();
    for (const s of d.seats ?? []) cast.handSeats.set(s.seat, s.userId);
  }
}

/**
 * One readable line for an event ("Ada raises to 40"), or null for events a reader does
 * not need (turn changes show on the table itself). Never shows user ids, deck
 * commitments or anyone's hole cards but the viewer's own.
 */
export function describe(event: TableEvent, cast: Cast): string | null {
  const d = event.data as Record<string, any>;
  switch (event.type) {
    case "seat.taken": {
      const who = userName(cast, d.userId, d.name ?? `Seat ${d.seat + 1}`);
      return `${who} ${verb(who, "sit", "sits")} down at seat ${d.seat + 1}${d.stack ? ` with ${d.stack}` : ""}`;
    }
    case "seat.away": {
      const who = userName(cast, d.userId, cast.seatNames.get(d.seat) ?? `Seat ${d.seat + 1}`);
      return `${who} ${verb(who, "are", "is")} away`;
    }
    case "seat.returned": {
      const who = userName(cast, d.userId, cast.seatNames.get(d.seat) ?? `Seat ${d.seat + 1}`);
      return `${who} ${verb(who, "are", "is")} back`;
    }
    case "seat.released": {
      const who = userName(cast, d.userId, cast.seatNames.get(d.seat) ?? `Seat ${d.seat + 1}`);
      return d.reason === "grace_expired" ? `${who} ${verb(who, "were", "was")} away too long; seat ${d.seat + 1} is free` : `${who} ${verb(who, "stand", "stands")} up`;
    }
    case "holdem.hand_started":
      return `Hand #${d.handNo} starts (blinds ${d.smallBlind}/${d.bigBlind}, ${seatName(cast, d.button)} ${seatName(cast, d.button) === "You" ? "have" : "has"} the button)`;
    case "holdem.blinds_posted":
      return (d.posts as { seat: number; blind: string; amount: number; allIn: boolean }[])
        .map((p) => {
          const who = seatName(cast, p.seat);
          return `${who} ${verb(who, "post", "posts")} the ${p.blind} blind ${p.amount}${p.allIn ? " (all-in)" : ""}`;
        })
        .join("; ");
    case "holdem.hole_cards_dealt": {
      const who = seatName(cast, d.seat);
      if (Array.isArray(d.cards) && who === "You") return `You are dealt ${cards(d.cards)}`;
      return null; // everyone else's deal shows as card backs on the table
    }
    case "holdem.turn_started":
      return null;
    case "holdem.player_acted": {
      const who = seatName(cast, d.seat);
      const auto = d.auto === "timeout" ? " (time ran out)" : d.auto === "away" ? " (away)" : "";
      const tail = d.allIn && d.action !== "all_in" ? " and is all-in" : "";
      switch (d.action) {
        case "fold":
          return `${who} ${verb(who, "fold", "folds")}${auto}`;
        case "check":
          return `${who} ${verb(who, "check", "checks")}${auto}`;
        case "call":
          return `${who} ${verb(who, "call", "calls")} ${d.amount}${tail}${auto}`;
        case "bet":
          return `${who} ${verb(who, "bet", "bets")} ${d.committed}${tail}${auto}`;
        case "raise":
          return `${who} ${verb(who, "raise", "raises")} to ${d.committed}${tail}${auto}`;
        case "all_in":
          return `${who} ${verb(who, "go", "goes")} all-in (${d.committed} in this street)${auto}`;
        default:
          return `${who}: ${String(d.action)}`;
      }
    }
    case "holdem.uncalled_bet_returned":
      return `${d.amount} uncalled returned to ${seatName(cast, d.seat)}`;
    case "holdem.street_dealt": {
      const street = String(d.street);
      return `${street[0].toUpperCase()}${street.slice(1)}: ${cards(d.cards ?? [])}`;
    }
    case "holdem.showdown":
      return (d.reveals as { seat: number; cards: string[]; description: string }[])
        .map((r) => {
          const who = seatName(cast, r.seat);
          return `${who} ${verb(who, "show", "shows")} ${cards(r.cards)} (${r.description})`;
        })
        .join("; ");
    case "holdem.pot_awarded": {
      const pot = d.potIndex === 0 ? "the pot" : `side pot ${d.potIndex}`;
      return (d.winners as { seat: number; amount: number }[])
        .map((w) => {
          const who = seatName(cast, w.seat);
          return `${who} ${verb(who, "win", "wins")} ${w.amount} from ${pot}${d.reason === "uncontested" ? "" : " at showdown"}`;
        })
        .join("; ");
    }
    case "holdem.hand_ended": {
      const busted = (d.busted as number[] | undefined) ?? [];
      const out = busted.map((s) => `${seatName(cast, s)} ${seatName(cast, s) === "You" ? "are" : "is"} out of chips`);
      return [`Hand #${d.handNo} ends`, ...out].join("; ");
    }
    case "holdem.player_stood_up_for_timeouts": {
      const who = userName(cast, d.userId, seatName(cast, d.seat));
      return `${who} ${verb(who, "were", "was")} stood up after ${plural(d.timeouts, "timeout")}`;
    }
    case "holdem.player_left": {
      const who = userName(cast, d.userId, seatName(cast, d.seat));
      return `${who} left the hand`;
    }
    case "cart.updated": {
      const dish = cast.dishNames.get(d.sku) ?? d.sku;
      const who = d.by ? userName(cast, d.by, "A diner") : "Someone";
      const note = d.note ? ` ("${d.note}")` : "";
      return d.quantity === 0 ? `${who} removed ${dish}${note}` : `${who} set ${dish}${note} to ${d.quantity}`;
    }
    case "cart.line_expired":
      return `${cast.dishNames.get(d.sku) ?? d.sku}: the hold expired and the line left the cart`;
    case "order.created": {
      const who = d.by ? userName(cast, d.by, "A diner") : "The table";
      const items = (d.items as { sku: string; quantity: number }[]).map((i) => `${i.quantity} × ${cast.dishNames.get(i.sku) ?? i.sku}`).join(", ");
      return `${who} checked out: ${items}`;
    }
    case "cart.abandoned":
      return d.reason === "closed" ? "The cart was cleared (table closed)" : "The cart was cleared (everyone left)";
    default:
      return null;
  }
}
