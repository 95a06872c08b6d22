import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./database.ts";

/** Where `NNNN_name.sql` files live (the repository's top-level `migrations/`). */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../migrations");

/** Any number fits; it only has to be the same on every node. ("holdfast" in hex-ish.) */
const MIGRATION_LOCK_KEY = 0x401df457;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const version = Number(file.slice(0, 4));
    if (seen.has(version)) throw new Error(`two migrations share version ${version}`);
    seen.add(version);
    const sql = readFileSync(path.join(dir, file), "utf8");
    return { version, name: file.replace(/\.sql$/, ""), sql, checksum: createHash("sha256").update(sql).digest("hex") };
  });
}

/**
 * Earlier texts of migrations that were rewritten without changing the schema they make,
 * by name -> the sha256 of each earlier text. A database whose ledger has one of these
 * ran the earlier text: it is accepted, and its ledger row is brought up to the current
 * checksum. Any other edit is still refused.
 *
 * - 0002, 0006, 0007, 0008 inserted the demo tables, branch, dishes and menu: every
 *   database got them, production too. They are seeded by `npm run seed:demo`
 *   (demo-seed.ts) now, and only where SEED_DEMO says so. Databases that ran the old
 *   texts keep the rows they have.
 * - 0003, 0004: their header comments named the issues they came from.
 */
export const EARLIER_CHECKSUMS: Readonly<Record<string, readonly string[]>> = {
  "0002_tables": ["5122f9c186aaec2298e92190b61d6a298004b6140cb288501b88b0ccda3e750f"],
  "0003_commerce": ["0f17621dbf8cad83ecb9b640d90a8b359898d09e0df44891066174d7e2830290"],
  "0004_sales": ["d81b2ade792e3c3889637dc332034da7eea5c42b07c5bf8d3be689fbea1d5af2"],
  "0006_feed": ["a76b0b94098dc1a3e0f6948d8a142bc20b62286ac7c896192728c33640c6b184"],
  "0007_demo_menu": ["1b6f3274a3c8ddaa00368588ae12b44cbce9eb5cea4eafccb9337b5c3bfae057"],
  "0008_branch_menus": ["a9260cfbb1c562cd7e904f0767e4e3c2b0c1457e7fa7d908374607279c24fa26"],
};

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies every migration not yet in the ledger, in order, forward only.
 *
 * The whole run is one transaction holding a transaction-scoped advisory lock, so two
 * nodes starting together serialise here: the second waits, then finds the ledger
 * complete and applies nothing. A migration that was edited after it was applied is
 * refused (its checksum differs): migrations are append-only. The exceptions are the
 * rewrites listed in `earlier` (EARLIER_CHECKSUMS).
 */
export async function migrate(
  db: Database,
  dir = MIGRATIONS_DIR,
  earlier: Readonly<Record<string, readonly string[]>> = EARLIER_CHECKSUMS,
): Promise<MigrationResult> {
  const migrations = readMigrations(dir);
  return db.transaction(async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; checksum: string; name: string }>(
      "SELECT version, name, checksum FROM schema_migrations",
    );
    const ledger = new Map(rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const done = ledger.get(m.version);
      if (done) {
        if (done.checksum === m.checksum) continue;
        if (!earlier[m.name]?.includes(done.checksum)) {
          throw new Error(`migration ${m.name} changed after it was applied; add a new migration instead`);
        }
        await client.query("UPDATE schema_migrations SET checksum = $1 WHERE version = $2", [m.checksum, m.version]);
        continue;
      }
      await client.query(m.sql);
      await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        m.checksum,
      ]);
      applied.push(m.name);
    }
    return { applied, alreadyApplied: migrations.length - applied.length };
  });
}
