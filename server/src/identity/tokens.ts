import { createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";

/** Claims of a Holdfast access token (HS256). */
export interface AccessClaims {
  sub: string;
  sid: string;
  name: string;
  roles: string[];
  /**
   * Set on tokens minted offline by `npm run token` (which knows JWT_SECRET but not the
   * database): the first use of such a token records its session, after which it is
   * checked and revocable like any other.
   */
  prv?: boolean;
}

const ISSUER = "holdfast";
const ACCESS_AUDIENCE = "holdfast:access";

/** Signs and verifies access tokens. Seat and admission tokens use their own audiences. */
export class AccessTokens {
  /**
   * The HMAC key as a KeyObject, made once. Given a string, jsonwebtoken first tries
   * `createPublicKey(secret)` (which throws) on every call before falling back to a
   * secret key: about 7 % of a busy node's CPU on the hold path.
   */
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, "utf8"));
  }

  sign(claims: AccessClaims, expiresAt: Date): string {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    return jwt.sign({ ...claims, exp }, this.key, { algorithm: "HS256", issuer: ISSUER, audience: ACCESS_AUDIENCE });
  }

  /** Throws UNAUTHORIZED with a message that says what was wrong. */
  verify(token: string): AccessClaims & { exp: number } {
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ["HS256"], issuer: ISSUER, audience: ACCESS_AUDIENCE });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError(ErrorCode.UNAUTHORIZED, "access token expired");
      throw new AppError(ErrorCode.UNAUTHORIZED, "access token invalid");
    }
    if (
      typeof payload !== "object" ||
      typeof payload.sub !== "string" ||
      typeof payload.sid !== "string" ||
      typeof payload.name !== "string" ||
      !Array.isArray(payload.roles)
    ) {
      throw new AppError(ErrorCode.UNAUTHORIZED, "access token invalid");
    }
    return {
      sub: payload.sub,
      sid: payload.sid,
      name: payload.name,
      roles: payload.roles.map(String),
      exp: typeof payload.exp === "number" ? payload.exp : 0,
      ...(payload.prv === true ? { prv: true } : {}),
    };
  }
}

/** Reads `Authorization: Bearer <token>`; undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}
