import type { Pot } from "./types.ts";

/** What pot building needs to know of a player. */
export interface Contributor {
  seat: number;
  totalCommitted: number;
  folded: boolean;
  allIn: boolean;
}

/**
 * Seats in clockwise order starting with the first seat after `after` (wrapping), so
 * `after` itself, if present, comes last. Seats are numbered clockwise round the table.
 */
export function clockwiseAfter(seats: readonly number[], after: number): number[] {
  const sorted = seats.slice().sort((a, b) => a - b);
  const i = sorted.findIndex((s) => s > after);
  return i < 0 ? sorted : [...sorted.slice(i), ...sorted.slice(0, i)];
}

/**
 * Main and side pots from what each player put in this hand. Every all-in level of a
 * live player cuts a pot; each pot takes from every player (folded ones too, their
 * chips stay in) up to its level, and only live players who reached the level may win
 * it. Neighbouring pots with the same eligible players are merged, so a hand without
 * all-ins has exactly one pot. The sum of the pots always equals the chips put in.
 */
export function computePots(players: readonly Contributor[]): Pot[] {
  const live = players.filter((p) => !p.folded);
  const top = Math.max(0, ...players.map((p) => p.totalCommitted));
  const levels = [...new Set([...live.filter((p) => p.allIn).map((p) => p.totalCommitted), top])]
    .filter((l) => l > 0)
    .sort((a, b) => a - b);
  const pots: Pot[] = [];
  let prev = 0;
  for (const level of levels) {
    const amount = players.reduce((sum, p) => sum + Math.min(p.totalCommitted, level) - Math.min(p.totalCommitted, prev), 0);
    const eligible = live.filter((p) => p.totalCommitted >= level).map((p) => p.seat);
    prev = level;
    if (amount === 0) continue;
    const last = pots[pots.length - 1];
    // A level nobody live reached holds only folded chips (cannot happen once the
    // uncalled bet is returned, but mid-street it can): those chips join the pot below.
    if (last && (eligible.length === 0 || sameSeats(last.eligible, eligible))) last.amount += amount;
    else pots.push({ amount, eligible: eligible.length > 0 ? eligible : live.map((p) => p.seat), awarded: false });
  }
  return pots;
}

function sameSeats(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * The part of the biggest commitment that nobody else matched, which goes back to
 * its owner before pots are awarded. Null when the top two commitments are equal.
 */
export function uncalledBet(players: readonly Contributor[]): { seat: number; amount: number } | null {
  if (players.length < 2) return null;
  const sorted = players.slice().sort((a, b) => b.totalCommitted - a.totalCommitted);
  const [first, second] = sorted;
  // Only a live player can be the uncalled one: a folder's bet was always called or raised.
  if (first.folded || first.totalCommitted <= second.totalCommitted) return null;
  return { seat: first.seat, amount: first.totalCommitted - second.totalCommitted };
}

/**
 * Splits `amount` between `winners`, who must be in clockwise order from the button's
 * left. Each gets an equal whole share; the odd chips left over go one each to the
 * first winners in that order (the standard "odd chip to the left of the button").
 */
export function splitPot(amount: number, winners: readonly number[]): { seat: number; amount: number }[] {
  const share = Math.floor(amount / winners.length);
  const odd = amount - share * winners.length;
  return winners.map((seat, i) => ({ seat, amount: share + (i < odd ? 1 : 0) }));
}
