/**
 * What production accepts as `JWT_SECRET`. Anyone holding the secret can mint admin
 * tokens, so a value that was ever published (a compose default, an example in the docs,
 * a test fixture) is as good as no secret at all.
 */

/** Production needs at least this many characters (`openssl rand -hex 32` gives 64). */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

/**
 * Values that appear, or appeared, in this repository as JWT secrets. A test
 * (test/security/web-secrets.test.ts) greps the repository for secret literals and
 * checks that each is refused, by this list or by `looksLikePlaceholder`.
 */
export const KNOWN_PUBLIC_SECRETS: readonly string[] = [
  // docker-compose.yml's fallback until it required JWT_SECRET from the environment
  "compose-demo-secret-change-me-0123456789",
  // test fixtures
  "browser-demo-secret-0123456789abcdef",
  "e2e-dining-secret-0123456789abcdef",
  "e2e-holdem-secret-0123456789abcdef",
  "e2e-storm-secret-0123456789abcdef",
  "e2e-tables-secret-0123456789abcdef",
  "multinode-feed-secret-0123456789abcdef",
  "session-test-secret-0123456789",
  "holds-test-jwt-secret-0123456789",
  "holds-test-webhook-secret",
  "sales-test-jwt-secret-0123456789",
];

/** Words and runs that only hand-typed placeholders contain (never `openssl rand` output). */
const PLACEHOLDER = /secret|change.?me|example|sample|default|password|passw0rd|placeholder|dummy|0123456789|abcdefgh|qwerty/i;

/** Fewer distinct characters than this is not a random secret (`xxxx...`, `abab...`). */
const MIN_DISTINCT_CHARACTERS = 8;

export function looksLikePlaceholder(secret: string): boolean {
  return PLACEHOLDER.test(secret) || new Set(secret).size < MIN_DISTINCT_CHARACTERS;
}

/** Why `secret` is refused in production, or undefined when it is acceptable. */
export function productionSecretProblem(secret: string): string | undefined {
  if (secret.length < MIN_PRODUCTION_SECRET_LENGTH) {
    return `must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters when NODE_ENV=production (e.g. openssl rand -hex 32)`;
  }
  if (KNOWN_PUBLIC_SECRETS.includes(secret) || looksLikePlaceholder(secret)) {
    return "is a published example or placeholder value, which anyone can use to forge tokens; generate one with openssl rand -hex 32";
  }
  return undefined;
}
