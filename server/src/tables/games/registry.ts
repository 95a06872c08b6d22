import type { TableKind } from "@holdfast/shared";
import type { TableModel } from "../table-model.ts";
import type { TableViewer } from "../table-viewer.ts";
import { createDiningGame, diningPublicData, diningState, evolveDining, type DiningDeps } from "./dining-game.ts";
import { DiningCartState, projectDining } from "./dining-schema.ts";
import { diningCartView } from "./dining-views.ts";
import { holdemGame, holdemGameState, minRaiseToOf } from "./holdem-game.ts";
import { viewState } from "./holdem/index.ts";
import { HoldemTableState, projectHoldem } from "./holdem-schema.ts";
import type { TableGame } from "./table-game.ts";

/** The game slots of the Colyseus table state (contract: TableState.holdem / .dining). */
export interface TableStateSlots {
  holdem?: HoldemTableState;
  dining?: DiningCartState;
}

/**
 * The pure part of a game: enough to replay a log, redact events and show the table
 * (the Colyseus projection, resync snapshots). No services, so replay, tests and the
 * events API use it without a room.
 */
export interface GameRules extends Pick<TableGame, "evolve" | "publicData"> {
  /** Copies `model.game` into the game's slot of the Colyseus state, touching only what changed. */
  project(model: TableModel, state: TableStateSlots): void;
  /** `model.game` as `viewer` may see it, keyed by its slot (resync snapshots). */
  snapshot(model: TableModel, viewer: TableViewer): Record<string, unknown>;
}

const HOLDEM_RULES: GameRules = {
  evolve: holdemGame.evolve,
  publicData: holdemGame.publicData,
  project(model, state) {
    state.holdem ??= new HoldemTableState();
    const game = model.game ? holdemGameState(model).holdem : null;
    projectHoldem(
      game,
      state.holdem,
      model.seats.map((s) => s.userId),
      game ? minRaiseToOf(game) : 0,
    );
  },
  snapshot: (model, viewer) => (model.game ? { holdem: viewState(holdemGameState(model).holdem, viewer.userId) } : {}),
};

const DINING_RULES: GameRules = {
  evolve: evolveDining,
  publicData: diningPublicData,
  project(model, state) {
    state.dining ??= new DiningCartState();
    projectDining(diningState(model), state.dining, model.seats);
  },
  snapshot: (model, viewer) => ({ dining: diningCartView(diningState(model), viewer) }),
};

/** Static rules of each kind (replay, redaction and projection need no services). */
const RULES: Record<TableKind, GameRules> = { holdem: HOLDEM_RULES, dining: DINING_RULES };

export function gameRules(kind: TableKind): GameRules {
  return RULES[kind];
}

/** The games of one app, with the services their commands use. */
export function createTableGames(deps: DiningDeps): Record<TableKind, TableGame> {
  return { holdem: holdemGame, dining: createDiningGame(deps) };
}
