import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { adminToken as signAdminToken } from "../support/e2e.ts";
import { http } from "../support/http.ts";

export { eventually } from "../support/e2e.ts";
export { pool } from "../../tools/src/loadtest/common.ts";

export const JWT_SECRET = "sales-test-jwt-secret-0123456789";

/** An admin token minted offline (`prv`): the server provisions its session on first use. */
export function adminToken(): string {
  return signAdminToken(JWT_SECRET);
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
