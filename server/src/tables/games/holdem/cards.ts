import { createHash, randomInt } from "node:crypto";
import type { Card, Rank, Rng, Suit } from "./types.ts";

/** Ranks low to high; a rank's index + 2 is its value (A = 14). */
export const RANKS: readonly Rank[] = ["2", "3", "4", "5", "6", "7", "8", "9", "T", "J", "Q", "K", "A"];
/** Suits: clubs, diamonds, hearts, spades. */
export const SUITS: readonly Suit[] = ["c", "d", "h", "s"];

/** The 52 cards in a fixed order (by suit, then rank). Never mutated. */
export const FULL_DECK: readonly Card[] = Object.freeze(
  SUITS.flatMap((s) => RANKS.map((r) => `${r}${s}` as Card)),
);

const CARD_SET: ReadonlySet<string> = new Set(FULL_DECK);

/** Whether `value` is a card string such as "As". */
export function isCard(value: unknown): value is Card {
  return typeof value === "string" && CARD_SET.has(value);
}

/** Rank value 2..14 of a card (ace high). */
export function rankValue(card: Card): number {
  return RANKS.indexOf(card[0] as Rank) + 2;
}

/** Suit of a card. */
export function suitOf(card: Card): Suit {
  return card[1] as Suit;
}

/** Parses "As Kd 2c" (or an array) into cards; throws on anything else. For tests and tools. */
export function parseCards(text: string | readonly string[]): Card[] {
  const parts = typeof text === "string" ? text.trim().split(/\s+/).filter(Boolean) : [...text];
  return parts.map((p) => {
    if (!isCard(p)) throw new Error(`not a card: ${p}`);
    return p;
  });
}

/** Whether `cards` is exactly the 52-card deck in some order. */
export function isFullDeck(cards: readonly unknown[]): cards is Card[] {
  if (cards.length !== FULL_DECK.length) return false;
  const seen = new Set<string>();
  for (const c of cards) {
    if (!isCard(c) || seen.has(c)) return false;
    seen.add(c);
  }
  return true;
}

/** Cryptographically secure randomness: `node:crypto` `randomInt`. The production default. */
export const cryptoRng: Rng = (maxExclusive) => randomInt(maxExclusive);

/**
 * mulberry32: a tiny seeded PRNG returning floats in [0, 1). Not secure; for tests and
 * simulations only, where reproducing a run from its seed matters more than secrecy.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded `Rng` over `mulberry32`, for reproducible shuffles in tests. */
export function seededRng(seed: number): Rng {
  const next = mulberry32(seed);
  return (maxExclusive) => Math.floor(next() * maxExclusive);
}

/**
 * Fisher-Yates shuffle into a new array. Every permutation is equally likely when
 * `rng` is uniform, which `randomInt` is (it rejects biased draws internally).
 */
export function shuffle<T>(items: readonly T[], rng: Rng = cryptoRng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng(i + 1);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}

/** A freshly shuffled 52-card deck. */
export function shuffledDeck(rng: Rng = cryptoRng): Card[] {
  return shuffle(FULL_DECK, rng);
}

/** 16 random bytes as hex: the salt that keeps a deck commitment from being guessed. */
export function randomSalt(rng: Rng = cryptoRng): string {
  let out = "";
  for (let i = 0; i < 16; i++) out += rng(256).toString(16).padStart(2, "0");
  return out;
}

/**
 * Commitment to a deck order: sha256 hex of `salt:card,card,...`. Published in
 * `hand_started` before any card is seen, so an audit of the log (which keeps deck and
 * salt) can show the deck was not changed mid-hand.
 */
export function deckCommitment(deck: readonly Card[], salt: string): string {
  return createHash("sha256").update(`${salt}:${deck.join(",")}`).digest("hex");
}
