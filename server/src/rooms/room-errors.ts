import { ServerError } from "@colyseus/core";
import { ErrorCode, httpStatusOf, type ErrorBody } from "@holdfast/shared";
import { AppError, isAppError } from "../errors.ts";

/**
 * Colyseus carries join/auth failures as `ServerError(numeric code, message)`. We keep
 * the HTTP-like status as the number and put the contract's code at the front of the
 * message (`"SEAT_TAKEN: seat 3 is taken"`); the SDK splits it back into `{code, message}`.
 */
export function toJoinError(err: unknown): ServerError {
  const app = isAppError(err) ? err : new AppError(ErrorCode.INTERNAL, "internal error");
  return new ServerError(app.status, `${app.code}: ${app.message}`);
}

/** The `{code, message}` a failed room request is rejected with. */
export function toReplyError(err: unknown): ErrorBody {
  return isAppError(err) ? err.toBody() : { code: ErrorCode.INTERNAL, message: "internal error" };
}

export { httpStatusOf };
