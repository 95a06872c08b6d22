/**
 * Forward-only migrations (server/src/db/migrate.ts) on embedded PGlite (always) and
 * on a fresh Postgres database (when DATABASE_URL is set): applied once, idempotent,
 * safe when two nodes start together, and refusing edited history.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../server/src/db/database.ts";
import { migrate, readMigrations } from "../../server/src/db/migrate.ts";
import { createTestDatabase, skipUnless } from "../support/services.ts";
import { silentLogger } from "./helpers.ts";

interface Backend {
  /** Opens a connection pool to the backend's (initially empty) database. */
  open(): Promise<Database>;
  /** A second, empty database for the temp-migrations tests. */
  openScratch(): Promise<Database>;
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  const { rows } = await db.pool.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [`public.${name}`]);
  return rows[0].t !== null;
}

async function ledger(db: Database): Promise<{ version: number; name: string }[]> {
  const { rows } = await db.pool.query<{ version: number; name: string }>(
    "SELECT version, name FROM schema_migrations ORDER BY version",
  );
  return rows;
}

function migrationContract(getBackend: () => Backend): void {
  const expected = readMigrations();
  const opened: Database[] = [];
  const track = (db: Database) => (opened.push(db), db);
  after(async () => {
    await Promise.all(opened.map((db) => db.close()));
  });

  describe("the repository's migrations", function () {
    let db: Database;
    before(async () => {
      db = track(await getBackend().open());
    });

    it("apply once from an empty database, then a second run applies nothing", async () => {
      assert.equal(await tableExists(db, "schema_migrations"), false, "database should start empty");
      const first = await migrate(db);
      assert.deepEqual(first.applied, expected.map((m) => m.name));
      assert.equal(first.alreadyApplied, 0);
      assert.deepEqual(await ledger(db), expected.map((m) => ({ version: m.version, name: m.name })));
      assert.ok(await tableExists(db, "users"));
      assert.ok(await tableExists(db, "sessions"));

      const second = await migrate(db);
      assert.deepEqual(second.applied, []);
      assert.equal(second.alreadyApplied, expected.length);
      assert.equal((await ledger(db)).length, expected.length);
    });
  });

  describe("two runs at once (two nodes starting together)", function () {
    it("apply each migration exactly once in total", async () => {
      const backend = getBackend();
      const a = track(await backend.open());
      const b = track(await backend.open());
      assert.equal(await tableExists(a, "schema_migrations"), false, "database should start empty");
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const all = [...ra.applied, ...rb.applied].sort();
      assert.deepEqual(all, expected.map((m) => m.name).sort(), "each migration applied by exactly one run");
      const { rows } = await a.pool.query<{ version: number; n: number }>(
        "SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version",
      );
      assert.deepEqual(rows, expected.map((m) => ({ version: m.version, n: 1 })));
      assert.ok(await tableExists(b, "users"));
      assert.ok(await tableExists(b, "sessions"));
    });
  });

  describe("with a temporary migrations folder", function () {
    let dir: string;
    let db: Database;
    before(async () => {
      db = track(await getBackend().openScratch());
    });
    beforeEach(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), "holdfast-migrations-"));
      await db.pool.query("DROP TABLE IF EXISTS schema_migrations, t_one, t_two, t_three");
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const write = (file: string, sql: string) => writeFileSync(path.join(dir, file), sql);

    it("refuses a migration edited after it was applied, and applies nothing else in that run", async () => {
      write("0001_one.sql", "CREATE TABLE t_one (id int);");
      write("0002_two.sql", "CREATE TABLE t_two (id int);");
      assert.deepEqual((await migrate(db, dir)).applied, ["0001_one", "0002_two"]);

      write("0001_one.sql", "CREATE TABLE t_one (id bigint);");
      write("0003_three.sql", "CREATE TABLE t_three (id int);");
      await assert.rejects(migrate(db, dir), /0001_one changed after it was applied/);
      assert.equal(await tableExists(db, "t_three"), false, "the run is refused as a whole");
      assert.deepEqual((await ledger(db)).map((r) => r.name), ["0001_one", "0002_two"]);
    });

    it("rolls back the whole run when one migration fails", async () => {
      write("0001_one.sql", "CREATE TABLE t_one (id int);");
      write("0002_two.sql", "CREATE TABLE t_two (id int); SELECT no_such_function();");
      await assert.rejects(migrate(db, dir), /no_such_function/);
      assert.equal(await tableExists(db, "t_one"), false);
      assert.equal(await tableExists(db, "schema_migrations"), false);
    });

    it("refuses two files with the same version", async () => {
      write("0001_one.sql", "CREATE TABLE t_one (id int);");
      write("0001_other.sql", "CREATE TABLE t_two (id int);");
      await assert.rejects(migrate(db, dir), /two migrations share version 1/);
    });
  });
}

describe("migrations", function () {
  describe("embedded PGlite (in memory)", function () {
    // Two pools to one in-memory PGlite would be two databases, so the concurrent test
    // shares one embedded database between its two "nodes" via two pool connections.
    migrationContract(() => {
      let shared: Promise<Database> | undefined;
      return {
        open: () => {
          shared ??= openDatabase({ dataDir: ":memory:", logger: silentLogger() });
          return shared.then(sharedHandle);
        },
        openScratch: () => openDatabase({ dataDir: ":memory:", logger: silentLogger() }),
      };
    });
  });

  describe("Postgres (fresh database)", function () {
    const drops: (() => Promise<void>)[] = [];
    before(function () {
      skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL (Postgres migrations)");
    });
    const fresh = async (name: string) => {
      const created = await createTestDatabase(name);
      if (!created) throw new Error("DATABASE_URL is not set");
      drops.push(created.drop);
      return created.url;
    };
    migrationContract(() => {
      let url: Promise<string> | undefined;
      return {
        open: async () => {
          url ??= fresh("migrate");
          return openDatabase({ databaseUrl: await url, dataDir: ":memory:", logger: silentLogger() });
        },
        openScratch: async () => openDatabase({ databaseUrl: await fresh("migrate_tmp"), dataDir: ":memory:", logger: silentLogger() }),
      };
    });
    // Registered after the contract's own after() (which closes the pools): drop last.
    after(async () => {
      await Promise.all(drops.map((drop) => drop()));
    });
  });
});

/** The same embedded database, with a close() that only the first holder really runs. */
const handles = new WeakMap<Database, number>();
function sharedHandle(db: Database): Database {
  const n = (handles.get(db) ?? 0) + 1;
  handles.set(db, n);
  return n === 1 ? db : { ...db, close: async () => undefined };
}
