import { SeatStatus, type TableKind } from "@holdfast/shared";

/**
 * The table as plain data: what the decider reads and `evolve` produces, what
 * snapshots store, and what the room projects into its Colyseus schema.
 * Deadlines are epoch-ms values in state (never timers), so a restored table knows them.
 */
export interface SeatModel {
  index: number;
  userId: string | null;
  name: string;
  status: SeatStatus;
  /** Epoch ms when an away seat is released; 0 unless away. */
  awayUntil: number;
  stack: number;
  /** Id of the seat token currently bound to this seat; older tokens are dead. */
  tokenId: string | null;
  /**
   * Seq of the `seat.taken` that put the current occupant here (unset while empty, and in
   * snapshots older than this field). A diner sees order details from this seq on only.
   */
  sinceSeq?: number;
}

export interface TableModel {
  tableId: string;
  kind: TableKind;
  /** Sequence number of the last event applied. */
  seq: number;
  seats: SeatModel[];
  /**
   * The game beside the seats, as plain JSON (holdem: HoldemState; dining: the cart).
   * Owned by the table's game module (see games/table-game.ts); null before it starts.
   */
  game: unknown;
}

export function emptySeat(index: number): SeatModel {
  return { index, userId: null, name: "", status: SeatStatus.EMPTY, awayUntil: 0, stack: 0, tokenId: null };
}

export function initialTable(tableId: string, kind: TableKind, seatCount: number): TableModel {
  return { tableId, kind, seq: 0, seats: Array.from({ length: seatCount }, (_, i) => emptySeat(i)), game: null };
}

export function seatOf(table: TableModel, userId: string): SeatModel | undefined {
  return table.seats.find((s) => s.userId === userId);
}
