/**
 * `npm run test:<tier>` and `npm test`: runs the test files of one or more tiers
 * (test/tiers.ts) in one mocha run, tier by tier.
 *
 *   node scripts/with-node.mjs scripts/test-tier.ts <tier>[,<tier>...] | all [mocha args...]
 *
 * `all` is every tier in order (unit, integration, e2e, browser, load), and after them
 * any test file no tier claims yet, so nothing is skipped silently (the unit test
 * test/unit/tiers.test.ts fails for such a file).
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { filesOf, TIER_NAMES, type TierName } from "../test/tiers.ts";

const [which, ...mochaArgs] = process.argv.slice(2);
const tiers = which === "all" ? [...TIER_NAMES] : (which ?? "").split(",");
const unknown = tiers.filter((t) => !(TIER_NAMES as readonly string[]).includes(t));
if (!which || unknown.length > 0) {
  console.error(`usage: test-tier.ts <${TIER_NAMES.join("|")}>[,...] | all [mocha args...]${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}`);
  process.exit(1);
}

const { files, unassigned } = filesOf(tiers as TierName[]);
if (which === "all") files.push(...unassigned);
if (unassigned.length > 0) console.error(`test-tier: in no tier yet (add to test/tiers.ts): ${unassigned.join(", ")}`);

if (files.length === 0) {
  // mocha given no files would run its default spec (everything): say so and stop.
  console.log(`test-tier: no test files in ${tiers.join(", ")}`);
  process.exit(0);
}

const mocha = createRequire(import.meta.url).resolve("mocha/bin/mocha.js");
const child = spawn(process.execPath, [mocha, ...mochaArgs, ...files], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
