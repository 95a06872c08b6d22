import { Room, type Client, type RoomOptions } from "@colyseus/core";
import type { z } from "zod";
import { CloseCode, ErrorCode } from "@holdfast/shared";
import { AppError, validationError } from "../errors.ts";
import type { Identity } from "../identity/session-service.ts";
import type { RoomDeps } from "./room-deps.ts";
import { toJoinError, toReplyError } from "./room-errors.ts";

/**
 * `client.auth` of every Holdfast room. The login session id is `loginSessionId`, not
 * `sessionId`: Colyseus adopts an auth object's `sessionId` as the connection's
 * sessionId, which would make two tabs of one login the same connection.
 */
export type RoomIdentity = Omit<Identity, "sessionId"> & { loginSessionId: string };

/** A room client whose static onAuth accepted a live session (so `auth` is always set). */
export type AuthedClient = Client<{ auth: RoomIdentity }> & { auth: RoomIdentity };

/**
 * What every Holdfast room shares:
 * - sessions: each client is tracked under its session id so a logout on any node
 *   closes it with 4401;
 * - commands: `command(type, schema, handler)` registers a zod-validated handler whose
 *   failures (bad payload, AppError, fault) are answered as `{code, message}` instead
 *   of kicking the client, and a `"*"` fallback answers unknown types the same way;
 * - metrics: rooms and clients per room type.
 *
 * Subclasses are made by factories that close over `RoomDeps` (no module singletons),
 * and authenticate in a static `onAuth` built with `authenticateWith`.
 */
export abstract class HoldfastRoom<T extends RoomOptions = RoomOptions> extends Room<T> {
  protected abstract readonly deps: RoomDeps;
  private readonly untrack = new Map<string, () => void>();

  /** Registers a validated command whose return value (or AppError) answers `room.request`. */
  protected command<S extends z.ZodType>(
    type: string,
    schema: S,
    handler: (client: AuthedClient, message: z.infer<S>) => unknown,
  ): void {
    this.onMessage(type, async (client: AuthedClient, raw: unknown, ctx) => {
      const parsed = schema.safeParse(raw ?? {});
      try {
        rejectIfSessionExpired(client);
        if (!parsed.success) throw validationError(parsed.error.issues, `${type} message`);
        return await handler(client, parsed.data);
      } catch (err) {
        const body = toReplyError(err);
        this.deps.metrics.roomErrors.inc({ room: this.roomName, code: body.code });
        if (body.code === ErrorCode.INTERNAL) {
          this.deps.logger.error({ err, room: this.roomName, roomId: this.roomId, type }, "room command failed");
        }
        return ctx.reject(body);
      }
    });
  }

  /** Answers every unregistered message type with an error instead of a 4002 kick. */
  protected rejectUnknownMessages(): void {
    this.onMessage("*", (client: AuthedClient, type: string | number) => {
      client.send("error", { code: ErrorCode.VALIDATION_FAILED, message: `unknown message type "${String(type)}"` });
    });
  }

  /** Call from onJoin (and after a reconnection) so a revoked or expired session closes this client. */
  protected trackSession(client: AuthedClient): void {
    const identity = client.auth;
    if (!identity) return;
    this.untrack.get(client.sessionId)?.();
    this.untrack.set(
      client.sessionId,
      this.deps.revocations.track(identity.loginSessionId, { close: (code, reason) => client.leave(code, reason) }, sessionExpiry(identity)),
    );
  }

  protected untrackSession(client: Client): void {
    this.untrack.get(client.sessionId)?.();
    this.untrack.delete(client.sessionId);
  }

  protected countCreated(): void {
    this.deps.metrics.rooms.inc({ room: this.roomName });
  }

  protected countDisposed(): void {
    this.deps.metrics.rooms.dec({ room: this.roomName });
    for (const untrack of this.untrack.values()) untrack();
    this.untrack.clear();
  }

  protected countJoined(): void {
    this.deps.metrics.clients.inc({ room: this.roomName });
  }

  protected countLeft(): void {
    this.deps.metrics.clients.dec({ room: this.roomName });
  }

  override onUncaughtException(error: Error, methodName: string): void {
    this.deps.logger.error({ err: error, room: this.roomName, roomId: this.roomId, methodName }, "uncaught room exception");
  }
}

/** The session's expiry in epoch ms (`expiresAt` is a Date, or its JSON form after a hand-over). */
function sessionExpiry(identity: RoomIdentity): number | undefined {
  const at = identity.expiresAt ? new Date(identity.expiresAt).getTime() : NaN;
  return Number.isFinite(at) ? at : undefined;
}

/**
 * A command on a socket whose session has expired is refused (the expiry timer closes the
 * socket with 4401 at the same moment; this covers the gap until it runs).
 */
function rejectIfSessionExpired(client: AuthedClient): void {
  const at = client.auth ? sessionExpiry(client.auth) : undefined;
  if (at !== undefined && at <= Date.now()) {
    client.leave(CloseCode.SESSION_REVOKED, "session expired");
    throw new AppError(ErrorCode.UNAUTHORIZED, "session expired");
  }
}

/** Builds a static `onAuth` that accepts only a live session's access token. */
export function authenticateWith(deps: RoomDeps) {
  return async (token: string | undefined): Promise<RoomIdentity> => {
    try {
      const { sessionId, ...identity } = await deps.sessions.authenticate(token);
      return { ...identity, loginSessionId: sessionId };
    } catch (err) {
      throw err instanceof AppError ? err : new AppError(ErrorCode.UNAUTHORIZED, "authentication failed");
    }
  };
}

/**
 * A room's static `onAuth`: validates the join options (when the room has a schema for
 * them), accepts only a live session's access token, and turns any failure into the join
 * error the SDK reads (`"CODE: message"`).
 */
export function joinAuth(deps: RoomDeps, options?: z.ZodType) {
  const authenticate = authenticateWith(deps);
  return async (token: string | undefined, joinOptions: unknown): Promise<RoomIdentity> => {
    try {
      if (options) {
        const parsed = options.safeParse(joinOptions);
        if (!parsed.success) throw validationError(parsed.error.issues, "join options");
      }
      return await authenticate(token);
    } catch (err) {
      throw toJoinError(err);
    }
  };
}
