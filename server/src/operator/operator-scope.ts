import type { Request, RequestHandler } from "express";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { identityOf, requireAuth } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { BranchStaff } from "../tables/table-viewer.ts";

/**
 * What an operator may see and act on: admins everything; branch staff the tables and
 * orders of their branches (a dining table belongs to the branch in its `branchId`
 * option, an order to the branch it was placed in). Sales and nodes belong to no branch:
 * they are for admins.
 */
export interface OperatorScope {
  userId: string;
  admin: boolean;
  /** The staff grants (empty for an admin without any: admins need none). */
  branches: string[];
}

export function scopeOf(req: Request): OperatorScope {
  const scope = (req as Request & { operatorScope?: OperatorScope }).operatorScope;
  if (!scope) throw new AppError(ErrorCode.UNAUTHORIZED, "not signed in");
  return scope;
}

/** Whether the scope covers a table or order of `branchId` (undefined: no branch, admins only). */
export function coversBranch(scope: OperatorScope, branchId: string | null | undefined): boolean {
  return scope.admin || (!!branchId && scope.branches.includes(branchId));
}

/** Signed in, and an admin or staff of at least one branch: FORBIDDEN otherwise. */
export function requireOperator(sessions: SessionService, staff: BranchStaff): RequestHandler {
  const auth = requireAuth(sessions);
  return async (req, res, next) => {
    // An authentication failure rejects this promise; express passes it on as the error.
    await auth(req, res, (err?: unknown) => {
      if (err) return next(err);
    });
    const identity = identityOf(req);
    const branches = await staff.branchesOf(identity.userId);
    if (!identity.isAdmin && branches.length === 0) throw new AppError(ErrorCode.FORBIDDEN, "operator access needs the admin role or a staff grant");
    const scope: OperatorScope = { userId: identity.userId, admin: identity.isAdmin, branches };
    (req as Request & { operatorScope?: OperatorScope }).operatorScope = scope;
    next();
  };
}

/** After requireOperator: admins only (sales, nodes). */
export const adminOnly: RequestHandler = (req, _res, next) => {
  next(scopeOf(req).admin ? undefined : new AppError(ErrorCode.FORBIDDEN, "admin role required"));
};
