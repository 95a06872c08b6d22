/** Shared set-up of the continuity tests: a database (Postgres server or PGlite) and Redis. */
import { Redis } from "ioredis";
import { openDatabase, type Database } from "../../server/src/db/database.ts";
import { migrate } from "../../server/src/db/migrate.ts";
import { createLogger } from "../../server/src/logger.ts";
import { createTestDatabase } from "../support/services.ts";

/** Redis DB numbers the continuity and multi-node suites own. */
export const CONTINUITY_REDIS_DB = 7;
export const MULTINODE_REDIS_DB = 8;

export const silent = () => createLogger("silent");

/** A migrated database: a fresh one on DATABASE_URL when set, else in-memory PGlite. */
export async function testDatabase(name: string): Promise<{ db: Database; drop(): Promise<void> }> {
  const server = await createTestDatabase(name);
  const db = await openDatabase({ databaseUrl: server?.url, dataDir: ":memory:", logger: silent() });
  await migrate(db);
  return {
    db,
    async drop() {
      await db.close();
      await server?.drop();
    },
  };
}

/** A Redis client on `db` of REDIS_URL (not flushed: callers use unique prefixes), or undefined. */
export function testRedis(db: number): Redis | undefined {
  const base = process.env.REDIS_URL;
  if (!base) return undefined;
  const url = new URL(base);
  url.pathname = `/${db}`;
  return new Redis(url.toString(), { maxRetriesPerRequest: 1 });
}

/** The suites' one poller (at least 30 s before it gives up: a wait is not a timing assertion). */
export { eventually } from "../support/e2e.ts";

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
