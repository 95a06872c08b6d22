/**
 * `npm run loadtest -- <scenario> [options] [--json FILE]`
 *
 * Load and chaos scenarios. Each scenario is a module in tools/src/loadtest/ that parses
 * its own options, shows progress, prints a final report and returns it; `--json FILE`
 * writes that report as JSON. The exit code is 0 when the scenario's verdict passed.
 */
import { writeFileSync } from "node:fs";
import type { LoadScenario } from "../loadtest/scenario.ts";

/** Scenario name -> module loader. One line per scenario. */
const SCENARIOS: Record<string, () => Promise<LoadScenario>> = {
  "flash-sale": async () => (await import("../loadtest/flash-sale.ts")).flashSale,
  "table-reconnect": async () => (await import("../loadtest/table-reconnect.ts")).tableReconnect,
  "node-kill": async () => (await import("../loadtest/node-kill.ts")).nodeKill,
  abuse: async () => (await import("../loadtest/abuse.ts")).abuse,
  faults: async () => (await import("../loadtest/faults.ts")).faults,
  cluster: async () => (await import("../loadtest/cluster.ts")).cluster,
};

function usage(): string {
  return `usage: npm run loadtest -- <scenario> [options] [--json FILE]\nscenarios: ${Object.keys(SCENARIOS).join(", ")}\n(npm run loadtest -- <scenario> --help for its options)`;
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === "--help" || name === "-h") {
  console.log(usage());
  process.exit(name ? 0 : 1);
}
const load = SCENARIOS[name];
if (!load) {
  console.error(`loadtest: unknown scenario "${name}"\n${usage()}`);
  process.exit(1);
}
let jsonFile: string | undefined;
const argv: string[] = [];
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === "--json") jsonFile = rest[++i];
  else if (rest[i].startsWith("--json=")) jsonFile = rest[i].slice("--json=".length);
  else argv.push(rest[i]);
}
try {
  const scenario = await load();
  const { report, ok } = await scenario.run(argv);
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ scenario: name, ok, ...report }, null, 2)}\n`);
  process.exit(ok ? 0 : 2);
} catch (err) {
  console.error(`loadtest ${name}: ${(err as Error).message}`);
  process.exit(1);
}
