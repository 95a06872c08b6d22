import { createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";

const ISSUER = "holdfast";
const AUDIENCE = "holdfast:admission";

/**
 * Admission tokens: short-lived HS256 JWTs (audience `holdfast:admission`) bound to one
 * user (`sub`) and one sale (`sale`), expiring with the admission (ADMISSION_TTL_SECONDS
 * after it). The token is the buyer's proof at `POST /api/holds`; the queue store's own
 * record (claim.lua) is checked as well, so a lapsed admission fails even if a token
 * were still within its last second.
 */
export class AdmissionTokens {
  /** The HMAC key, made once (a string secret costs jsonwebtoken a failed createPublicKey per call; see AccessTokens). */
  private readonly secret: KeyObject;

  constructor(secret: string) {
    this.secret = createSecretKey(Buffer.from(secret, "utf8"));
  }

  sign(claims: { userId: string; saleId: string; admittedUntil: number }): string {
    return jwt.sign({ sub: claims.userId, sale: claims.saleId, exp: Math.ceil(claims.admittedUntil / 1000) }, this.secret, {
      algorithm: "HS256",
      issuer: ISSUER,
      audience: AUDIENCE,
    });
  }

  /** Throws NOT_ADMITTED saying what was wrong. */
  verify(token: string, expected: { userId: string; saleId: string }): { exp: number } {
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, this.secret, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError(ErrorCode.NOT_ADMITTED, "admission token expired");
      throw new AppError(ErrorCode.NOT_ADMITTED, "admission token invalid");
    }
    if (typeof payload !== "object" || typeof payload.exp !== "number") {
      throw new AppError(ErrorCode.NOT_ADMITTED, "admission token invalid");
    }
    if (payload.sale !== expected.saleId) throw new AppError(ErrorCode.NOT_ADMITTED, `admission token is not for sale ${expected.saleId}`);
    if (payload.sub !== expected.userId) throw new AppError(ErrorCode.NOT_ADMITTED, "admission token belongs to another user");
    return { exp: payload.exp };
  }
}
