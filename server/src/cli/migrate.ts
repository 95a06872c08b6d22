/**
 * `npm run migrate`: applies `migrations/*.sql` to DATABASE_URL, or to the embedded
 * database in DATA_DIR when DATABASE_URL is unset, and prints what it applied.
 * The server also migrates at start; this is for deploys that migrate first.
 * Stop an embedded node before migrating its DATA_DIR (PGlite has one writer).
 */
import { fail as failCommand, loadConfigOrExit } from "./common.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { createLogger } from "../logger.ts";

function fail(message: string): never {
  return failCommand("migrate", message);
}

const config = loadConfigOrExit("migrate");

// Quiet logs: the output of this command is the list below.
const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
const target = config.databaseUrl ? redactUrl(config.databaseUrl) : `embedded PGlite in ${config.dataDir}`;
let db;
try {
  db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, maxConnections: 1 });
} catch (err) {
  fail(`could not open ${target}: ${describe(err)}`);
}
try {
  const result = await migrate(db);
  if (result.applied.length === 0) {
    console.log(`holdfast migrate: ${target} is up to date (${result.alreadyApplied} migrations already applied)`);
  } else {
    console.log(`holdfast migrate: applied ${result.applied.length} migration(s) to ${target}:`);
    for (const name of result.applied) console.log(`  ${name}`);
    if (result.alreadyApplied > 0) console.log(`  (${result.alreadyApplied} were already applied)`);
  }
} catch (err) {
  await db.close().catch(() => undefined);
  fail(`${target}: ${describe(err)}`);
}
await db.close();
process.exit(0);

/** The URL without its password, for printing. */
function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "DATABASE_URL";
  }
}

/** One line for an error; AggregateError (every address refused) has an empty message. */
function describe(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map((e) => describe(e)).join("; ");
  return err instanceof Error ? err.message || err.name : String(err);
}
