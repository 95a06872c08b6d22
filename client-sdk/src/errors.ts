import { ErrorCode, isErrorCode } from "@holdfast/shared";

/** The SDK's one error type: `code` is the contract's error code. */
export class HoldfastError extends Error {
  readonly code: ErrorCode;
  readonly status?: number;
  /** With RATE_LIMITED from a room: how long to wait before sending again. */
  retryAfterMs?: number;

  constructor(code: ErrorCode, message: string, status?: number) {
    super(message);
    this.name = "HoldfastError";
    this.code = code;
    this.status = status;
  }

  /**
   * Normalises what the server and the Colyseus SDK throw: an HTTP error body, a
   * rejected room request (`reason: {code, message}`), or a join failure whose message
   * reads `"CODE: message"`.
   */
  static from(err: unknown): HoldfastError {
    if (err instanceof HoldfastError) return err;
    const e = err as { name?: string; reason?: unknown; message?: string; code?: unknown; status?: number } | null;
    const reason = e?.reason as { code?: unknown; message?: unknown; retryAfterMs?: unknown } | undefined;
    if (e?.name === "rejected" && reason && isErrorCode(reason.code)) {
      const error = new HoldfastError(reason.code, String(reason.message ?? reason.code));
      if (typeof reason.retryAfterMs === "number") error.retryAfterMs = reason.retryAfterMs;
      return error;
    }
    if (e?.name === "no_handler") {
      return new HoldfastError(ErrorCode.VALIDATION_FAILED, String(e.message ?? "unknown command"));
    }
    const message = typeof e?.message === "string" ? e.message : String(err);
    const match = /^([A-Z_]+): ([\s\S]*)$/.exec(message);
    if (match && isErrorCode(match[1])) {
      return new HoldfastError(match[1], match[2], typeof e?.code === "number" ? e.code : undefined);
    }
    return new HoldfastError(ErrorCode.UNAVAILABLE, message);
  }
}
