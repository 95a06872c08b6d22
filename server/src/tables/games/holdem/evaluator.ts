import { rankValue, suitOf } from "./cards.ts";
import type { Card } from "./types.ts";

/** Hand categories, weakest first; the index is the category's strength. */
export const HAND_CATEGORIES = [
  "high_card",
  "pair",
  "two_pair",
  "three_of_a_kind",
  "straight",
  "flush",
  "full_house",
  "four_of_a_kind",
  "straight_flush",
] as const;
/** A hand category name, such as "full_house". */
export type HandCategory = (typeof HAND_CATEGORIES)[number];

/** The value of a best five-card hand. Compare `score`s: higher wins, equal splits. */
export interface HandValue {
  /** Category and tie-breaking ranks packed into one integer. */
  score: number;
  category: HandCategory;
  /** "Full House, Kings full of Sevens". */
  description: string;
  /** The five cards that make the hand, most significant first. */
  best: Card[];
}

const NAMES: Record<number, [string, string]> = {
  2: ["Two", "Twos"],
  3: ["Three", "Threes"],
  4: ["Four", "Fours"],
  5: ["Five", "Fives"],
  6: ["Six", "Sixes"],
  7: ["Seven", "Sevens"],
  8: ["Eight", "Eights"],
  9: ["Nine", "Nines"],
  10: ["Ten", "Tens"],
  11: ["Jack", "Jacks"],
  12: ["Queen", "Queens"],
  13: ["King", "Kings"],
  14: ["Ace", "Aces"],
};
const one = (v: number) => NAMES[v][0];
const many = (v: number) => NAMES[v][1];

interface Five {
  category: number;
  /** Ranks that break ties within the category, most significant first. */
  ranks: number[];
  /** The cards ordered by significance (wheel: the ace last). */
  ordered: Card[];
}

/** Ranks one exact five-card hand. */
function rankFive(cards: readonly Card[]): Five {
  const values = cards.map(rankValue);
  const flush = cards.every((c) => suitOf(c) === suitOf(cards[0]));
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  // Groups by size, then by rank: the order ties are broken in for every category.
  const groups = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  const ordered = cards.slice().sort((a, b) => {
    const ca = counts.get(rankValue(a))!;
    const cb = counts.get(rankValue(b))!;
    return cb - ca || rankValue(b) - rankValue(a);
  });

  let straightHigh = 0;
  if (groups.length === 5) {
    const hi = groups[0][0];
    const lo = groups[4][0];
    if (hi - lo === 4) straightHigh = hi;
    // The wheel: A-2-3-4-5 plays the ace low, so it is a five-high straight.
    else if (hi === 14 && groups[1][0] === 5) {
      straightHigh = 5;
      ordered.push(ordered.shift()!);
    }
  }

  const shape = groups.map((g) => g[1]).join("");
  const groupRanks = groups.map((g) => g[0]);
  if (straightHigh && flush) return { category: 8, ranks: [straightHigh], ordered };
  if (shape === "41") return { category: 7, ranks: groupRanks, ordered };
  if (shape === "32") return { category: 6, ranks: groupRanks, ordered };
  if (flush) return { category: 5, ranks: groupRanks, ordered };
  if (straightHigh) return { category: 4, ranks: [straightHigh], ordered };
  if (shape === "311") return { category: 3, ranks: groupRanks, ordered };
  if (shape === "221") return { category: 2, ranks: groupRanks, ordered };
  if (shape === "2111") return { category: 1, ranks: groupRanks, ordered };
  return { category: 0, ranks: groupRanks, ordered };
}

/** Packs category and up to five tie-break ranks (each < 16) into one comparable number. */
function pack(five: Five): number {
  let score = five.category;
  for (let i = 0; i < 5; i++) score = score * 16 + (five.ranks[i] ?? 0);
  return score;
}

function describe(five: Five): string {
  const r = five.ranks;
  switch (five.category) {
    case 8:
      return r[0] === 14 ? "Royal Flush" : `Straight Flush, ${one(r[0])} high`;
    case 7:
      return `Four of a Kind, ${many(r[0])}`;
    case 6:
      return `Full House, ${many(r[0])} full of ${many(r[1])}`;
    case 5:
      return `Flush, ${one(r[0])} high`;
    case 4:
      return `Straight, ${one(r[0])} high`;
    case 3:
      return `Three of a Kind, ${many(r[0])}`;
    case 2:
      return `Two Pair, ${many(r[0])} and ${many(r[1])}`;
    case 1:
      return `Pair of ${many(r[0])}`;
    default:
      return `High Card, ${one(r[0])}`;
  }
}

/**
 * The best five-card hand out of five to seven cards (hole cards plus board). Tries
 * all 21 five-card subsets of seven: simple enough to trust, and fast enough for a
 * showdown (a few microseconds each).
 */
export function evaluateHand(cards: readonly Card[]): HandValue {
  if (cards.length < 5 || cards.length > 7) throw new Error(`evaluateHand needs 5 to 7 cards, got ${cards.length}`);
  let best: Five | null = null;
  let bestScore = -1;
  const n = cards.length;
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++)
      for (let c = b + 1; c < n; c++)
        for (let d = c + 1; d < n; d++)
          for (let e = d + 1; e < n; e++) {
            const five = rankFive([cards[a], cards[b], cards[c], cards[d], cards[e]]);
            const score = pack(five);
            if (score > bestScore) {
              bestScore = score;
              best = five;
            }
          }
  const five = best!;
  return { score: bestScore, category: HAND_CATEGORIES[five.category], description: describe(five), best: five.ordered };
}

/** Orders two hands: positive when `a` wins, negative when `b` wins, 0 for a split. */
export function compareHands(a: HandValue, b: HandValue): number {
  return a.score - b.score;
}
