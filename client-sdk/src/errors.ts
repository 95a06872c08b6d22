import { ErrorCode } from "@holdfast/shared";

/**
 * Codes the SDK gives failures that never got an answer from the server (every other
 * code is the server's, as it sent it).
 */
export const ClientErrorCode = {
  /** No answer: the socket closed, the server could not be reached, or the answer never came. */
  DISCONNECTED: "DISCONNECTED",
  /** A wait the app asked for (`waitForTicket`, say) ran out. */
  TIMEOUT: "TIMEOUT",
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/**
 * An error's code: one of the contract's `ErrorCode`s, one of the SDK's own
 * `ClientErrorCode`s, or a code this SDK version does not know yet (a newer server),
 * kept exactly as the server sent it.
 */
export type HoldfastErrorCode = ErrorCode | ClientErrorCode | (string & {});

/**
 * Which codes are worth trying again, and after how long (ms) at least. Decided by the
 * code: `DISCONNECTED` once the connection is back (the SDK re-sends commands itself,
 * with the same `cid`); `UNAVAILABLE` (an infrastructure fault, a table moving between
 * nodes) and `RATE_LIMITED` after a pause. Everything else is an answer: repeating the
 * same call gets the same answer.
 */
const RETRY_AFTER_MS: Readonly<Record<string, number>> = {
  [ClientErrorCode.DISCONNECTED]: 0,
  [ErrorCode.UNAVAILABLE]: 1000,
  [ErrorCode.RATE_LIMITED]: 1000,
};

/** HTTP statuses that say "try again later" when the code itself is unknown to this SDK. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** A code of the contract or of the SDK (as opposed to one from a newer server). */
function isKnownCode(code: string): boolean {
  return Object.hasOwn(ErrorCode, code) || Object.hasOwn(ClientErrorCode, code);
}

/** What the server's `Retry-After` header (seconds) says, if anything. */
function retryAfterHeaderMs(value: string | null | undefined): number | undefined {
  const seconds = Number(value);
  return value && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

const CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;

/** The SDK's one error type: `code` is the server's code as sent (or a `ClientErrorCode`). */
export class HoldfastError extends Error {
  readonly code: HoldfastErrorCode;
  /** The HTTP status (or the join failure's status), when there was one. */
  readonly status?: number;
  /** Whether trying again later can succeed; see `retryAfterMs`. */
  readonly retryable: boolean;
  /** When `retryable`: wait at least this long first (the server's Retry-After when it sent one). */
  readonly retryAfterMs?: number;

  constructor(code: HoldfastErrorCode, message: string, options: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.name = "HoldfastError";
    this.code = code;
    this.status = options.status;
    const byCode = RETRY_AFTER_MS[code];
    if (byCode !== undefined) {
      this.retryable = true;
      this.retryAfterMs = options.retryAfterMs ?? byCode;
    } else if (!isKnownCode(code) && options.status !== undefined && RETRYABLE_STATUS.has(options.status)) {
      // A code from a newer server: the status still says whether to come back later.
      this.retryable = true;
      this.retryAfterMs = options.retryAfterMs ?? 1000;
    } else {
      this.retryable = false;
    }
  }

  /** True when the call got no answer (the socket dropped, the server was unreachable). */
  get disconnected(): boolean {
    return this.code === ClientErrorCode.DISCONNECTED;
  }

  /**
   * Normalises what the server and the Colyseus SDK throw: a rejected room request
   * (`reason: {code, message}`), a join failure whose message reads `"CODE: message"`,
   * or a transport failure (no answer: `DISCONNECTED`). Codes are kept as sent.
   */
  static from(err: unknown): HoldfastError {
    if (err instanceof HoldfastError) return err;
    const e = err as { name?: string; reason?: unknown; message?: string; code?: unknown; status?: number } | null;
    const reason = e?.reason as { code?: unknown; message?: unknown; retryAfterMs?: unknown } | undefined;
    if (e?.name === "rejected" && reason && typeof reason.code === "string") {
      const retryAfterMs = typeof reason.retryAfterMs === "number" ? reason.retryAfterMs : undefined;
      return new HoldfastError(reason.code, String(reason.message ?? reason.code), { retryAfterMs });
    }
    if (e?.name === "no_handler") {
      return new HoldfastError(ErrorCode.VALIDATION_FAILED, String(e.message ?? "unknown command"));
    }
    const message = typeof e?.message === "string" ? e.message : String(err);
    const status = typeof e?.code === "number" ? e.code : typeof e?.status === "number" ? e.status : undefined;
    const match = /^([A-Za-z0-9_]+): ([\s\S]*)$/.exec(message);
    if (match && CODE_PATTERN.test(match[1])) return new HoldfastError(match[1], match[2], { status });
    if (e?.name === "ServerError" || e?.name === "MatchMakeError") {
      // The matchmaker's own refusals (no room, an expired seat reservation): a table
      // between rooms or nodes. Worth another try shortly.
      return new HoldfastError(ErrorCode.UNAVAILABLE, message, { status });
    }
    return new HoldfastError(ClientErrorCode.DISCONNECTED, message);
  }

  /** An HTTP error response: the body's `error.code` as sent, else a code fitting the status. */
  static fromResponse(status: number, body: unknown, headers?: { get(name: string): string | null }): HoldfastError {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === "string" && error.code ? error.code : codeForStatus(status);
    const retryAfterMs = retryAfterHeaderMs(headers?.get("retry-after"));
    return new HoldfastError(code, String(error?.message ?? `HTTP ${status}`), { status, retryAfterMs });
  }
}

/** For a response without a Holdfast error body (a proxy's page, say). */
function codeForStatus(status: number): HoldfastErrorCode {
  if (status === 401) return ErrorCode.UNAUTHORIZED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 413) return ErrorCode.PAYLOAD_TOO_LARGE;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  if (status === 502 || status === 503 || status === 504) return ErrorCode.UNAVAILABLE;
  if (status >= 500) return ErrorCode.INTERNAL;
  return `HTTP_${status}`;
}
