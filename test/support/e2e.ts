import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";

/** Polls `check` every 20 ms until it holds, or fails the test after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * An admin access token the way `npm run token -- --admin` makes one: signed with the
 * server's JWT_SECRET and marked `prv`, so its session is recorded on first use.
 */
export function adminToken(secret: string, name = "admin"): string {
  return jwt.sign({ sub: `u_admin_${randomUUID()}`, sid: `s_${randomUUID()}`, name, roles: ["admin"], prv: true }, secret, {
    algorithm: "HS256",
    issuer: "holdfast",
    audience: "holdfast:access",
    expiresIn: 3600,
  });
}
