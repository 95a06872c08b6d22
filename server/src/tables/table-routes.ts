import { Router } from "express";
import { matchMaker } from "@colyseus/core";
import { z } from "zod";
import { ErrorCode, type TableDto, type TableSummary } from "@holdfast/shared";
import { CreateTableBody, TableId } from "@holdfast/shared/schemas";
import { AppError } from "../errors.ts";
import { identityOf, requireAdmin, requireAuth } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import { parseOrThrow } from "../http/validate.ts";
import { eventView } from "./event-views.ts";
import type { SeatBinding, SeatBindingStore } from "./seat-binding-store.ts";
import type { TableEventLog } from "./table-event-log.ts";
import type { TableRepository } from "./table-repository.ts";
import { diningSinceOf, isTableStaff, type BranchStaff, type TableViewer } from "./table-viewer.ts";

const EventsQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strip();

interface LiveInfo {
  seated: number;
  spectators: number;
}

/** Live seat and spectator counts from the matchmaker's room listings (every node's). */
async function liveTables(): Promise<Map<string, LiveInfo>> {
  const rooms = await matchMaker.query({ name: "table" });
  const live = new Map<string, LiveInfo>();
  for (const room of rooms) {
    const meta = room.metadata as { tableId?: string; seated?: number; spectators?: number } | undefined;
    if (meta?.tableId) live.set(meta.tableId, { seated: meta.seated ?? 0, spectators: meta.spectators ?? 0 });
  }
  return live;
}

function summarize(table: TableDto, live: LiveInfo | undefined): TableSummary & { options: TableDto["options"] } {
  return {
    tableId: table.tableId,
    kind: table.kind,
    seats: table.seats,
    seated: live?.seated ?? 0,
    spectators: live?.spectators ?? 0,
    live: live !== undefined,
    options: table.options,
  };
}

export interface TableRoutesDeps {
  tables: TableRepository;
  sessions: SessionService;
  eventLog: TableEventLog;
  /** Who sits where, across nodes: a dining table's diners see its order details. */
  bindings: SeatBindingStore;
  /** Staff grants: a dining table's branch staff see its order details. */
  staff?: BranchStaff;
  newId: () => string;
}

/** The binding of the seat `userId` holds (active or kept while away) at the table now, if any. */
async function seatBindingOf(bindings: SeatBindingStore, table: TableDto, userId: string): Promise<SeatBinding | undefined> {
  const seats = await Promise.all(Array.from({ length: table.seats }, (_, i) => bindings.get(table.tableId, i)));
  return seats.find((b) => b?.userId === userId) ?? undefined;
}

/** `/api/tables`: admin creation, listing with live counts, one table, its events as the caller may see them. */
export function tableRoutes(deps: TableRoutesDeps): Router {
  const router = Router();

  router.post("/", requireAdmin(deps.sessions), async (req, res) => {
    const body = parseOrThrow(CreateTableBody, req.body);
    const options = body.options ?? {};
    if (options.minBuyIn && options.maxBuyIn && options.minBuyIn > options.maxBuyIn) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, "invalid request body: options.minBuyIn is above options.maxBuyIn");
    }
    const created = await deps.tables.create({ tableId: body.tableId ?? deps.newId(), kind: body.kind, seats: body.seats, options });
    if (!created) throw new AppError(ErrorCode.CONFLICT, `table ${body.tableId} already exists`);
    res.status(201).json(summarize(created, undefined));
  });

  router.get("/", async (_req, res) => {
    const [tables, live] = await Promise.all([deps.tables.list(), liveTables()]);
    res.json(tables.map((t) => summarize(t, live.get(t.tableId))));
  });

  router.get("/:tableId", async (req, res) => {
    const table = await findOr404(deps.tables, req.params.tableId);
    const live = await liveTables();
    res.json(summarize(table, live.get(table.tableId)));
  });

  // Signed-in callers only, each seeing what the room would show them: their own private
  // data (by user id, never by seat) and, on dining tables, order ids, buyers and notes
  // only to staff of its branch, or to a diner seated now for the events since they sat.
  router.get("/:tableId/events", requireAuth(deps.sessions), async (req, res) => {
    const table = await findOr404(deps.tables, String(req.params.tableId));
    const query = parseOrThrow(EventsQuery, req.query, "query");
    const identity = identityOf(req);
    const viewer: TableViewer = { userId: identity.userId, diningInsider: false };
    if (table.kind === "dining") {
      if (await isTableStaff(table, identity, deps.staff)) {
        Object.assign(viewer, { diningInsider: true, diningSince: 0 });
      } else {
        const seat = await seatBindingOf(deps.bindings, table, identity.userId);
        if (seat) Object.assign(viewer, { diningInsider: true, diningSince: diningSinceOf(seat.sinceSeq) });
      }
    }
    const { events } = await deps.eventLog.readAfter(table.tableId, query.after, query.limit);
    res.json({ events: events.map((e) => eventView(table.kind, e, viewer)) });
  });

  return router;
}

async function findOr404(tables: TableRepository, rawId: string): Promise<TableDto> {
  const id = TableId.safeParse(rawId);
  const table = id.success ? await tables.find(id.data) : null;
  if (!table) throw new AppError(ErrorCode.NOT_FOUND, `table ${rawId} does not exist`);
  return table;
}
