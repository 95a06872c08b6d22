import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { http } from "../support/http.ts";

export const JWT_SECRET = "sales-test-jwt-secret-0123456789";

/** An admin token minted offline (`prv`): the server provisions its session on first use. */
export function adminToken(): string {
  return jwt.sign(
    { sub: `u_admin_${randomUUID().slice(0, 8)}`, sid: `s_${randomUUID()}`, name: "admin", roles: ["admin"], prv: true },
    JWT_SECRET,
    { algorithm: "HS256", issuer: "holdfast", audience: "holdfast:access", expiresIn: 3600 },
  );
}

/** Polls `check` until it is true or `ms` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

export function newSaleId(): string {
  return `s-${randomUUID().slice(0, 8)}`;
}

/** Creates a sale (and its SKU) and returns the 201 body. */
export async function createSale(url: string, admin: string, body: Record<string, unknown>): Promise<any> {
  const res = await http(url, "POST", "/api/sales", { token: admin, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
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
