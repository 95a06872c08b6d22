/**
 * Test tiers: which test file runs in `npm run test:unit`, `test:integration`,
 * `test:e2e`, `test:browser` and `test:load` (`npm test` runs every tier, in this order,
 * in one mocha run). Files stay where their area keeps them; the tier is decided here.
 *
 * - unit: in-process only: no sockets, no child processes, no Redis or Postgres.
 * - integration: one real part at a time (Redis, Postgres or PGlite, an HTTP stub, a
 *   child process), no Holdfast server.
 * - e2e: a real Holdfast server (a process on a free port, or several) driven through
 *   the SDK and HTTP.
 * - browser: Chromium against a real server.
 * - load: the load scenarios of tools/ at test size, and other many-client runs.
 *
 * The first rule a file matches decides its tier, so every file is in exactly one;
 * test/unit/tiers.test.ts fails for a test file no rule matches, and for a rule that
 * matches nothing. A new file in an area's folder lands in that folder's default (the
 * folder rules at the end); list it above them when it belongs elsewhere.
 */
import { readdirSync } from "node:fs";
import path from "node:path";

export const TIER_NAMES = ["unit", "integration", "e2e", "browser", "load"] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** `[glob relative to the repository, tier]`, first match wins. */
export const TIER_RULES: ReadonlyArray<readonly [string, TierName]> = [
  ["test/unit/**/*.test.ts", "unit"],
  ["test/security/bounded-state.test.ts", "unit"],
  ["test/security/privacy-property.test.ts", "unit"],
  ["test/continuity/restore-equals-live.test.ts", "unit"],
  ["test/sdk/reconnect-signals.test.ts", "unit"],
  ["test/sdk/doc-examples.test.ts", "unit"],
  ["test/foundation/session-expiry.test.ts", "unit"],

  ["test/browser/**/*.test.ts", "browser"],
  ["test/sdk/packed-sdk.test.ts", "browser"],

  ["test/continuity/reconnect-storm.test.ts", "load"],
  ["test/e2e/reconnect-storm.test.ts", "load"],
  ["test/sales/flash-sale-multinode.test.ts", "load"],

  ["test/foundation/migrations.test.ts", "integration"],
  ["test/foundation/session-cache.contract.test.ts", "integration"],
  ["test/foundation/rate-limits.contract.test.ts", "integration"],
  ["test/foundation/session-fallback.test.ts", "integration"],
  ["test/foundation/session-token-cache.test.ts", "integration"],
  ["test/holds/hold-store.test.ts", "integration"],
  ["test/holds/order-compensation.test.ts", "integration"],
  ["test/sales/sale-queue-store.test.ts", "integration"],
  ["test/continuity/event-log.test.ts", "integration"],
  ["test/security/event-retention.test.ts", "integration"],
  ["test/security/web-secrets.test.ts", "integration"],
  ["test/sdk/errors.test.ts", "integration"],
  ["test/sdk/sdk-size.test.ts", "integration"],

  // Folder defaults: the areas whose tests mostly run a real server.
  ["test/e2e/**/*.test.ts", "e2e"],
  ["test/multinode/**/*.test.ts", "e2e"],
  ["test/foundation/**/*.test.ts", "e2e"],
  ["test/holds/**/*.test.ts", "e2e"],
  ["test/sales/**/*.test.ts", "e2e"],
  ["test/continuity/**/*.test.ts", "e2e"],
  ["test/security/**/*.test.ts", "e2e"],
  ["test/sdk/**/*.test.ts", "e2e"],
  ["test/operator/**/*.test.ts", "e2e"],
];

const ROOT = path.resolve(import.meta.dirname, "..");

/** Every `*.test.ts` under test/, relative to the repository, sorted. */
export function allTestFiles(root = ROOT): string[] {
  return (readdirSync(path.join(root, "test"), { recursive: true }) as string[])
    .map((f) => `test/${f.split(path.sep).join("/")}`)
    .filter((f) => f.endsWith(".test.ts"))
    .sort();
}

/** The rule (index into TIER_RULES) deciding `file`'s tier, or -1. */
export function ruleOf(file: string): number {
  return TIER_RULES.findIndex(([glob]) => path.matchesGlob(file, glob));
}

export function tierOf(file: string): TierName | undefined {
  const rule = ruleOf(file);
  return rule < 0 ? undefined : TIER_RULES[rule][1];
}

/** The files of `tiers`, tier by tier in the order given; `unassigned` = no rule matched. */
export function filesOf(tiers: readonly TierName[], files = allTestFiles()): { files: string[]; unassigned: string[] } {
  const byTier = new Map<TierName, string[]>();
  const unassigned: string[] = [];
  for (const file of files) {
    const tier = tierOf(file);
    if (!tier) unassigned.push(file);
    else byTier.set(tier, [...(byTier.get(tier) ?? []), file]);
  }
  return { files: tiers.flatMap((t) => byTier.get(t) ?? []), unassigned };
}
