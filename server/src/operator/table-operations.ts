import { matchMaker } from "@colyseus/core";
import { ErrorCode, type TableDto } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { OperatorCommandReply, OperatorTableCommand, OperatorTableView } from "../tables/operator-commands.ts";
import type { TableRepository } from "../tables/table-repository.ts";

/** A live table in the operator console: its definition, the node hosting it and its seats now. */
export interface LiveTableView {
  tableId: string;
  kind: TableDto["kind"];
  branchId: string | null;
  roomId: string;
  /** The Colyseus process id of the node whose room hosts the table. */
  hostedBy: string;
  /** Null when the hosting room did not answer in time (busy or going away). */
  live: OperatorTableView | null;
}

interface ListedRoom {
  roomId: string;
  processId: string;
  tableId: string;
}

/**
 * Operator actions on live tables. A table's room is its only authority, wherever it
 * runs: reads and commands go to it through `matchMaker.remoteRoomCall` (a direct call
 * on this node, presence IPC to another), and the room runs them through its own
 * decide/append/broadcast path.
 */
export class TableOperations {
  constructor(
    private readonly tables: TableRepository,
    private readonly logger: Logger,
    /** How long a room on another node may take to answer (it answers after the commands queued before). */
    private readonly callTimeoutMs: number,
  ) {}

  /** Live tables among `visible` (by table id), each with the answer of its room. */
  async live(visible: (table: TableDto) => boolean): Promise<LiveTableView[]> {
    const [definitions, rooms] = await Promise.all([this.tables.list(), this.listedRooms()]);
    const byId = new Map(definitions.map((t) => [t.tableId, t]));
    const shown = rooms.filter((r) => {
      const table = byId.get(r.tableId);
      return table !== undefined && visible(table);
    });
    const views = await Promise.all(
      shown.map(async (room): Promise<LiveTableView> => {
        const table = byId.get(room.tableId)!;
        const live = await this.call<OperatorTableView | null>(room, "operatorView", []).catch((err) => {
          this.logger.warn({ err: (err as Error).message, tableId: room.tableId, roomId: room.roomId }, "table room did not answer the operator view");
          return null;
        });
        return { tableId: table.tableId, kind: table.kind, branchId: table.options.branchId ?? null, roomId: room.roomId, hostedBy: room.processId, live };
      }),
    );
    // A duplicate room from a creation race answers null; the hosting one wins.
    const best = new Map<string, LiveTableView>();
    for (const v of views) if (!best.has(v.tableId) || (v.live && !best.get(v.tableId)!.live)) best.set(v.tableId, v);
    return [...best.values()].sort((a, b) => a.tableId.localeCompare(b.tableId));
  }

  /** Runs `command` in the table's room: CONFLICT when nobody is there (no live room). */
  async command(tableId: string, command: OperatorTableCommand): Promise<{ seq: number; released: number[]; hostedBy: string }> {
    const rooms = (await this.listedRooms()).filter((r) => r.tableId === tableId);
    if (rooms.length === 0) throw new AppError(ErrorCode.CONFLICT, `table ${tableId} is not live (nobody is seated or watching)`);
    let last: Extract<OperatorCommandReply, { ok: false }> | undefined;
    for (const room of rooms) {
      const reply = await this.call<OperatorCommandReply>(room, "operatorCommand", [command]).catch((err) => {
        this.logger.warn({ err: (err as Error).message, tableId, roomId: room.roomId }, "table room did not answer an operator command");
        return { ok: false as const, code: ErrorCode.UNAVAILABLE, message: `the room of table ${tableId} did not answer; retry` };
      });
      if (reply.ok) return { seq: reply.seq, released: reply.released, hostedBy: room.processId };
      last = reply;
      // A duplicate room says UNAVAILABLE; any other answer came from the host.
      if (reply.code !== ErrorCode.UNAVAILABLE) break;
    }
    throw new AppError(last!.code, last!.message);
  }

  private async listedRooms(): Promise<ListedRoom[]> {
    const rooms = await matchMaker.query({ name: "table" });
    const listed: ListedRoom[] = [];
    for (const room of rooms) {
      const tableId = (room.metadata as { tableId?: unknown } | undefined)?.tableId;
      if (typeof tableId === "string") listed.push({ roomId: room.roomId, processId: room.processId, tableId });
    }
    return listed;
  }

  private call<T>(room: ListedRoom, method: string, args: unknown[]): Promise<T> {
    return matchMaker.remoteRoomCall(room.roomId, method as never, args, this.callTimeoutMs) as Promise<T>;
  }
}
