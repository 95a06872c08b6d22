/**
 * Random games for property tests, made by fast-check so a failing game shrinks: a game
 * is a list of choices, and every random decision in it (the deck shuffles included)
 * reads the next one. Once the list runs out every decision is 0, so a shorter list is
 * a simpler game.
 */
import fc from "fast-check";
import type { Rng } from "../../server/src/tables/games/holdem/types.ts";

/** An Rng that reads `choices` in order, and answers 0 once they run out. */
export function choiceRng(choices: readonly number[]): Rng {
  let next = 0;
  return (maxExclusive) => (next < choices.length ? choices[next++] % maxExclusive : 0);
}

/**
 * Lists of `minLength` to `maxLength` choices. Unbiased: fast-check favours small
 * numbers by default, but a small choice is not a more interesting one here (0 is
 * usually "the first option").
 */
export function gameChoices(minLength: number, maxLength: number): fc.Arbitrary<number[]> {
  return fc.array(fc.noBias(fc.nat({ max: 0xffff })), { minLength, maxLength });
}

/** `{seed, path}` from `<PREFIX>_SEED` and `<PREFIX>_PATH`, to replay a failure fast-check printed. */
export function replayFromEnv(prefix: string): { seed?: number; path?: string } {
  const seed = process.env[`${prefix}_SEED`];
  return seed ? { seed: Number(seed), path: process.env[`${prefix}_PATH`] } : {};
}
