import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createAuthContext, matchMaker, ServerError } from "@colyseus/core";
import { ErrorCode, isErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { ErrorBoundary } from "../error-boundary.ts";
import { wrapRequestListeners, type FrontDoorOptions } from "../http/front-door.ts";
import { JoinSingleFlight } from "./join-single-flight.ts";
import { JoinError } from "./room-errors.ts";

/**
 * `POST /matchmake/...` answered by `matchmakeRoute` (the contract's errors) instead of
 * Colyseus's router. Install it first (innermost), right after `server.listen()`, so a
 * gate and the front door wrap it.
 */
export function installMatchmakeRoute(server: Server, o: Omit<FrontDoorOptions, "corsOrigins">): void {
  const matchmake = matchmakeRoute(o);
  wrapRequestListeners(server, (req, res, next) => {
    if (!matchmake(req, res)) next();
  });
}

/**
 * `POST /matchmake/:method/:roomName`, served here instead of by Colyseus's built-in
 * route, which answers failures as `{code, error}` with Colyseus's own statuses (520
 * unknown method or room, 522 unknown room id, 500 for anything unexpected). This one
 * calls the same matchmaker and answers:
 *
 * - success: the seat reservation, as Colyseus does;
 * - failure: the contract's body `{"error":{"code","message"}}` with a 4xx or 503 status,
 *   plus a top-level `message` `"CODE: message"`, which is what the Colyseus SDK reads
 *   into its MatchMakeError (and the Holdfast SDK parses back into `{code, message}`).
 *
 * Errors are logged by the error boundary: refused joins thrown by a room's static
 * `onAuth` here (they carry their cause); errors of a room's `onCreate` were already
 * logged by its `onUncaughtException`; Colyseus's own refusals as client mistakes.
 */
export function matchmakeRoute(o: {
  errors: ErrorBoundary;
  maxBodyBytes: number;
  /** The transport's protocol/fingerprint, copied into reservations like Colyseus does. */
  transport?: { protocol?: string; fingerprint?: unknown };
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prefix = `/${matchMaker.controller.matchmakeRoute}/`;
  const creations = new JoinSingleFlight();
  const watchedRoomTypes = new Set<string>();
  return (req, res) => {
    if (req.method !== "POST") return false;
    const path = (req.url ?? "").split("?")[0];
    if (!path.startsWith(prefix)) return false;
    void answer(req, res, path.slice(prefix.length)).catch((err: unknown) => {
      // Only a failure to write the response lands here.
      o.errors.handle(err, { path: "/matchmake" });
      if (!res.headersSent) reply(res, 500, new AppError(ErrorCode.INTERNAL, "internal error"));
    });
    return true;
  };

  async function answer(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const parts = rest.split("/");
    const method = parts[0];
    let roomName: string;
    try {
      roomName = decodeURIComponent(parts.slice(1).join("/"));
    } catch {
      return refuse(res, new AppError(ErrorCode.VALIDATION_FAILED, "malformed URL (bad percent-encoding)"));
    }
    if (!matchMaker.controller.exposedMethods.includes(method) || !roomName) {
      return refuse(res, new AppError(ErrorCode.NOT_FOUND, `no matchmaker method "${method}"`));
    }
    if (matchMaker.state === matchMaker.MatchMakerState.SHUTTING_DOWN) {
      return refuse(res, new AppError(ErrorCode.UNAVAILABLE, "this node is shutting down; try another"));
    }
    const body = await readJsonBody(req, o.maxBodyBytes);
    if (body instanceof AppError) return refuse(res, body);

    let reservation: Record<string, unknown>;
    try {
      const auth = createAuthContext({ headers: new Headers(req.headers as Record<string, string>), req, remoteAddress: req.socket.remoteAddress } as Parameters<typeof createAuthContext>[0]);
      if (method === "create") {
        const live = await liveRoomFor(roomName, body as Record<string, unknown>);
        if (live) return refuse(res, new AppError(ErrorCode.CONFLICT, `a live ${roomName} room exists for ${live}; join it instead`));
      }
      const call = matchMaker[method as "joinOrCreate"] as unknown as (room: string, options: unknown, auth: unknown) => Promise<Record<string, unknown>>;
      const join = () => call(roomName, body, auth);
      reservation = { ...(await (method === "joinOrCreate" ? creations.run(creationKey(roomName, body as Record<string, unknown>), join) : join())) };
    } catch (err) {
      return refuse(res, toMatchmakeAnswer(err, o.errors, { method, roomName }));
    }
    if (o.transport?.protocol !== undefined) reservation.protocol = o.transport.protocol;
    if (o.transport?.fingerprint !== undefined) reservation.fingerprint = o.transport.fingerprint;
    const json = JSON.stringify(reservation);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
    res.end(json);
  }

  function refuse(res: ServerResponse, error: AppError): void {
    sendMatchmakeError(res, error);
  }

  /** The room a joinOrCreate is for (its type and filterBy options), as JoinSingleFlight's key. */
  function creationKey(roomName: string, options: Record<string, unknown>): string {
    const handler = matchMaker.getHandler(roomName);
    if (!watchedRoomTypes.has(roomName)) {
      watchedRoomTypes.add(roomName);
      // A room that closes here is no longer known: the next joins of its key are led again.
      // Its filterBy options are in its listing's metadata (the table room keeps tableId there).
      handler.on("dispose", (room: { roomName: string; metadata?: Record<string, unknown> }) => {
        creations.forget(keyOf(room.roomName, handler.getFilterOptions(room.metadata ?? {})));
      });
    }
    return keyOf(roomName, handler.getFilterOptions(options));
  }
}

function keyOf(roomName: string, filterOptions: Record<string, unknown>): string {
  return `${roomName}\u0000${JSON.stringify(filterOptions)}`;
}

/**
 * Writes a matchmaker refusal: the contract's body plus the `"CODE: message"` the
 * Colyseus SDK reads. Anything that answers `/matchmake` (a gate in front) should use it.
 */
export function sendMatchmakeError(res: ServerResponse, error: AppError): void {
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  reply(res, error.status, error);
}

function reply(res: ServerResponse, status: number, error: AppError): void {
  const json = JSON.stringify({ error: error.toBody(), message: `${error.code}: ${error.message}` });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

/**
 * What a matchmaker failure is answered with (and logged as, when nobody logged it yet).
 * Exported for tests.
 */
export function toMatchmakeAnswer(err: unknown, errors: ErrorBoundary, context: Record<string, unknown>): AppError {
  // A room's static onAuth refused the join: the answer is decided, the cause not logged yet.
  if (err instanceof JoinError) {
    errors.report(err.answer, err.cause, { ...context, room: context.roomName });
    return err.answer;
  }
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | null;
  const message = typeof e?.message === "string" ? e.message : "";
  // "CODE: message" from a room's onCreate (through Colyseus, which keeps only code and
  // message): onUncaughtException logged it with its cause already.
  const prefixed = /^([A-Z_]+): ([\s\S]*)$/.exec(message);
  if (prefixed && isErrorCode(prefixed[1]) && err instanceof ServerError) {
    return new AppError(prefixed[1], prefixed[2]);
  }
  const known = colyseusRefusal(e?.code, e?.name, message);
  if (known) {
    errors.report(known, err, { ...context, room: context.roomName });
    return known;
  }
  return errors.handle(err, { ...context, room: context.roomName });
}

/**
 * `create` for a room type keyed by its options (`table` by tableId, `sale` by saleId)
 * when a room with those keys is live: Colyseus would hand the caller the live room
 * (or fail half-way); it is a conflict. Returns the keys, or undefined.
 */
async function liveRoomFor(roomName: string, options: Record<string, unknown>): Promise<string | undefined> {
  const handler = matchMaker.getHandler(roomName); // unknown room type: 520, answered NOT_FOUND
  const keys = handler.getFilterOptions(options) as Record<string, unknown>;
  if (Object.keys(keys).length === 0) return undefined;
  const rooms = await matchMaker.query({ name: roomName, ...keys });
  return rooms.length > 0 ? JSON.stringify(keys) : undefined;
}

/** Colyseus's own matchmaker errors (`@colyseus/shared-types` ErrorCode) in contract terms. */
function colyseusRefusal(code: unknown, name: unknown, message: string): AppError | undefined {
  if (name === "SeatReservationError") return new AppError(ErrorCode.UNAVAILABLE, "the room went away while reserving a seat; try again");
  switch (code) {
    case 520: // MATCHMAKE_NO_HANDLER: unknown room name or method
      return new AppError(ErrorCode.NOT_FOUND, message || "no such room type");
    case 521: // MATCHMAKE_INVALID_CRITERIA: `join` found no room
      return new AppError(ErrorCode.NOT_FOUND, "no room matches; use joinOrCreate");
    case 522: // MATCHMAKE_INVALID_ROOM_ID: unknown, disposed or locked room id
      return /locked/.test(message)
        ? new AppError(ErrorCode.CONFLICT, message)
        : new AppError(ErrorCode.NOT_FOUND, message || "no such room");
    case 524: // MATCHMAKE_EXPIRED: reconnection token or seat reservation expired
      return new AppError(ErrorCode.NOT_FOUND, message || "reservation expired");
    case 525: // AUTH_FAILED
      return new AppError(ErrorCode.UNAUTHORIZED, "authentication failed");
    case 4217: // INVALID_PAYLOAD
      return new AppError(ErrorCode.VALIDATION_FAILED, message || "invalid options");
    case 523: // MATCHMAKE_UNHANDLED: no process available, remote room timed out, shutting down
      return /must be provided/.test(message)
        ? new AppError(ErrorCode.VALIDATION_FAILED, message)
        : new AppError(ErrorCode.UNAVAILABLE, "the matchmaker could not place you now; try again");
  }
  return undefined;
}

/** The JSON options of a matchmake call: `{}` when empty; an AppError when unreadable. */
function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve) => {
    const encoding = req.headers["content-encoding"];
    if (encoding && encoding !== "identity") {
      req.resume();
      return resolve(new AppError(ErrorCode.VALIDATION_FAILED, "unsupported request body encoding"));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: unknown) => {
      if (done) return;
      done = true;
      resolve(value);
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        finish(new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", () => finish(new AppError(ErrorCode.VALIDATION_FAILED, "request aborted")));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (!text) return finish({});
      try {
        const parsed: unknown = JSON.parse(text);
        finish(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : new AppError(ErrorCode.VALIDATION_FAILED, "options must be a JSON object"));
      } catch {
        finish(new AppError(ErrorCode.VALIDATION_FAILED, "request body is not valid JSON"));
      }
    });
  });
}
