import { SeatStatus, type ErrorCode } from "@holdfast/shared";
import type { TableModel } from "./table-model.ts";

/**
 * What an operator may ask a table room to do from the server side (the operator API
 * calls the room through `matchMaker.remoteRoomCall`, which reaches a room on any node).
 * Plain JSON both ways: the call may cross presence IPC, which carries no Error objects.
 */
export type OperatorTableCommand = { type: "release"; seat: number } | { type: "close" };

export type OperatorCommandReply = { ok: true; seq: number; released: number[] } | { ok: false; code: ErrorCode; message: string };

/** One seat as the operator console shows it. */
export interface OperatorSeatView {
  seat: number;
  status: SeatStatus;
  userId: string | null;
  name: string;
  /** Epoch ms when an away seat is released by itself; null unless away. */
  awayUntil: number | null;
}

/** A live table as its room sees it now. */
export interface OperatorTableView {
  tableId: string;
  seq: number;
  seats: OperatorSeatView[];
  /** Connected clients (players and spectators). */
  clients: number;
}

export function operatorTableView(model: TableModel, clients: number): OperatorTableView {
  return {
    tableId: model.tableId,
    seq: model.seq,
    clients,
    seats: model.seats.map((s) => ({
      seat: s.index,
      status: s.status,
      userId: s.userId,
      name: s.name,
      awayUntil: s.status === SeatStatus.AWAY ? s.awayUntil : null,
    })),
  };
}
