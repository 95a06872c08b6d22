import { signPayload } from "../../server/src/orders/payment-signature.ts";
import { adminToken as signAdminToken } from "../support/e2e.ts";
import { http, type JsonResponse } from "../support/http.ts";

export { pool } from "../../tools/src/loadtest/common.ts";

export const JWT_SECRET = "holds-test-jwt-secret-0123456789";
export const WEBHOOK_SECRET = "holds-test-webhook-secret";

/** An admin token minted offline (`prv`): the server provisions its session on first use. */
export function adminToken(): string {
  return signAdminToken(JWT_SECRET);
}

export function webhook(
  url: string,
  body: unknown,
  opts: { secret?: string; t?: number; signature?: string } = {},
): Promise<JsonResponse> {
  const raw = JSON.stringify(body);
  const signature = opts.signature ?? signPayload(opts.secret ?? WEBHOOK_SECRET, raw, opts.t);
  return http(url, "POST", "/api/payments/webhook", { rawBody: raw, headers: { "x-holdfast-signature": signature } });
}
