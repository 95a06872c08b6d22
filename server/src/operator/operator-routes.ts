import { Router } from "express";
import { z } from "zod";
import { ErrorCode, OrderStatus, type TableDto } from "@holdfast/shared";
import { SaleId } from "@holdfast/shared/schemas";
import { TableId } from "@holdfast/shared/schemas";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../http/validate.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { Logger } from "../logger.ts";
import type { TableRepository } from "../tables/table-repository.ts";
import type { BranchStaff } from "../tables/table-viewer.ts";
import type { NodeHeartbeats } from "./node-heartbeats.ts";
import type { OperatorOrders } from "./operator-orders.ts";
import { adminOnly, coversBranch, requireOperator, scopeOf, type OperatorScope } from "./operator-scope.ts";
import type { SaleOperations } from "./sale-operations.ts";
import type { TableOperations } from "./table-operations.ts";

/**
 * A number in a path or query string: decimal digits only. `z.coerce.number()` alone took
 * "0x1", "1e0" and " " (Number(" ") is 0: seat 0) as numbers.
 */
const decimal = (maxDigits: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9]{1,${maxDigits}}$`), "a decimal integer")
    .transform(Number);
const SeatParams = z.object({ tableId: TableId, seat: decimal(2).pipe(z.number().int().min(0).max(9)) }).strip();
const OrdersQuery = z
  .object({
    status: z.enum([OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED]).default(OrderStatus.PENDING),
    limit: decimal(3).pipe(z.number().int().min(1).max(200)).default(50),
  })
  .strict();
const NoQuery = z.object({}).strict();

export interface OperatorRoutesDeps {
  sessions: SessionService;
  staff: BranchStaff;
  tables: TableRepository;
  tableOps: TableOperations;
  saleOps: SaleOperations;
  orders: OperatorOrders;
  nodes: NodeHeartbeats;
  logger: Logger;
}

/**
 * `/api/admin`: the operator console's API. Every route checks the caller on the server:
 * admins see and act on everything; branch staff on the tables and orders of their
 * branches (FORBIDDEN elsewhere); sales and nodes are for admins.
 */
export function operatorRoutes(deps: OperatorRoutesDeps): Router {
  const router = Router();
  router.use(requireOperator(deps.sessions, deps.staff));
  /** Who did what: every operator action is one info line (an audit trail in the logs). */
  const audit = (scope: OperatorScope, action: string, target: Record<string, unknown>, result: unknown) =>
    deps.logger.info({ operator: scope.userId, admin: scope.admin, action, ...target, result }, "operator action");

  router.get("/scope", (req, res) => {
    res.json(scopeOf(req));
  });

  router.get("/tables", async (req, res) => {
    parseOrThrow(NoQuery, req.query, "query");
    const scope = scopeOf(req);
    res.json({ at: Date.now(), tables: await deps.tableOps.live((t) => coversBranch(scope, t.options.branchId)) });
  });

  router.post("/tables/:tableId/close", async (req, res) => {
    const scope = scopeOf(req);
    const table = await tableInScope(deps.tables, scope, req.params.tableId);
    const result = await deps.tableOps.command(table.tableId, { type: "close" });
    audit(scope, "close table", { tableId: table.tableId }, result);
    res.json({ tableId: table.tableId, ...result });
  });

  router.post("/tables/:tableId/seats/:seat/release", async (req, res) => {
    const { tableId, seat } = parseOrThrow(SeatParams, req.params, "path");
    const scope = scopeOf(req);
    const table = await tableInScope(deps.tables, scope, tableId);
    if (seat >= table.seats) throw new AppError(ErrorCode.SEAT_INVALID, `seat ${seat} does not exist (0 to ${table.seats - 1})`);
    const result = await deps.tableOps.command(tableId, { type: "release", seat });
    audit(scope, "release seat", { tableId, seat }, result);
    res.json({ tableId, ...result });
  });

  router.get("/sales", adminOnly, async (req, res) => {
    parseOrThrow(NoQuery, req.query, "query");
    res.json({ at: Date.now(), sales: await deps.saleOps.list() });
  });

  router.post("/sales/:saleId/pause", adminOnly, async (req, res) => {
    const saleId = parseOrThrow(SaleId, req.params.saleId, "saleId");
    const view = await deps.saleOps.pause(saleId);
    audit(scopeOf(req), "pause sale", { saleId }, { pausedAt: view.pausedAt });
    res.json(view);
  });

  router.post("/sales/:saleId/resume", adminOnly, async (req, res) => {
    const saleId = parseOrThrow(SaleId, req.params.saleId, "saleId");
    const view = await deps.saleOps.resume(saleId);
    audit(scopeOf(req), "resume sale", { saleId }, { pausedAt: view.pausedAt });
    res.json(view);
  });

  router.get("/orders", async (req, res) => {
    const query = parseOrThrow(OrdersQuery, req.query, "query");
    const scope = scopeOf(req);
    res.json({ status: query.status, ...(await deps.orders.list({ ...query, branches: scope.admin ? null : scope.branches })) });
  });

  router.get("/nodes", adminOnly, async (req, res) => {
    parseOrThrow(NoQuery, req.query, "query");
    res.json({ at: Date.now(), nodes: await deps.nodes.list() });
  });

  return router;
}

/** The table, if it exists (NOT_FOUND) and the caller operates its branch (FORBIDDEN). */
async function tableInScope(tables: TableRepository, scope: OperatorScope, rawId: unknown): Promise<TableDto> {
  const tableId = parseOrThrow(TableId, rawId, "table id");
  const table = await tables.find(tableId);
  if (!table) throw new AppError(ErrorCode.NOT_FOUND, `table ${tableId} does not exist`);
  if (!coversBranch(scope, table.options.branchId)) throw new AppError(ErrorCode.FORBIDDEN, `table ${tableId} is not in a branch you operate`);
  return table;
}
