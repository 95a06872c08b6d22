import { ErrorCode, httpStatusOf, type ErrorBody } from "@holdfast/shared";

/**
 * The one error type of the server. Services throw it; the express error middleware
 * and each room's reply path turn it into `{code, message}`. Anything else that
 * escapes is a fault: logged, and answered as INTERNAL without details.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  /** Extra response headers (Retry-After for RATE_LIMITED, say). */
  readonly headers?: Record<string, string>;
  /** With RATE_LIMITED: the retry hint sent to the client. */
  readonly retryAfterMs?: number;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; headers?: Record<string, string>; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = httpStatusOf[code];
    this.details = options.details;
    this.headers = options.headers;
    this.retryAfterMs = options.retryAfterMs;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    return body;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Turns a zod error into a VALIDATION_FAILED AppError with a readable message. */
export function validationError(issues: { path: PropertyKey[]; message: string }[], what = "request"): AppError {
  const first = issues[0];
  const where = first && first.path.length > 0 ? `${first.path.map(String).join(".")}: ` : "";
  return new AppError(ErrorCode.VALIDATION_FAILED, `invalid ${what}: ${where}${first?.message ?? "bad input"}`, {
    details: issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
  });
}

export { ErrorCode };

/**
 * A command turned away by a full or slow queue. It was not applied, so a repeat with the
 * same `cid` must run again (CommandReplies does not keep it), and `retryAfterMs` says
 * when the queue is likely to have room.
 */
export class CommandRefused extends AppError {
  constructor(code: typeof ErrorCode.RATE_LIMITED | typeof ErrorCode.UNAVAILABLE, message: string, retryAfterMs: number) {
    super(code, message, { retryAfterMs });
  }
}
