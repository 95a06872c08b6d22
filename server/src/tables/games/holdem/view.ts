import type { Card, DeckShuffledEvent, HoldemEvent, HoldemPlayer, HoldemState, HoleCardsDealtEvent } from "./types.ts";

/** What spectators and the public event API see of a deal: who got cards, not which. */
export interface RedactedHoleCardsEvent {
  type: "hole_cards_dealt";
  visibility: "public";
  data: { seat: number; cardCount: number };
}

/** An event as anyone may see it. */
export type PublicHoldemEvent = Exclude<HoldemEvent, HoleCardsDealtEvent | DeckShuffledEvent> | RedactedHoleCardsEvent;

/**
 * The public form of an event: public events as they are, a private deal redacted to
 * "seat N got 2 cards", server-only events (the deck) dropped as null. Hole cards
 * become public only through `showdown`, which is a public event.
 */
export function publicEvent(event: HoldemEvent): PublicHoldemEvent | null {
  if (event.visibility === "public") return event as PublicHoldemEvent;
  if (event.type === "hole_cards_dealt") {
    return { type: "hole_cards_dealt", visibility: "public", data: { seat: event.data.seat, cardCount: event.data.cards.length } };
  }
  return null;
}

/**
 * The event as the player in `viewerSeat` may see it (null viewer: a spectator). The
 * owner of a private event gets it whole; everyone else gets `publicEvent`.
 */
export function viewerEvent(event: HoldemEvent, viewerSeat: number | null): HoldemEvent | PublicHoldemEvent | null {
  const v = event.visibility;
  if (typeof v === "object" && viewerSeat !== null && v.seat === viewerSeat) return event;
  return publicEvent(event);
}

/** A player as a viewer sees them: hole cards null unless they are the viewer's or shown. */
export type HoldemPlayerView = Omit<HoldemPlayer, "holeCards"> & { holeCards: Card[] | null };

/** The state as a viewer sees it: no deck, and only the hole cards they may know. */
export type HoldemStateView = Omit<HoldemState, "deck" | "players"> & { players: HoldemPlayerView[] };

/**
 * Redacts the state for one viewer (null: a spectator). For projecting into the
 * room's schema or answering a resync; the full state never leaves the server.
 */
export function viewState(state: HoldemState, viewerSeat: number | null): HoldemStateView {
  const { deck: _deck, players, ...rest } = state;
  return {
    ...rest,
    players: players.map((p) => ({
      ...p,
      holeCards: p.seat === viewerSeat || p.revealed ? p.holeCards.slice() : null,
    })),
  };
}
