import { createHmac, timingSafeEqual } from "node:crypto";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";

/** How far `t` may be from now, in seconds. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `X-Holdfast-Signature` value for `rawBody` at unix time `t` (what a payment provider sends). */
export function signPayload(secret: string, rawBody: string | Buffer, t = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac("sha256", secret).update(`${t}.`).update(rawBody).digest("hex");
  return `t=${t},v1=${mac}`;
}

/**
 * Checks `t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`. Several `v1` values
 * are accepted (secret rotation on the sender's side). Throws 401 SIGNATURE_INVALID; with
 * no secret configured every call is refused.
 */
export function verifySignature(secret: string | undefined, header: string | undefined, rawBody: Buffer, nowMs = Date.now()): void {
  const invalid = (why: string) => new AppError(ErrorCode.SIGNATURE_INVALID, `payment signature ${why}`);
  if (!secret) throw invalid("cannot be checked: PAYMENT_WEBHOOK_SECRET is not configured");
  if (!header) throw invalid("missing");
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.trim().split("=", 2);
    if (k === "t" && /^\d{1,12}$/.test(v ?? "")) t = Number(v);
    else if (k === "v1" && /^[0-9a-f]{64}$/i.test(v ?? "")) candidates.push(v.toLowerCase());
  }
  if (t === undefined || candidates.length === 0) throw invalid("malformed");
  if (Math.abs(nowMs / 1000 - t) > SIGNATURE_TOLERANCE_SECONDS) throw invalid("timestamp outside the tolerance");
  const expected = createHmac("sha256", secret).update(`${t}.`).update(rawBody).digest();
  const ok = candidates.some((c) => timingSafeEqual(Buffer.from(c, "hex"), expected));
  if (!ok) throw invalid("does not match");
}
