/**
 * `npm run token -- --admin [--name N] [--user-id U] [--ttl SECONDS]`
 *
 * Prints one access token on stdout, signed with JWT_SECRET, for operators and scripts
 * (`TOKEN=$(npm run -s token -- --admin)`). The CLI does not touch the database: the
 * token carries `prv: true`, and the first server that sees it records its session
 * (SessionService.authenticate), after which it is checked and revocable like any other.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Role } from "@holdfast/shared";
import { AccessTokens, type AccessClaims } from "../identity/tokens.ts";
import { fail as failCommand, loadConfigOrExit } from "./common.ts";

function fail(message: string): never {
  return failCommand("token", message);
}

const USAGE = `usage: npm run token -- [--admin] [--name N] [--user-id U] [--ttl SECONDS]
Print an access token signed with JWT_SECRET (admin with --admin).
  --admin            give the token the admin role
  --name <name>      display name carried by the token
  --user-id <id>     user id (sub); a fresh one when omitted. An existing user gets the token's roles
  --ttl <seconds>    token and session lifetime (default SESSION_TTL_SECONDS)`;

// node:util's parser, not a CLI framework: the server's runtime dependencies stay what
// the server itself needs (the load and bench tools in tools/ bring their own).
let parsed: ReturnType<typeof parseOptions>;
function parseOptions() {
  return parseArgs({
    options: {
      admin: { type: "boolean", default: false },
      name: { type: "string" },
      "user-id": { type: "string" },
      ttl: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }).values;
}
try {
  parsed = parseOptions();
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
let ttl: number | undefined;
if (parsed.ttl !== undefined) {
  ttl = Number(parsed.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) fail("--ttl: expected a positive whole number of seconds");
}
const opts = { admin: parsed.admin, name: parsed.name, userId: parsed["user-id"], ttl };

const config = loadConfigOrExit("token");
if (config.jwtSecretGenerated) {
  fail(
    "JWT_SECRET is not set. Set it to the value the server uses: without it the server makes a random " +
      "secret per process (development), and no token printed here could match it.",
  );
}

const name = opts.name?.trim() || (opts.admin ? "admin" : "operator");
if (name.length > 40) fail("--name: at most 40 characters");
const userId = opts.userId?.trim() || `u_${randomUUID()}`;
const claims: AccessClaims = {
  sub: userId,
  sid: `s_${randomUUID()}`,
  name,
  roles: opts.admin ? [Role.ADMIN] : [],
  prv: true,
};
const ttlSeconds = opts.ttl ?? config.sessionTtlSeconds;
const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
process.stdout.write(`${new AccessTokens(config.jwtSecret).sign(claims, expiresAt)}\n`);
console.error(
  `holdfast token: ${opts.admin ? "admin " : ""}token for ${name} (user ${userId}, session ${claims.sid}), ` +
    `expires ${expiresAt.toISOString()}`,
);
