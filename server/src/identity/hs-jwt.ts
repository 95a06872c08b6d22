import { createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";

/** Every Holdfast token is issued by this name; the audience says what kind it is. */
const ISSUER = "holdfast";

/**
 * HS256 JWTs of one audience (access, seat, admission tokens). The HMAC key is made once
 * as a KeyObject: given a string, jsonwebtoken first tries `createPublicKey(secret)`
 * (which throws) on every call before falling back to a secret key, about 7 % of a busy
 * node's CPU on the hold path.
 */
export class HsJwt {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly audience: string,
  ) {
    this.key = createSecretKey(Buffer.from(secret, "utf8"));
  }

  /** Signs `payload` (which carries its own `exp`, epoch seconds). */
  sign(payload: Record<string, unknown>): string {
    return jwt.sign(payload, this.key, { algorithm: "HS256", issuer: ISSUER, audience: this.audience });
  }

  /** The verified payload, or why not: `expired`, or `invalid` (signature, shape, issuer, audience). */
  verify(token: string): jwt.JwtPayload | "expired" | "invalid" {
    try {
      const payload = jwt.verify(token, this.key, { algorithms: ["HS256"], issuer: ISSUER, audience: this.audience });
      return typeof payload === "object" ? payload : "invalid";
    } catch (err) {
      return err instanceof jwt.TokenExpiredError ? "expired" : "invalid";
    }
  }
}
