import { ServerError } from "@colyseus/core";
import { httpStatusOf, type ErrorBody } from "@holdfast/shared";
import type { AppError } from "../errors.ts";
import { classify } from "../error-boundary.ts";

/**
 * A refused join (onAuth, onCreate, onJoin). Colyseus carries join failures as
 * `ServerError(numeric code, message)`: we keep the HTTP-like status as the number and put
 * the contract's code at the front of the message (`"SEAT_TAKEN: seat 3 is taken"`); the
 * SDK splits it back into `{code, message}`. `answer` is what the client gets and `cause`
 * what was thrown, so the room's error boundary can log the cause (once) after Colyseus
 * hands the error to `onUncaughtException`.
 */
export class JoinError extends ServerError {
  constructor(
    readonly answer: AppError,
    cause: unknown,
  ) {
    super(answer.status, `${answer.code}: ${answer.message}`, { cause });
    this.name = "JoinError";
  }
}

/**
 * The join error for anything thrown: known AppErrors keep their code, infrastructure
 * faults (Postgres or Redis away) become UNAVAILABLE, anything else INTERNAL.
 */
export function toJoinError(err: unknown): JoinError {
  if (err instanceof JoinError) return err;
  return new JoinError(classify(err), err);
}

/** The `{code, message}` a failed room request is rejected with (classified like joins). */
export function toReplyError(err: unknown): ErrorBody {
  return classify(err).toBody();
}

export { httpStatusOf };
