/**
 * What an operator sees: one line naming the variable when Redis or Postgres cannot be
 * reached at start (no ioredis MaxRetriesPerRequestError, no stack), a warning for
 * REDIS_URL without PUBLIC_ADDRESS, the URL in the listening line, no warning on a clean
 * embedded start, a quiet shutdown in Redis mode, and readable lines on a terminal.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolveLogFormat } from "../../server/src/logger.ts";
import { spawnServer } from "../support/server-process.ts";
import { skipUnless, testRedisUrl } from "../support/services.ts";
import { runEntry } from "./helpers.ts";

const REDIS_DB = 14;
const SECRET = "operator-experience-secret-0123456789";

/** Log lines at warn (40) or above, as JSON objects. */
function warnings(output: string): { level: number; msg: string }[] {
  return output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 40);
}

describe("operator experience", function () {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-operator-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("unreachable Redis: one line naming REDIS_URL and the cause, exit 1, after a warning about PUBLIC_ADDRESS", async () => {
    const run = await runEntry("server/src/main.ts", [], { DATA_DIR: dataDir, JWT_SECRET: SECRET, PORT: "0", REDIS_URL: "redis://127.0.0.1:1" });
    const out = run.stdout + run.stderr;
    assert.equal(run.code, 1, out);
    const lines = warnings(out);
    assert.deepEqual(
      lines.map((l) => l.msg.split(":")[0]),
      ["REDIS_URL is set without PUBLIC_ADDRESS", "holdfast"],
      out,
    );
    assert.match(lines[1].msg, /^holdfast: cannot reach Redis at REDIS_URL=redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
    assert.doesNotMatch(out, /MaxRetriesPerRequest|\n\s+at /, "no ioredis error name, no stack");
  });

  it("unreachable Redis Cluster: one line naming REDIS_CLUSTER_NODES and the cause, exit 1 (the start does not wait forever)", async () => {
    const run = await runEntry("server/src/main.ts", [], { DATA_DIR: dataDir, JWT_SECRET: SECRET, PORT: "0", REDIS_CLUSTER_NODES: "127.0.0.1:1", PUBLIC_ADDRESS: "127.0.0.1:1" });
    const out = run.stdout + run.stderr;
    assert.equal(run.code, 1, out);
    const lines = warnings(out);
    assert.equal(lines.length, 1, out);
    assert.match(lines[0].msg, /^holdfast: cannot reach Redis at REDIS_CLUSTER_NODES=127\.0\.0\.1:1: /);
    assert.doesNotMatch(out, /\n\s+at /, "no stack");
  });

  it("unreachable Postgres: one line naming DATABASE_URL (password hidden), exit 1", async () => {
    const run = await runEntry("server/src/main.ts", [], { JWT_SECRET: SECRET, PORT: "0", DATABASE_URL: "postgres://app:s3cret@127.0.0.1:1/holdfast" });
    const out = run.stdout + run.stderr;
    assert.equal(run.code, 1, out);
    const lines = warnings(out);
    assert.equal(lines.length, 1, out);
    assert.match(lines[0].msg, /^holdfast: cannot reach Postgres at DATABASE_URL=postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/holdfast: connect ECONNREFUSED/);
    assert.doesNotMatch(out, /s3cret|\n\s+at /);
  });

  it("a clean embedded start logs no warning (JWT_SECRET given) and says where it listens", async () => {
    const server = await spawnServer({ env: { JWT_SECRET: SECRET } });
    try {
      const out = server.output();
      assert.deepEqual(warnings(out), [], out);
      assert.match(out, new RegExp(`holdfast node listening on http://localhost:${server.port} \\(demo page: http://localhost:${server.port}/\\)`));
    } finally {
      await server.stop();
    }
  });

  it("a Redis-mode stop prints no ioredis 'Connection is closed' stacks", async function () {
    const redisUrl = await testRedisUrl(REDIS_DB);
    skipUnless(this, Boolean(redisUrl), "REDIS_URL (a Redis-mode node)");
    const server = await spawnServer({ env: { JWT_SECRET: SECRET, REDIS_URL: redisUrl, PUBLIC_ADDRESS: "127.0.0.1:1" } });
    await server.stop();
    const out = server.output();
    assert.match(out, /"msg":"stopped"/, out);
    assert.doesNotMatch(out, /Connection is closed|\n\s+at /, out);
    assert.equal(server.proc.exitCode, 0);
  });

  it("LOG_FORMAT=auto: pretty on a terminal, JSON in a pipe", () => {
    assert.equal(resolveLogFormat("auto", true), "pretty");
    assert.equal(resolveLogFormat("auto", false), "json");
    assert.equal(resolveLogFormat("json", true), "json");
  });

  it("LOG_FORMAT=pretty prints readable single lines", async () => {
    const run = await runEntry("server/src/main.ts", [], { LOG_FORMAT: "pretty", JWT_SECRET: SECRET, PORT: "0", REDIS_URL: "redis://127.0.0.1:1", DATA_DIR: dataDir });
    const out = run.stdout + run.stderr;
    assert.match(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] (?:\S*)WARN(?:\S*): (?:\S*)REDIS_URL is set without PUBLIC_ADDRESS/m, out);
    assert.doesNotMatch(out, /^\{/m, "no JSON lines");
  });
});
