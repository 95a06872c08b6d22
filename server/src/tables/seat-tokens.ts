import { randomUUID } from "node:crypto";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { HsJwt } from "../identity/hs-jwt.ts";

/** Claims of a seat token: bound to user, table, seat and a token id. */
export interface SeatClaims {
  sub: string;
  tbl: string;
  seat: number;
  jti: string;
  exp: number;
}

/**
 * Seat tokens are HS256 JWTs. The token id (`jti`) is also stored in the seat, so a
 * released or re-issued seat kills every older token even before it expires.
 */
export class SeatTokens {
  private readonly jwt: HsJwt;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.jwt = new HsJwt(secret, "holdfast:seat");
  }

  newTokenId(): string {
    return randomUUID();
  }

  sign(claims: { userId: string; tableId: string; seat: number; tokenId: string }, now = Date.now()): { token: string; expiresAt: Date } {
    const exp = Math.floor(now / 1000) + this.ttlSeconds;
    const token = this.jwt.sign({ sub: claims.userId, tbl: claims.tableId, seat: claims.seat, jti: claims.tokenId, exp });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Checks signature and expiry, then that the token is for this table and this user.
   * Whether it is still the seat's current token is the room's check (it owns the seat).
   */
  verify(token: string, expected: { tableId: string; userId: string }): SeatClaims {
    const payload = this.jwt.verify(token);
    if (payload === "expired") throw new AppError(ErrorCode.SEAT_TOKEN_EXPIRED, "seat token expired");
    if (
      payload === "invalid" ||
      typeof payload.sub !== "string" ||
      typeof payload.tbl !== "string" ||
      typeof payload.seat !== "number" ||
      typeof payload.jti !== "string" ||
      typeof payload.exp !== "number"
    ) {
      throw new AppError(ErrorCode.SEAT_TOKEN_INVALID, "seat token invalid");
    }
    if (payload.tbl !== expected.tableId) {
      throw new AppError(ErrorCode.SEAT_TOKEN_WRONG_TABLE, `seat token is for table ${payload.tbl}, not ${expected.tableId}`);
    }
    if (payload.sub !== expected.userId) throw new AppError(ErrorCode.SEAT_TOKEN_WRONG_USER, "seat token belongs to another user");
    return { sub: payload.sub, tbl: payload.tbl, seat: payload.seat, jti: payload.jti, exp: payload.exp };
  }

  /** Seconds left before `claims` expire; heartbeats re-issue past half of the lifetime. */
  needsRefresh(expiresAtMs: number, now = Date.now()): boolean {
    return expiresAtMs - now < (this.ttlSeconds * 1000) / 2;
  }
}
