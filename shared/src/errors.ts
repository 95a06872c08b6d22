/**
 * Error codes of the public contract. Every HTTP error body and every failed room
 * reply carries one of these as `code`.
 */
export const ErrorCode = {
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  VALIDATION_FAILED: "VALIDATION_FAILED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  RATE_LIMITED: "RATE_LIMITED",
  /** The user has as many sockets in this room as the limit allows (ROOM_LIMITS.socketsPerUser). */
  TOO_MANY_CONNECTIONS: "TOO_MANY_CONNECTIONS",
  SEAT_TAKEN: "SEAT_TAKEN",
  SEAT_INVALID: "SEAT_INVALID",
  NOT_SEATED: "NOT_SEATED",
  ALREADY_SEATED: "ALREADY_SEATED",
  SEAT_TOKEN_INVALID: "SEAT_TOKEN_INVALID",
  SEAT_TOKEN_EXPIRED: "SEAT_TOKEN_EXPIRED",
  /** The seat token was issued for another table. */
  SEAT_TOKEN_WRONG_TABLE: "SEAT_TOKEN_WRONG_TABLE",
  /** The seat token belongs to another user than the session's. */
  SEAT_TOKEN_WRONG_USER: "SEAT_TOKEN_WRONG_USER",
  /** The seat was released (stand, grace expired) or re-issued: this token is dead. */
  SEAT_TOKEN_REVOKED: "SEAT_TOKEN_REVOKED",
  /** The table's multi-tab policy is `reject` and the seat is connected elsewhere. */
  SEAT_IN_USE: "SEAT_IN_USE",
  TABLE_FULL: "TABLE_FULL",
  SPECTATORS_FULL: "SPECTATORS_FULL",
  NOT_YOUR_TURN: "NOT_YOUR_TURN",
  ILLEGAL_ACTION: "ILLEGAL_ACTION",
  SOLD_OUT: "SOLD_OUT",
  HOLD_LIMIT: "HOLD_LIMIT",
  NOT_ADMITTED: "NOT_ADMITTED",
  HOLD_NOT_FOUND: "HOLD_NOT_FOUND",
  HOLD_EXPIRED: "HOLD_EXPIRED",
  ORDER_NOT_FOUND: "ORDER_NOT_FOUND",
  ORDER_STATE_CONFLICT: "ORDER_STATE_CONFLICT",
  IDEMPOTENCY_CONFLICT: "IDEMPOTENCY_CONFLICT",
  SIGNATURE_INVALID: "SIGNATURE_INVALID",
  SALE_NOT_OPEN: "SALE_NOT_OPEN",
  /** Dining: the dish is not on the menu of the table's branch. */
  NOT_ON_MENU: "NOT_ON_MENU",
  /** A payment arrived after the order's `expiresAt`: refused, the order expired (refund). */
  ORDER_EXPIRED: "ORDER_EXPIRED",
  /** A payment's amount or currency differs from the order's: refused, order untouched (refund). */
  PAYMENT_MISMATCH: "PAYMENT_MISMATCH",
  CONFLICT: "CONFLICT",
  UNAVAILABLE: "UNAVAILABLE",
  INTERNAL: "INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The `{code, message}` pair every failure carries on the wire. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
  /** With RATE_LIMITED: how long to wait before the next attempt is likely to pass. */
  retryAfterMs?: number;
}

/** HTTP status that fits each code; the server uses it, clients may rely on it. */
export const httpStatusOf: Record<ErrorCode, number> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  TOO_MANY_CONNECTIONS: 429,
  SEAT_TAKEN: 409,
  SEAT_INVALID: 400,
  NOT_SEATED: 409,
  ALREADY_SEATED: 409,
  SEAT_TOKEN_INVALID: 401,
  SEAT_TOKEN_EXPIRED: 401,
  SEAT_TOKEN_WRONG_TABLE: 403,
  SEAT_TOKEN_WRONG_USER: 403,
  SEAT_TOKEN_REVOKED: 410,
  SEAT_IN_USE: 409,
  TABLE_FULL: 409,
  SPECTATORS_FULL: 409,
  NOT_YOUR_TURN: 409,
  ILLEGAL_ACTION: 409,
  SOLD_OUT: 409,
  HOLD_LIMIT: 409,
  NOT_ADMITTED: 403,
  HOLD_NOT_FOUND: 404,
  HOLD_EXPIRED: 410,
  ORDER_NOT_FOUND: 404,
  ORDER_STATE_CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 422,
  SIGNATURE_INVALID: 401,
  SALE_NOT_OPEN: 409,
  NOT_ON_MENU: 409,
  ORDER_EXPIRED: 410,
  PAYMENT_MISMATCH: 422,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ErrorCode, value);
}
