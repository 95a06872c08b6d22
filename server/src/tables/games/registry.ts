import type { TableEvent, TableKind } from "@holdfast/shared";
import type { TableModel } from "../table-model.ts";
import { holdemGame } from "./holdem-game.ts";
import type { TableGame } from "./table-game.ts";

/** A kind with no game rules (yet): only seats. */
const seatsOnly: TableGame = {
  commands: {},
  decide: () => [],
  evolve: (model: TableModel, _event: TableEvent) => model,
  due: () => [],
  publicData: (event) => event.data,
};

/** The game of each table kind. Static: rules, not runtime state. */
const GAMES: Record<TableKind, TableGame> = {
  holdem: holdemGame,
  dining: seatsOnly,
};

export function gameFor(kind: TableKind): TableGame {
  return GAMES[kind];
}
