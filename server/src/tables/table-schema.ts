import { ArraySchema, Schema, type } from "@colyseus/schema";
import { HoldemTableState } from "./games/holdem-schema.ts";
import { DiningCartState } from "./games/dining-schema.ts";
import { gameRules, type TableStateSlots } from "./games/registry.ts";
import type { TableModel } from "./table-model.ts";
import type { TableViewer } from "./table-viewer.ts";

/** Colyseus projection of a seat (contract: SeatState). */
export class SeatState extends Schema {
  @type("uint8") index: number = 0;
  @type("string") userId: string = "";
  @type("string") name: string = "";
  @type("string") status: string = "empty";
  /** Epoch ms deadline of an away seat; 0 otherwise. */
  @type("number") awayUntil: number = 0;
  @type("number") stack: number = 0;
}

/** Colyseus projection of a table (contract: TableState). Game state sits beside it. */
export class TableState extends Schema implements TableStateSlots {
  @type("string") tableId: string = "";
  @type("string") kind: string = "";
  @type("number") seq: number = 0;
  @type("uint16") spectators: number = 0;
  @type([SeatState]) seats = new ArraySchema<SeatState>();
  /** Holdem tables: the hand beside the seats (hole cards only in each player's view). */
  @type(HoldemTableState) holdem?: HoldemTableState;
  /** Dining tables: the shared cart. */
  @type(DiningCartState) dining?: DiningCartState;
}

/**
 * Copies the model into the schema, touching only fields that changed, so Colyseus
 * sends small patches.
 */
export function projectTable(model: TableModel, state: TableState): void {
  if (state.tableId !== model.tableId) state.tableId = model.tableId;
  if (state.kind !== model.kind) state.kind = model.kind;
  if (state.seq !== model.seq) state.seq = model.seq;
  model.seats.forEach((seat, i) => {
    let s = state.seats[i];
    if (!s) {
      s = new SeatState();
      s.index = i;
      state.seats.push(s);
    }
    const userId = seat.userId ?? "";
    if (s.userId !== userId) s.userId = userId;
    if (s.name !== seat.name) s.name = seat.name;
    if (s.status !== seat.status) s.status = seat.status;
    if (s.awayUntil !== seat.awayUntil) s.awayUntil = seat.awayUntil;
    if (s.stack !== seat.stack) s.stack = seat.stack;
  });
  // The game fills its own slot beside the seats (games/registry.ts).
  gameRules(model.kind).project(model, state);
}

/**
 * The table as JSON for one viewer (resync snapshots): no token ids, hole cards only the
 * viewer's own (by user) or shown ones, dining details only for insiders.
 */
export function publicSnapshot(model: TableModel, spectators: number, viewer: TableViewer) {
  return {
    tableId: model.tableId,
    kind: model.kind,
    seq: model.seq,
    spectators,
    seats: model.seats.map(({ tokenId: _secret, userId, ...rest }) => ({ ...rest, userId: userId ?? "" })),
    ...gameRules(model.kind).snapshot(model, viewer),
  };
}
