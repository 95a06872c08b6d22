import { Router, type Request, type RequestHandler } from "express";
import { ErrorCode, type GuestSignInResponse, type SessionResponse } from "@holdfast/shared";
import { GuestSignInBody } from "@holdfast/shared/schemas";
import { AppError } from "../errors.ts";
import type { RateLimits } from "../http/rate-limits.ts";
import { parseOrThrow } from "../http/validate.ts";
import type { Identity, SessionService } from "./session-service.ts";
import { bearerToken } from "./tokens.ts";

/** The caller's identity, set by `requireAuth`. */
export function identityOf(req: Request): Identity {
  const identity = (req as Request & { identity?: Identity }).identity;
  if (!identity) throw new AppError(ErrorCode.UNAUTHORIZED, "not signed in");
  return identity;
}

export function requireAuth(sessions: SessionService): RequestHandler {
  return async (req, _res, next) => {
    const identity = await sessions.authenticate(bearerToken(req.headers.authorization));
    (req as Request & { identity?: Identity }).identity = identity;
    next();
  };
}

export function requireAdmin(sessions: SessionService): RequestHandler {
  const auth = requireAuth(sessions);
  return async (req, res, next) => {
    await auth(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (!identityOf(req).isAdmin) return next(new AppError(ErrorCode.FORBIDDEN, "admin role required"));
      next();
    });
  };
}

/** `/api/auth/*`: guest sign-in, session read-back, logout. */
export function identityRoutes(sessions: SessionService, limits: RateLimits): Router {
  const router = Router();

  router.post("/guest", limits.middleware("signin"), async (req, res) => {
    const body = parseOrThrow(GuestSignInBody, req.body);
    const { identity, token } = await sessions.signInGuest(body.name);
    const response: GuestSignInResponse = {
      userId: identity.userId,
      name: identity.name,
      token,
      sessionId: identity.sessionId,
      expiresAt: identity.expiresAt.toISOString(),
    };
    res.status(201).json(response);
  });

  router.get("/session", requireAuth(sessions), (req, res) => {
    const identity = identityOf(req);
    const response: SessionResponse = {
      userId: identity.userId,
      name: identity.name,
      roles: identity.roles,
      sessionId: identity.sessionId,
      expiresAt: identity.expiresAt.toISOString(),
      source: identity.source,
    };
    res.json(response);
  });

  router.post("/logout", requireAuth(sessions), async (req, res) => {
    await sessions.revoke(identityOf(req).sessionId);
    res.status(204).end();
  });

  /** Ends every session of the caller (all devices). */
  router.post("/logout-all", requireAuth(sessions), async (req, res) => {
    await sessions.revokeAllForUser(identityOf(req).userId);
    res.status(204).end();
  });

  return router;
}
