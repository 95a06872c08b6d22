import type { TableKind } from "@holdfast/shared";
import { createDiningGame, diningPublicData, evolveDining, type DiningDeps } from "./dining-game.ts";
import { holdemGame } from "./holdem-game.ts";
import type { TableGame } from "./table-game.ts";

/** The pure part of a game: enough to replay a log and to redact events. */
export type GameRules = Pick<TableGame, "evolve" | "publicData">;

/** Static rules of each kind (replay and redaction need no services). */
const RULES: Record<TableKind, GameRules> = {
  holdem: holdemGame,
  dining: { evolve: evolveDining, publicData: diningPublicData },
};

export function gameRules(kind: TableKind): GameRules {
  return RULES[kind];
}

/** The games of one app, with the services their commands use. */
export function createTableGames(deps: DiningDeps): Record<TableKind, TableGame> {
  return { holdem: holdemGame, dining: createDiningGame(deps) };
}
