/**
 * Configuration errors stop the process at start with one line naming the variable,
 * and the CLIs (`npm run token`, `npm run migrate`) behave as documented.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "../../server/src/config.ts";
import { createTestDatabase, skipUnless } from "../support/services.ts";
import { runEntry } from "./helpers.ts";

describe("configuration", function () {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-config-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Starts `npm start`'s entry point and expects it to stop at once, naming `variable`. */
  async function expectStartFailure(env: Record<string, string>, variable: string): Promise<void> {
    const run = await runEntry("server/src/main.ts", [], { DATA_DIR: dataDir, ...env });
    assert.notEqual(run.code, 0, "exit code");
    assert.notEqual(run.code, null, "exited by itself");
    const lines = (run.stdout + run.stderr).trim().split("\n");
    assert.equal(lines.length, 1, `one line, got:\n${lines.join("\n")}`);
    assert.match(lines[0], new RegExp(`\\b${variable}\\b`));
    assert.doesNotMatch(lines[0], /\bat \S+ \(/, "no stack trace");
  }

  it("PORT=abc stops the process with one line naming PORT", async () => {
    await expectStartFailure({ PORT: "abc" }, "PORT");
  });

  it("NODE_ENV=production without JWT_SECRET stops the process naming JWT_SECRET", async () => {
    await expectStartFailure({ NODE_ENV: "production", PORT: "0" }, "JWT_SECRET");
  });

  describe("loadConfig", function () {
    const bad: [string, string][] = [
      ["PORT", "70000"],
      ["PORT", "-1"],
      ["SEAT_GRACE_SECONDS", "0"],
      ["HOLD_TTL_SECONDS", "1.5"],
      ["SESSION_CACHE_TTL_SECONDS", "soon"],
      ["REDIS_URL", "127.0.0.1:6379"],
      ["DATABASE_URL", "mysql://localhost/x"],
      ["JWT_SECRET", "short"],
      ["RATE_LIMITS", "{not json"],
      ["RATE_LIMITS", '{"signin":{"points":0,"durationSeconds":60}}'],
      ["RATE_LIMITS", '{"signon":{"points":5,"durationSeconds":60}}'],
      ["DEMO_PAYMENTS", "maybe"],
      ["LOG_LEVEL", "loud"],
      ["NODE_ENV", "staging"],
      ["MAX_BODY_BYTES", "0"],
      ["REDIS_CLUSTER_NODES", "127.0.0.1"],
      ["REDIS_CLUSTER_NODES", "127.0.0.1:7001,host:99999"],
      ["REDIS_CLUSTER_NODES", ","],
      ["REDIS_URL", "redis+cluster://"],
    ];
    for (const [name, value] of bad) {
      it(`rejects ${name}=${value} naming ${name}`, () => {
        assert.throws(
          () => loadConfig({ [name]: value }),
          (err: unknown) => err instanceof ConfigError && err.message.includes(`${name}:`) && !err.message.includes("\n"),
        );
      });
    }

    it("REDIS_CLUSTER_NODES or a redis+cluster:// REDIS_URL is a Redis Cluster; never both settings", () => {
      assert.deepEqual(loadConfig({ REDIS_CLUSTER_NODES: "127.0.0.1:7001, 10.0.0.2:7002,[::1]:7003" }).redis, {
        kind: "cluster",
        nodes: [
          { host: "127.0.0.1", port: 7001 },
          { host: "10.0.0.2", port: 7002 },
          { host: "::1", port: 7003 },
        ],
      });
      const fromUrl = loadConfig({ REDIS_URL: "rediss+cluster://app:p%40ss@r1:7001,r2:7002" });
      assert.deepEqual(fromUrl.redis, {
        kind: "cluster",
        nodes: [
          { host: "r1", port: 7001 },
          { host: "r2", port: 7002 },
        ],
        username: "app",
        password: "p@ss",
        tls: true,
      });
      assert.equal(fromUrl.redisUrl, undefined, "redisUrl is the single server's URL only");
      assert.deepEqual(loadConfig({ REDIS_URL: "redis://h:6379/2" }).redis, { kind: "single", url: "redis://h:6379/2" });
      assert.throws(
        () => loadConfig({ REDIS_URL: "redis://h:6379", REDIS_CLUSTER_NODES: "h:7001" }),
        (err: unknown) => err instanceof ConfigError && err.message.includes("REDIS_CLUSTER_NODES:"),
      );
    });

    it("applies the documented defaults when nothing is set", () => {
      const c = loadConfig({});
      assert.equal(c.port, 2567);
      assert.equal(c.dataDir, "./.data");
      assert.equal(c.redisUrl, undefined);
      assert.equal(c.databaseUrl, undefined);
      assert.equal(c.redisPrefix, "hf:");
      assert.equal(c.jwtSecretGenerated, true);
      assert.ok(c.jwtSecret.length >= 32);
      assert.equal(c.sessionTtlSeconds, 604800);
      assert.equal(c.sessionCacheTtlSeconds, 60);
      assert.equal(c.seatGraceSeconds, 300);
      assert.equal(c.maxBodyBytes, 65536);
      assert.equal(c.demoPayments, false);
      assert.equal(c.logLevel, "info");
      assert.equal(c.rateLimits?.signin.points, 5);
    });

    it("treats empty strings as unset, and RATE_LIMITS=off / JSON overrides", () => {
      assert.equal(loadConfig({ PORT: "", REDIS_URL: "" }).port, 2567);
      assert.equal(loadConfig({ RATE_LIMITS: "off" }).rateLimits, null);
      const custom = loadConfig({ RATE_LIMITS: '{"holds":{"points":2,"durationSeconds":5}}' }).rateLimits;
      assert.deepEqual(custom?.holds, { points: 2, durationSeconds: 5 });
      assert.equal(custom?.signin.points, 5, "other classes keep their defaults");
    });

    it("refuses DEMO_PAYMENTS=on in production", () => {
      assert.throws(
        () => loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(32), DEMO_PAYMENTS: "on" }),
        /DEMO_PAYMENTS/,
      );
    });
  });
});

describe("CLIs", function () {
  it("npm run token without JWT_SECRET fails with one line explaining the per-process secret", async () => {
    const run = await runEntry("server/src/cli/token.ts", ["--admin"], {});
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "", "no token printed");
    const lines = run.stderr.trim().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /JWT_SECRET/);
    assert.match(lines[0], /random/);
  });

  describe("npm run migrate", function () {
    it("on the embedded database applies the migrations once, then reports up to date", async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-migrate-cli-"));
      try {
        const first = await runEntry("server/src/cli/migrate.ts", [], { DATA_DIR: dataDir });
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /applied \d+ migration\(s\)/);
        assert.match(first.stdout, /0001_identity/);
        const second = await runEntry("server/src/cli/migrate.ts", [], { DATA_DIR: dataDir });
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stdout, /up to date/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it("on DATABASE_URL applies the migrations and exits 0", async function () {
      skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL (migrate against Postgres)");
      const db = await createTestDatabase("migrate_cli");
      try {
        const run = await runEntry("server/src/cli/migrate.ts", [], { DATABASE_URL: db!.url });
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /0001_identity/);
        assert.doesNotMatch(run.stdout, /embedded/);
      } finally {
        await db?.drop();
      }
    });

    it("names the problem and exits non-zero when the database is unreachable", async () => {
      const run = await runEntry("server/src/cli/migrate.ts", [], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
      assert.notEqual(run.code, 0);
      const lines = run.stderr.trim().split("\n");
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], /^holdfast migrate: postgres:\/\/nobody@127\.0\.0\.1:1\/none: .*ECONNREFUSED/);
    });
  });
});
