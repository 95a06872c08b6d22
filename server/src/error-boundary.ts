import { ErrorCode } from "@holdfast/shared";
import { AppError, isAppError } from "./errors.ts";
import type { Logger } from "./logger.ts";

/**
 * The server's one error boundary, shared by the HTTP error middleware, the matchmaker
 * route and every room (joins, commands, uncaught room exceptions). It decides two things
 * for anything thrown:
 *
 * - what the client is answered (`classify`): a known AppError keeps its code; an
 *   infrastructure fault (Postgres or Redis unreachable, a connection dropped, a timed-out
 *   backend call) becomes UNAVAILABLE (503: retry); a malformed request that a library
 *   rejected (bad percent-encoding, an undecodable body) becomes VALIDATION_FAILED or
 *   PAYLOAD_TOO_LARGE; anything else is a fault, INTERNAL (500), answered without details.
 * - how it is logged (`report`): faults at error level with their stack; infrastructure
 *   faults at warn with their cause (message and code, no stack); client mistakes
 *   (4xx: a bad table id, a failed join) at info without a stack. Each kind of line is
 *   throttled: the first is written, repeats within `throttleMs` are counted and the count
 *   is written with the next line, so a flood of bad joins cannot flood the log.
 */
export class ErrorBoundary {
  private readonly throttle: LogThrottle;

  constructor(
    private readonly logger: Logger,
    options: { throttleMs?: number } = {},
  ) {
    this.throttle = new LogThrottle(options.throttleMs ?? 10_000);
  }

  /** Classifies `err`, logs it once as its kind deserves, and returns what to answer. */
  handle(err: unknown, context: Record<string, unknown> = {}): AppError {
    const answer = classify(err);
    this.report(answer, err, context);
    return answer;
  }

  /**
   * Logs an already classified error: `answer` is what the client got, `cause` what was
   * thrown (the same object for a plain AppError).
   */
  report(answer: AppError, cause: unknown, context: Record<string, unknown> = {}): void {
    if (answer.code === ErrorCode.INTERNAL) {
      const key = `internal:${describe(cause).message}`;
      const suppressed = this.throttle.admit(key);
      if (suppressed !== undefined) this.logger.error({ err: cause, ...context, ...repeats(suppressed) }, "internal error");
      return;
    }
    if (answer.code === ErrorCode.UNAVAILABLE && !isAppError(cause)) {
      const c = describe(cause);
      const suppressed = this.throttle.admit(`unavailable:${c.code ?? c.message}`);
      if (suppressed !== undefined) {
        this.logger.warn({ cause: c, ...context, ...repeats(suppressed) }, "backend unavailable; answered UNAVAILABLE");
      }
      return;
    }
    // A known condition (a client mistake, a draining node): one info line, no stack.
    const suppressed = this.throttle.admit(`client:${answer.code}`);
    if (suppressed !== undefined) {
      this.logger.info({ code: answer.code, message: answer.message, ...context, ...repeats(suppressed) }, "request refused");
    }
  }
}

/** What to answer for anything thrown (see ErrorBoundary). Pure: no logging. */
export function classify(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (isInfrastructureFault(err)) return new AppError(ErrorCode.UNAVAILABLE, "a backend is unavailable; try again");
  const malformed = malformedRequest(err);
  if (malformed) return malformed;
  return new AppError(ErrorCode.INTERNAL, "internal error");
}

/** Node socket errors that mean "the backend is not there (right now)". */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Postgres SQLSTATEs of a server that cannot serve now: class 08 (connection exception),
 * 57P01-57P05 (shutdown, crash, cannot connect now, idle timeouts), 53300 (too many
 * connections), 3D000 (the database is gone).
 */
const PG_UNAVAILABLE = /^(08...|57P0[1-5]|53300|3D000)$/;

/** Messages of pg, ioredis (one server or a cluster) and our own timeouts when a backend is away. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/i, // pg: server closed the connection
  /timeout exceeded when trying to connect/i, // pg pool
  /Client has encountered a connection error and is not queryable/i, // pg
  /Cannot use a pool after calling end on the pool/i, // pg, shutting down
  /^Connection is closed\.?$/i, // ioredis
  /Stream isn't writeable/i, // ioredis without offline queue
  /Reached the max retries per request limit/i, // ioredis MaxRetriesPerRequestError
  /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/, // Redis replies of a server not ready
  // ioredis Cluster giving up while a primary is down or its slots move (the reply it
  // last got follows: CLUSTERDOWN, MOVED, a refused connection).
  /^Too many Cluster redirections/i,
  /^Failed to refresh slots cache/i,
  /^None of startup nodes is available/i,
  /^Cluster isn't ready and enableOfflineQueue options is false/i,
  /\btimed out after \d+ ms$/, // withTimeout around backend calls
];

/** True for errors that mean Postgres or Redis is unreachable, not that the request is wrong. */
export function isInfrastructureFault(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code, message } = describe(e);
    if (name === "MaxRetriesPerRequestError") return true;
    if (code && (NETWORK_CODES.has(code) || PG_UNAVAILABLE.test(code))) return true;
    if (UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
  }
  return false;
}

/**
 * Requests that a library refused before our code ran: express's router cannot decode a
 * path parameter (`%E0%A4%A`), body-parser cannot inflate or decode a body. They carry an
 * http-errors status (4xx, `expose`); they are the client's mistake, never a 500.
 */
function malformedRequest(err: unknown): AppError | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; type?: unknown } | null;
  const status = Number(e?.status ?? e?.statusCode);
  if (!Number.isInteger(status) || status < 400 || status > 499) return undefined;
  switch (e?.type) {
    case "entity.parse.failed":
      return new AppError(ErrorCode.VALIDATION_FAILED, "request body is not valid JSON");
    case "entity.too.large":
      return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "request body is too large");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError(ErrorCode.VALIDATION_FAILED, "unsupported request body encoding");
    case "request.aborted":
      return new AppError(ErrorCode.VALIDATION_FAILED, "request aborted");
  }
  if (status === 413) return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "request body is too large");
  if (status === 404) return new AppError(ErrorCode.NOT_FOUND, "not found");
  if (err instanceof URIError || /decode param/i.test(String((err as Error).message))) {
    return new AppError(ErrorCode.VALIDATION_FAILED, "malformed URL (bad percent-encoding)");
  }
  return new AppError(ErrorCode.VALIDATION_FAILED, "malformed request (the body could not be read)");
}

function describe(err: unknown): { name?: string; code?: string; message: string } {
  if (err && typeof err === "object") {
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    return {
      name: typeof e.name === "string" ? e.name : undefined,
      code: typeof e.code === "string" ? e.code : undefined,
      message: typeof e.message === "string" ? e.message : String(err),
    };
  }
  return { message: String(err) };
}

const repeats = (suppressed: number) => (suppressed > 0 ? { repeatsSinceLastLine: suppressed } : {});

/**
 * At most one log line per key every `windowMs`. `admit` returns undefined when the line
 * must be dropped, otherwise how many lines of this key were dropped since the last one.
 * Bounded: past `maxKeys` keys the table is cleared (a flood of distinct keys only costs
 * some extra lines).
 */
export class LogThrottle {
  private readonly keys = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  admit(key: string): number | undefined {
    const now = this.now();
    const entry = this.keys.get(key);
    if (entry && entry.until > now) {
      entry.suppressed++;
      return undefined;
    }
    if (!entry && this.keys.size >= this.maxKeys) this.keys.clear();
    const suppressed = entry?.suppressed ?? 0;
    this.keys.set(key, { until: now + this.windowMs, suppressed: 0 });
    return suppressed;
  }
}
