import type { TableDto } from "@holdfast/shared";
import type { TableModel } from "./table-model.ts";

/**
 * What a table needs from continuity (lease, restore, snapshots, drain), as tables sees
 * it. Tables owns these interfaces and continuity implements them, so the dependency
 * runs one way: continuity -> tables.
 */

/** The table as it was stored: its model and the seq of the snapshot it started from. */
export interface RestoredTable {
  model: TableModel;
  snapshotSeq: number;
  /** Events replayed over the snapshot. */
  replayed: number;
}

/** One authority's tenure of one table: the lease, the snapshots, the release. */
export interface TableHosting {
  /** The stored table this tenure starts from (null: a table never played). */
  readonly restored: RestoredTable | null;
  /** The lease went to someone else (or could not be renewed in time). */
  readonly lost: boolean;
  /** Renews the lease until release; `onLost` runs once if it is lost. */
  startRenewing(onLost: () => void): void;
  /** Takes a snapshot when enough events or time passed since the last one. */
  maybeSnapshot(model: TableModel): void;
  /** Writes `model` as the table's snapshot now. */
  snapshot(model: TableModel): Promise<void>;
  /** Gives the table up (dispose, drain). Safe to call twice. */
  release(): Promise<void>;
}

/** A live table as the node's drain sees it. */
export interface DrainableTable {
  drainTable(): Promise<void>;
}

/** Where a table room gets its hosting from, and tells the node's drain it exists. */
export interface TableHost {
  /**
   * Either this room now hosts the table (lease taken; the stored table, if any,
   * restored) or another live room does, and this one must become a duplicate of it.
   */
  host(table: TableDto, roomId: string): Promise<TableHosting | { redirectTo: string }>;
  register(table: DrainableTable): void;
  unregister(table: DrainableTable): void;
}
