import { randomUUID } from "node:crypto";
import { AccessTokens } from "../../server/src/identity/tokens.ts";
import { signPayload } from "../../server/src/orders/payment-signature.ts";
import { http, type JsonResponse } from "../support/http.ts";

export const JWT_SECRET = "holds-test-jwt-secret-0123456789";
export const WEBHOOK_SECRET = "holds-test-webhook-secret";

/** An admin token minted offline (`prv`): the server provisions its session on first use. */
export function adminToken(): string {
  const tokens = new AccessTokens(JWT_SECRET);
  return tokens.sign(
    { sub: `u_admin_${randomUUID().slice(0, 8)}`, sid: `s_${randomUUID()}`, name: "admin", roles: ["admin"], prv: true },
    new Date(Date.now() + 3600_000),
  );
}

/** Runs `n` tasks with at most `inFlight` at once; results in task order. */
export async function pool<T>(n: number, inFlight: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
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
