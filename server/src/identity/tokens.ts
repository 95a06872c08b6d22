import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { HsJwt } from "./hs-jwt.ts";

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

/** Signs and verifies access tokens. Seat and admission tokens use their own audiences. */
export class AccessTokens {
  private readonly jwt: HsJwt;

  constructor(secret: string) {
    this.jwt = new HsJwt(secret, "holdfast:access");
  }

  sign(claims: AccessClaims, expiresAt: Date): string {
    return this.jwt.sign({ ...claims, exp: Math.floor(expiresAt.getTime() / 1000) });
  }

  /** Throws UNAUTHORIZED with a message that says what was wrong. */
  verify(token: string): AccessClaims & { exp: number } {
    const payload = this.jwt.verify(token);
    if (payload === "expired") throw new AppError(ErrorCode.UNAUTHORIZED, "access token expired");
    if (
      payload === "invalid" ||
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
