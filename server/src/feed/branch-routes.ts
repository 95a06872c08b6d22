import { Router } from "express";
import { z } from "zod";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { requireAdmin } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import { parseOrThrow } from "../http/validate.ts";
import type { StaffPermissions } from "./staff-permissions.ts";
import type { StaffRepository } from "./staff-repository.ts";

const BranchId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "letters, digits, . _ -, at most 64");
const UserId = z.string().regex(/^[A-Za-z0-9._:-]{1,80}$/, "a user id");
const BranchBody = z.object({ branchId: BranchId, name: z.string().trim().min(1).max(80) }).strict();
const StaffParams = z.object({ branchId: BranchId, userId: UserId }).strip();

/** `/api/branches` (admin): branches and which staff users may watch them. */
export function branchRoutes(deps: { sessions: SessionService; repo: StaffRepository; permissions: StaffPermissions }): Router {
  const router = Router();
  const admin = requireAdmin(deps.sessions);

  router.post("/", admin, async (req, res) => {
    const body = parseOrThrow(BranchBody, req.body);
    res.status(201).json(await deps.repo.upsertBranch(body));
  });

  router.get("/", admin, async (_req, res) => {
    res.json({ branches: await deps.repo.listBranches() });
  });

  router.get("/:branchId/staff", admin, async (req, res) => {
    const branchId = parseOrThrow(BranchId, req.params.branchId, "branch id");
    if (!(await deps.repo.branchExists(branchId))) throw new AppError(ErrorCode.NOT_FOUND, `branch ${branchId} does not exist`);
    res.json({ branchId, staff: await deps.repo.staffOf(branchId) });
  });

  router.put("/:branchId/staff/:userId", admin, async (req, res) => {
    const { branchId, userId } = parseOrThrow(StaffParams, req.params, "path");
    if (!(await deps.repo.branchExists(branchId))) throw new AppError(ErrorCode.NOT_FOUND, `branch ${branchId} does not exist`);
    // A grant to a user that does not exist (a typo) would silently wait for whoever
    // later gets that id: refuse it.
    if (!(await deps.repo.userExists(userId))) throw new AppError(ErrorCode.NOT_FOUND, `user ${userId} does not exist`);
    await deps.permissions.grant(userId, branchId);
    res.json({ branchId, userId, granted: true });
  });

  router.delete("/:branchId/staff/:userId", admin, async (req, res) => {
    const { branchId, userId } = parseOrThrow(StaffParams, req.params, "path");
    await deps.permissions.revoke(userId, branchId);
    res.status(204).end();
  });

  return router;
}
