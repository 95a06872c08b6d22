import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";

/**
 * The shortest wait before `eventually` gives up. A wait is never a timing assertion
 * (timings belong in benchmarks): on a loaded 2-core machine a condition that takes
 * 100 ms alone can take many seconds, so every wait gets at least this long.
 */
const MIN_WAIT_MS = 30_000;

/** Polls `check` every 20 ms until it holds, or fails the test after `ms` (at least MIN_WAIT_MS). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = MIN_WAIT_MS, what = "condition"): Promise<void> {
  const until = Date.now() + Math.max(ms, MIN_WAIT_MS);
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
