/**
 * Demo data (server/src/db/demo-seed.ts) comes from `npm run seed:demo` and SEED_DEMO,
 * never from migrations: a production server on a fresh database has no demo rows, the
 * embedded defaults have them, seeding twice changes nothing, and a database that ran
 * the migrations' earlier texts (which inserted the demo rows) keeps working.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../server/src/config.ts";
import { openDatabase, type Database } from "../../server/src/db/database.ts";
import { DEMO_DISHES, DEMO_TABLES, seedDemo } from "../../server/src/db/demo-seed.ts";
import { EARLIER_CHECKSUMS, migrate, readMigrations } from "../../server/src/db/migrate.ts";
import { http } from "../support/http.ts";
import { spawnServer } from "../support/server-process.ts";
import { createTestDatabase, skipUnless } from "../support/services.ts";
import { silentLogger } from "./helpers.ts";

const PG_URL = "postgres://u@127.0.0.1:5432/db";
const STRONG_SECRET = randomBytes(32).toString("hex");

async function demoRows(db: Database): Promise<{ tables: number; branches: number; inventory: number; menu: number }> {
  const count = async (sql: string, params: unknown[]) => (await db.pool.query<{ n: number }>(sql, params)).rows[0].n;
  return {
    tables: await count("SELECT count(*)::int AS n FROM tables WHERE table_id = ANY($1)", [DEMO_TABLES.map((t) => t.tableId)]),
    branches: await count("SELECT count(*)::int AS n FROM branches WHERE branch_id = $1", ["B1"]),
    inventory: await count("SELECT count(*)::int AS n FROM inventory WHERE sku = ANY($1)", [DEMO_DISHES.map((d) => d.sku)]),
    menu: await count("SELECT count(*)::int AS n FROM branch_menu_items WHERE branch_id = $1", ["B1"]),
  };
}
const NONE = { tables: 0, branches: 0, inventory: 0, menu: 0 };
const ALL = { tables: 2, branches: 1, inventory: 3, menu: 3 };

describe("demo data", function () {
  describe("SEED_DEMO", function () {
    it("auto: on for the embedded database, on for DATABASE_URL outside production, off in production", () => {
      assert.equal(loadConfig({}).seedDemo, true);
      assert.equal(loadConfig({ NODE_ENV: "production", JWT_SECRET: STRONG_SECRET }).seedDemo, true, "embedded in production: a demo by definition");
      assert.equal(loadConfig({ DATABASE_URL: PG_URL }).seedDemo, true);
      assert.equal(loadConfig({ DATABASE_URL: PG_URL, NODE_ENV: "test" }).seedDemo, true);
      assert.equal(loadConfig({ DATABASE_URL: PG_URL, NODE_ENV: "production", JWT_SECRET: STRONG_SECRET }).seedDemo, false);
    });

    it("on and off override auto; anything else is refused", () => {
      assert.equal(loadConfig({ DATABASE_URL: PG_URL, NODE_ENV: "production", JWT_SECRET: STRONG_SECRET, SEED_DEMO: "on" }).seedDemo, true);
      assert.equal(loadConfig({ SEED_DEMO: "off" }).seedDemo, false);
      assert.throws(() => loadConfig({ SEED_DEMO: "sometimes" }), /SEED_DEMO/);
    });
  });

  describe("on the embedded database", function () {
    let db: Database;
    before(async () => {
      db = await openDatabase({ dataDir: ":memory:", logger: silentLogger() });
    });
    after(async () => {
      await db?.close();
    });

    it("migrations alone insert no demo rows", async () => {
      await migrate(db);
      assert.deepEqual(await demoRows(db), NONE);
    });

    it("seedDemo inserts them; a second run inserts nothing and keeps an operator's edits", async () => {
      assert.deepEqual(await seedDemo(db), { tables: 2, branches: 1, inventory: 3, menuItems: 3 });
      assert.deepEqual(await demoRows(db), ALL);
      await db.pool.query("UPDATE inventory SET total = 7 WHERE sku = 'ramen'");
      assert.deepEqual(await seedDemo(db), { tables: 0, branches: 0, inventory: 0, menuItems: 0 });
      assert.deepEqual(await demoRows(db), ALL);
      assert.equal((await db.pool.query("SELECT total FROM inventory WHERE sku = 'ramen'")).rows[0].total, 7);
    });
  });

  describe("a database migrated by the earlier texts (demo rows from migrations)", function () {
    let db: Database;
    before(async () => {
      db = await openDatabase({ dataDir: ":memory:", logger: silentLogger() });
    });
    after(async () => {
      await db?.close();
    });

    it("migrates on: the earlier checksums are accepted and brought up to date; its demo rows stay", async () => {
      await migrate(db);
      await seedDemo(db); // what 0002, 0006, 0007 and 0008 inserted
      for (const [name, [checksum]] of Object.entries(EARLIER_CHECKSUMS)) {
        await db.pool.query("UPDATE schema_migrations SET checksum = $1 WHERE name = $2", [checksum, name]);
      }
      assert.deepEqual((await migrate(db)).applied, []);
      const current = new Map(readMigrations().map((m) => [m.name, m.checksum]));
      const { rows } = await db.pool.query<{ name: string; checksum: string }>("SELECT name, checksum FROM schema_migrations");
      for (const row of rows) assert.equal(row.checksum, current.get(row.name), row.name);
      assert.deepEqual(await demoRows(db), ALL);
    });

    it("lists only migrations that exist, with texts other than the current ones", () => {
      const current = new Map(readMigrations().map((m) => [m.name, m.checksum]));
      for (const [name, checksums] of Object.entries(EARLIER_CHECKSUMS)) {
        assert.ok(current.has(name), `${name} is not a migration`);
        assert.ok(!checksums.includes(current.get(name)!), `${name}: the current text is not an earlier one`);
      }
    });

    it("still refuses any other edit", async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "holdfast-migrations-"));
      const scratch = await openDatabase({ dataDir: ":memory:", logger: silentLogger() });
      try {
        const v1 = "CREATE TABLE t_one (id int);";
        const sha = (sql: string) => createHash("sha256").update(sql).digest("hex");
        writeFileSync(path.join(dir, "0001_one.sql"), v1);
        await migrate(scratch, dir, {});
        writeFileSync(path.join(dir, "0001_one.sql"), `-- a comment\n${v1}`);
        await assert.rejects(migrate(scratch, dir, {}), /0001_one changed after it was applied/);
        assert.deepEqual((await migrate(scratch, dir, { "0001_one": [sha(v1)] })).applied, []);
        assert.deepEqual((await migrate(scratch, dir, {})).applied, [], "the ledger has the new text now");
      } finally {
        await scratch.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("servers", function () {
    this.timeout(240_000);

    it("a production server on a fresh Postgres database lists no tables", async function () {
      skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL (a fresh Postgres database)");
      const database = (await createTestDatabase("demo_seed_prod"))!;
      const server = await spawnServer({ env: { NODE_ENV: "production", JWT_SECRET: STRONG_SECRET, DATABASE_URL: database.url } });
      try {
        const tables = await http(server.url, "GET", "/api/tables");
        assert.equal(tables.status, 200);
        assert.deepEqual(tables.body, []);
      } finally {
        await server.stop();
        await database.drop();
      }
    });

    it("`npm start` on embedded defaults lists the demo tables", async () => {
      const server = await spawnServer();
      try {
        const tables = await http(server.url, "GET", "/api/tables");
        assert.deepEqual(
          (tables.body as { tableId: string }[]).map((t) => t.tableId).sort(),
          ["demo-dining", "demo-holdem"],
        );
      } finally {
        await server.stop();
      }
    });
  });
});
