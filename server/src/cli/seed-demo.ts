/**
 * `npm run seed:demo`: migrates, then inserts the demo tables (demo-holdem,
 * demo-dining), the demo branch B1, its dishes and menu into DATABASE_URL, or into the
 * embedded database in DATA_DIR when DATABASE_URL is unset, and prints what it added.
 * Idempotent: rows already there (edited or not) are left alone. The server does the
 * same at start when SEED_DEMO says so; this command seeds whatever SEED_DEMO says.
 * Stop an embedded node before seeding its DATA_DIR (PGlite has one writer).
 */
import { fail as failCommand, loadConfigOrExit } from "./common.ts";
import { openDatabase } from "../db/database.ts";
import { seedDemo } from "../db/demo-seed.ts";
import { migrate } from "../db/migrate.ts";
import { createLogger } from "../logger.ts";

const config = loadConfigOrExit("seed:demo");
const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
const target = config.databaseUrl ? "DATABASE_URL" : `embedded PGlite in ${config.dataDir}`;
try {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, maxConnections: 1 });
  try {
    await migrate(db);
    const seeded = await seedDemo(db);
    const added = Object.entries(seeded).filter(([, n]) => n > 0);
    console.log(
      added.length === 0
        ? `holdfast seed:demo: ${target} already has the demo data`
        : `holdfast seed:demo: added to ${target}: ${added.map(([what, n]) => `${n} ${what}`).join(", ")}`,
    );
  } finally {
    await db.close();
  }
} catch (err) {
  failCommand("seed:demo", `${target}: ${err instanceof Error ? err.message || err.name : String(err)}`);
}
process.exit(0);
