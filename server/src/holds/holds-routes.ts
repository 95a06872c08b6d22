import { Router, type RequestHandler } from "express";
import { ErrorCode } from "@holdfast/shared";
import { CreateHoldBody, HoldId } from "@holdfast/shared/schemas";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../http/validate.ts";
import { identityOf, requireAuth } from "../identity/identity-routes.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { Idempotency } from "../http/idempotency.ts";
import type { HoldService } from "./hold-service.ts";

/** A malformed hold id is a hold that does not exist. */
function holdIdParam(raw: unknown): string {
  const parsed = HoldId.safeParse(raw);
  if (!parsed.success) throw new AppError(ErrorCode.HOLD_NOT_FOUND, "hold not found");
  return parsed.data;
}

/** `/api/holds`: place (optionally idempotent), read and release holds. */
export function holdsRoutes(holds: HoldService, sessions: SessionService, idempotency: Idempotency, holdsLimit: RequestHandler): Router {
  const router = Router();
  const auth = requireAuth(sessions);
  router.post("/holds", holdsLimit, auth, async (req, res) => {
    const identity = identityOf(req);
    const body = parseOrThrow(CreateHoldBody, req.body);
    await idempotency.run(req, res, { userId: identity.userId, scope: "holds", required: false }, async () => ({
      status: 201,
      body: await holds.create(identity, body),
    }));
  });
  router.get("/holds/:holdId", auth, async (req, res) => {
    res.json(await holds.get(identityOf(req), holdIdParam(req.params.holdId)));
  });
  router.delete("/holds/:holdId", auth, async (req, res) => {
    await holds.release(identityOf(req), holdIdParam(req.params.holdId));
    res.status(204).end();
  });
  return router;
}
