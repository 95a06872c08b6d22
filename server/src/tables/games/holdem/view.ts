import type { Card, DeckShuffledEvent, HoldemEvent, HoldemPlayer, HoldemState, HoleCardsDealtEvent, Visibility } from "./types.ts";

/**
 * The one rule of private data: an event private to a player is theirs, by user id, and
 * nobody else's (not the seat's next occupant, not a spectator, not the public API). An
 * old log entry owned by a bare seat index (no user) is shown to nobody.
 */
export function ownsPrivate(visibility: Visibility | undefined, viewerUserId: string | null): boolean {
  return (
    viewerUserId !== null &&
    typeof visibility === "object" &&
    visibility !== null &&
    typeof visibility.userId === "string" &&
    visibility.userId === viewerUserId
  );
}

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
 * The event as the user `viewerUserId` may see it (null: a spectator or the public).
 * The owner of a private event (the user it was dealt to) gets it whole; everyone else,
 * whatever seat they sit in now, gets `publicEvent`.
 */
export function viewerEvent(event: HoldemEvent, viewerUserId: string | null): HoldemEvent | PublicHoldemEvent | null {
  if (ownsPrivate(event.visibility, viewerUserId)) return event;
  return publicEvent(event);
}

/** A player as a viewer sees them: hole cards null unless they are the viewer's or shown. */
export type HoldemPlayerView = Omit<HoldemPlayer, "holeCards"> & { holeCards: Card[] | null };

/** The state as a viewer sees it: no deck, and only the hole cards they may know. */
export type HoldemStateView = Omit<HoldemState, "deck" | "players"> & { players: HoldemPlayerView[] };

/**
 * Whether `viewerUserId` may know `player`'s hole cards: their own (by user, not by
 * seat), or shown at showdown. Folded and mucked hands are never shown to others.
 */
export function mayKnowCards(player: HoldemPlayer, viewerUserId: string | null): boolean {
  return player.revealed || (viewerUserId !== null && player.userId === viewerUserId);
}

/**
 * Redacts the state for one viewer by user id (null: a spectator or the public). For
 * answering a resync with a snapshot; the full state never leaves the server.
 */
export function viewState(state: HoldemState, viewerUserId: string | null): HoldemStateView {
  const { deck: _deck, players, ...rest } = state;
  return {
    ...rest,
    players: players.map((p) => ({
      ...p,
      holeCards: mayKnowCards(p, viewerUserId) ? p.holeCards.slice() : null,
    })),
  };
}
