import { Room, type Client, type Deferred, type RoomOptions } from "@colyseus/core";
import type { z } from "zod";
import { CloseCode, ErrorCode } from "@holdfast/shared";
import { AppError, validationError } from "../errors.ts";
import type { Identity } from "../identity/session-service.ts";
import type { RoomDeps } from "./room-deps.ts";
import { JoinError, toJoinError } from "./room-errors.ts";

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
 * - limits (ROOM_LIMITS): every message is charged to its user's budget first (refused
 *   with RATE_LIMITED and a retry hint when spent); a socket that keeps sending refused
 *   messages is closed with 4429; a user holds at most `socketsPerUser` sockets here;
 * - metrics: rooms and clients per room type.
 *
 * Subclasses are made by factories that close over `RoomDeps` (no module singletons),
 * and authenticate in a static `onAuth` built with `joinAuth`.
 */
export abstract class HoldfastRoom<T extends RoomOptions = RoomOptions> extends Room<T> {
  protected abstract readonly deps: RoomDeps;
  private readonly untrack = new Map<string, () => void>();
  /** userId -> the sessionIds of that user's sockets in this room (joined or joining). */
  private readonly userSockets = new Map<string, Set<string>>();
  /** Sockets closed for flooding: what they still send is dropped unread. */
  private readonly flooded = new WeakSet<Client>();
  /** sessionId -> the reconnection wait of a dropped socket (it still holds its user's slot). */
  private readonly reconnecting = new Map<string, Deferred<Client>>();
  /** Connections closed because their login session ended (logout, expiry): never reconnected. */
  private readonly endedSessions = new Set<string>();

  /** Registers a validated command whose return value (or AppError) answers `room.request`. */
  protected command<S extends z.ZodType>(
    type: string,
    schema: S,
    handler: (client: AuthedClient, message: z.infer<S>) => unknown,
  ): void {
    this.applySocketCap();
    this.onMessage(type, async (client: AuthedClient, raw: unknown, ctx) => {
      if (this.flooded.has(client)) return;
      const refused = this.charge(client, type) ?? this.countedRefusal(this.refuseEarly(type));
      if (refused) return ctx.reject(refused);
      const parsed = schema.safeParse(raw ?? {});
      try {
        rejectIfSessionExpired(client);
        if (!parsed.success) throw validationError(parsed.error.issues, `${type} message`);
        const result = await handler(client, parsed.data);
        this.beforeReply();
        return result;
      } catch (err) {
        this.beforeReply();
        const answer = this.deps.errors.handle(err, { room: this.roomName, roomId: this.roomId, type });
        this.deps.metrics.roomErrors.inc({ room: this.roomName, code: answer.code });
        return ctx.reject(answer.toBody());
      }
    });
  }

  /**
   * Called just before a command's reply is sent: a room that holds messages back
   * (events batched per patch tick) sends them now, so a reply never overtakes them.
   */
  protected beforeReply(): void {}

  /**
   * A room that cannot take a `type` message now (a full command queue) says so here,
   * before the payload is validated or anything allocated for it: under overload a
   * refusal must cost far less than the command it turns away. Default: never.
   */
  protected refuseEarly(type: string): { code: ErrorCode; message: string; retryAfterMs: number } | undefined {
    void type;
    return undefined;
  }

  private countedRefusal<R extends { code: ErrorCode } | undefined>(refusal: R): R {
    if (refusal) this.deps.metrics.roomErrors.inc({ room: this.roomName, code: refusal.code });
    return refusal;
  }

  /** Answers every unregistered message type with an error instead of a 4002 kick. */
  protected rejectUnknownMessages(): void {
    this.applySocketCap();
    this.onMessage("*", (client: AuthedClient, type: string | number) => {
      if (this.flooded.has(client)) return;
      const refused = this.charge(client, String(type));
      client.send("error", refused ?? { code: ErrorCode.VALIDATION_FAILED, message: `unknown message type "${String(type)}"` });
    });
  }

  /**
   * Charges one message to the client's user. Returns the RATE_LIMITED body when the
   * budget is spent (and closes the socket once it has been refused too often), else
   * undefined. Cheap on purpose: it runs before the payload is even validated.
   */
  private charge(client: AuthedClient, type: string): { code: ErrorCode; message: string; retryAfterMs: number } | undefined {
    const budgets = this.deps.budgets;
    if (!budgets) return undefined;
    const retryAfterMs = budgets.charge(client.auth.userId, type);
    if (retryAfterMs === 0) return undefined;
    this.deps.metrics.roomErrors.inc({ room: this.roomName, code: ErrorCode.RATE_LIMITED });
    if (budgets.strike(client)) this.closeForFlooding(client);
    return { code: ErrorCode.RATE_LIMITED, message: `too many ${type} messages; retry in ${retryAfterMs} ms`, retryAfterMs };
  }

  /**
   * Closes a socket that kept sending past RATE_LIMITED answers with 4429. Its unread
   * messages are dropped at once (the ws library would otherwise keep parsing them until
   * the close handshake ends), and a peer that never answers the close is cut after 1 s.
   */
  private closeForFlooding(client: AuthedClient): void {
    if (this.flooded.has(client)) return;
    this.flooded.add(client);
    this.deps.logger.info({ room: this.roomName, roomId: this.roomId, userId: client.auth.userId }, "socket closed for flooding");
    const ws = client.ref as { removeAllListeners?(event: string): void; terminate?(): void; readyState?: number } | undefined;
    ws?.removeAllListeners?.("message");
    client.leave(CloseCode.MESSAGE_FLOOD, "too many messages");
    setTimeout(() => {
      if (ws?.readyState !== undefined && ws.readyState < 3) ws.terminate?.();
    }, 1000).unref();
  }

  /** Colyseus's own per-socket cap, a backstop behind the budgets (drops the socket unread). */
  private applySocketCap(): void {
    const limits = this.deps.config.roomLimits;
    if (limits) this.maxMessagesPerSecond = limits.socketMessagesPerSecond;
  }

  /**
   * Call first in onJoin: counts the socket against its user's `socketsPerUser` in this
   * room (TOO_MANY_CONNECTIONS past it). Synchronous, so parallel joins cannot all slip
   * under the limit. `untrackSession` (onLeave, or a failed join) gives the slot back.
   */
  protected admitSocket(client: AuthedClient): void {
    const cap = this.deps.config.roomLimits?.socketsPerUser;
    const userId = client.auth.userId;
    const sockets = this.userSockets.get(userId) ?? new Set<string>();
    if (cap !== undefined && !sockets.has(client.sessionId) && sockets.size >= cap) {
      // A dropped socket waiting to reconnect gives its slot to the new one (a flaky
      // network rejoining through the matchmaker is not locked out for the grace).
      const stale = [...sockets].find((sessionId) => this.reconnecting.has(sessionId));
      if (stale === undefined) throw new AppError(ErrorCode.TOO_MANY_CONNECTIONS, `at most ${cap} connections per user in this room`);
      sockets.delete(stale);
      this.reconnecting.get(stale)!.reject(new Error("replaced by a newer connection of the same user"));
    }
    sockets.add(client.sessionId);
    this.userSockets.set(userId, sockets);
  }

  /** Colyseus's reconnection wait, remembered so `admitSocket` can end it early. */
  override allowReconnection(previousClient: Client, seconds: number | "manual"): Deferred<Client> {
    const wait = super.allowReconnection(previousClient, seconds);
    const sessionId = previousClient.sessionId;
    this.reconnecting.set(sessionId, wait);
    const forget = () => {
      if (this.reconnecting.get(sessionId) === wait) this.reconnecting.delete(sessionId);
    };
    wait.then(forget, forget);
    return wait;
  }

  private releaseSocket(client: Client): void {
    const userId = (client as AuthedClient).auth?.userId;
    const sockets = userId === undefined ? undefined : this.userSockets.get(userId);
    if (!sockets) return;
    sockets.delete(client.sessionId);
    if (sockets.size === 0) this.userSockets.delete(userId!);
  }

  /** Call from onJoin (and after a reconnection) so a revoked or expired session closes this client. */
  protected trackSession(client: AuthedClient): void {
    const identity = client.auth;
    if (!identity) return;
    this.untrack.get(client.sessionId)?.();
    this.untrack.set(
      client.sessionId,
      this.deps.revocations.track(
        identity.loginSessionId,
        {
          close: (code, reason) => {
            this.endedSessions.add(client.sessionId);
            client.leave(code, reason);
          },
        },
        sessionExpiry(identity),
      ),
    );
  }

  /**
   * Whether this connection's login session has ended (revoked or expired). A 4401 close
   * is a drop to Colyseus, and its reconnection token carries no access token: rooms ask
   * this before offering a reconnection (onDrop) and when one arrives (onReconnect).
   */
  protected sessionEnded(client: AuthedClient): boolean {
    const at = client.auth ? sessionExpiry(client.auth) : undefined;
    return this.endedSessions.has(client.sessionId) || (at !== undefined && at <= Date.now());
  }

  /** Call from onLeave (and when a join fails): stops tracking, frees the user's socket slot. */
  protected untrackSession(client: Client): void {
    this.untrack.get(client.sessionId)?.();
    this.untrack.delete(client.sessionId);
    this.releaseSocket(client);
    this.endedSessions.delete(client.sessionId);
  }

  /**
   * Rooms and clients gauges. Each room counts what it added itself and takes back no more
   * than that, so the gauges never go negative: a room whose onCreate failed or that
   * became a duplicate of a live room (never counted) is disposed without a decrement, and
   * a room disposed with clients still counted gives them back.
   */
  private countedAsLive = false;
  private countedClients = 0;

  protected countCreated(): void {
    if (this.countedAsLive) return;
    this.countedAsLive = true;
    this.deps.metrics.rooms.inc({ room: this.roomName });
  }

  protected countDisposed(): void {
    if (this.countedAsLive) {
      this.countedAsLive = false;
      this.deps.metrics.rooms.dec({ room: this.roomName });
    }
    if (this.countedClients > 0) {
      this.deps.metrics.clients.dec({ room: this.roomName }, this.countedClients);
      this.countedClients = 0;
    }
    for (const untrack of this.untrack.values()) untrack();
    this.untrack.clear();
  }

  protected countJoined(): void {
    this.countedClients++;
    this.deps.metrics.clients.inc({ room: this.roomName });
  }

  protected countLeft(): void {
    if (this.countedClients === 0) return;
    this.countedClients--;
    this.deps.metrics.clients.dec({ room: this.roomName });
  }

  /**
   * Colyseus hands every exception of a lifecycle hook or clock callback here (wrapped in
   * an OnCreateException, OnJoinException, ... whose `cause` is what was thrown). A refused
   * join (a JoinError: bad table id, seat taken, backend away) is logged by the error
   * boundary as what it is: a client mistake at info without a stack, an unavailable
   * backend with its cause, a fault with its stack. Everything else is classified the same.
   */
  override onUncaughtException(error: Error, methodName: string): void {
    const thrown = (error as { cause?: unknown }).cause ?? error;
    const context = { room: this.roomName, roomId: this.roomId, methodName };
    if (thrown instanceof JoinError) this.deps.errors.report(thrown.answer, thrown.cause, context);
    else this.deps.errors.handle(thrown, context);
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

/**
 * Builds a static `onAuth` that accepts only a live session's access token. A bad token
 * or a dead session is UNAUTHORIZED (an AppError from the session service); anything
 * else (Postgres or Redis away during the session lookup) is thrown as it is, so the
 * error boundary answers UNAVAILABLE and the SDK tries again instead of giving up.
 */
export function authenticateWith(deps: RoomDeps) {
  return async (token: string | undefined): Promise<RoomIdentity> => {
    const { sessionId, ...identity } = await deps.sessions.authenticate(token);
    return { ...identity, loginSessionId: sessionId };
  };
}

/**
 * A room's static `onAuth`: validates the join options (when the room has a schema for
 * them), accepts only a live session's access token, then runs the room's own `check` of
 * the options (a sale that ended, say), and turns any failure into the join error the
 * SDK reads (`"CODE: message"`).
 */
export function joinAuth<T = unknown>(deps: RoomDeps, options?: z.ZodType<T>, check?: (options: T) => Promise<void>) {
  const authenticate = authenticateWith(deps);
  return async (token: string | undefined, joinOptions: unknown): Promise<RoomIdentity> => {
    try {
      let value = joinOptions as T;
      if (options) {
        const parsed = options.safeParse(joinOptions);
        if (!parsed.success) throw validationError(parsed.error.issues, "join options");
        value = parsed.data;
      }
      const identity = await authenticate(token);
      await check?.(value);
      return identity;
    } catch (err) {
      // Static hooks never reach onUncaughtException: the matchmaker route, which called
      // this, logs the JoinError (with its cause) when it answers.
      throw toJoinError(err);
    }
  };
}
