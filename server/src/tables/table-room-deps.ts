import type { TableKind } from "@holdfast/shared";
import type { RoomDeps } from "../rooms/room-deps.ts";
import type { TableGame } from "./games/table-game.ts";
import type { SeatBindingStore } from "./seat-binding-store.ts";
import type { SeatTokens } from "./seat-tokens.ts";
import type { TableEventLog } from "./table-event-log.ts";
import type { TableFeed } from "./table-master.ts";
import type { TableRepository } from "./table-repository.ts";
import type { TableHost } from "./table-hosting.ts";
import type { BranchStaff } from "./table-viewer.ts";

export interface TableRoomDeps extends RoomDeps {
  tables: TableRepository;
  seatTokens: SeatTokens;
  /** Lease, restore, snapshots and drain of every table (server/src/continuity). */
  continuity: TableHost;
  bindings: SeatBindingStore;
  eventLog: TableEventLog;
  /** The game of each table kind (dining uses the hold store and orders). */
  games: Record<TableKind, TableGame>;
  /** Staff grants (dining details are for a table's diners and its branch staff). */
  staff?: BranchStaff;
  /** Where public table events go for the `feed` room (admin, table:T, branch:B). */
  feed?: TableFeed;
}
