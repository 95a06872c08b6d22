import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { HsJwt } from "../identity/hs-jwt.ts";

/**
 * Admission tokens: short-lived HS256 JWTs (audience `holdfast:admission`) bound to one
 * user (`sub`) and one sale (`sale`), expiring with the admission (ADMISSION_TTL_SECONDS
 * after it). The token is the buyer's proof at `POST /api/holds`; the queue store's own
 * record (claim.lua) is checked as well, so a lapsed admission fails even if a token
 * were still within its last second.
 */
export class AdmissionTokens {
  private readonly jwt: HsJwt;

  constructor(secret: string) {
    this.jwt = new HsJwt(secret, "holdfast:admission");
  }

  sign(claims: { userId: string; saleId: string; admittedUntil: number }): string {
    return this.jwt.sign({ sub: claims.userId, sale: claims.saleId, exp: Math.ceil(claims.admittedUntil / 1000) });
  }

  /** Throws NOT_ADMITTED saying what was wrong. */
  verify(token: string, expected: { userId: string; saleId: string }): { exp: number } {
    const payload = this.jwt.verify(token);
    if (payload === "expired") throw new AppError(ErrorCode.NOT_ADMITTED, "admission token expired");
    if (payload === "invalid" || typeof payload.exp !== "number") {
      throw new AppError(ErrorCode.NOT_ADMITTED, "admission token invalid");
    }
    if (payload.sale !== expected.saleId) throw new AppError(ErrorCode.NOT_ADMITTED, `admission token is not for sale ${expected.saleId}`);
    if (payload.sub !== expected.userId) throw new AppError(ErrorCode.NOT_ADMITTED, "admission token belongs to another user");
    return { exp: payload.exp };
  }
}
