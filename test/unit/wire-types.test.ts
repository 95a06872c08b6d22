import assert from "node:assert/strict";
import type { HoldemEvent } from "@holdfast/shared";
import type { Same } from "@holdfast/shared/schemas";
import type { HoleCardsDealtEvent } from "../../server/src/tables/games/holdem/types.ts";
import type { PublicHoldemEvent } from "../../server/src/tables/games/holdem/view.ts";

/**
 * Compile-time check (`npm run typecheck`) that the SDK's typed Hold'em events
 * (`HoldemEvent` in @holdfast/shared) say what the server sends: the same event types
 * (with the room's `holdem.` prefix) and, for each, the same `data`. A change to the
 * rules' events without the shared types fails the typecheck here.
 */
type Sent = PublicHoldemEvent | HoleCardsDealtEvent; // everyone's view, plus the owner's own deal
type SentType = Sent["type"];
type DataOf<U, T> = U extends { type: T; data: infer D } ? D : never;
type PerType = { [T in SentType]: Same<DataOf<Sent, T>, DataOf<HoldemEvent, `holdem.${T}`>> };

export const holdemEventTypesMatch: Same<`holdem.${SentType}`, HoldemEvent["type"]> = true;
export const holdemEventDataMatch: Same<PerType[SentType], true> = true;

describe("wire types", () => {
  it("the SDK's Hold'em event union matches the server's events (checked by the typecheck)", () => {
    assert.equal(holdemEventTypesMatch && holdemEventDataMatch, true);
  });
});
