/** Small helpers shared by the foundation tests (not a public test-support API). */
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Express } from "express";
import { openDatabase, type Database } from "../../server/src/db/database.ts";
import { migrate } from "../../server/src/db/migrate.ts";
import { SessionRepository } from "../../server/src/identity/session-repository.ts";
import { SessionService, type SessionServiceOptions } from "../../server/src/identity/session-service.ts";
import { AccessTokens } from "../../server/src/identity/tokens.ts";
import { createLogger } from "../../server/src/logger.ts";
import type { RedisClient } from "../../server/src/redis/redis-client.ts";
import { backendConfigured, backendSetting, connectBackend, deleteKeysUnder, type RedisBackend } from "../support/redis-backends.ts";
import { skipUnless } from "../support/services.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A logger that prints nothing (tests assert on behaviour, not on log lines). */
export const silentLogger = () => createLogger("silent");

/** Listens on a free loopback port; `close()` also drops keep-alive sockets. */
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a TypeScript entry point of this repository (`server/src/main.ts`, a CLI) to
 * its exit, with exactly `env` on top of PATH/HOME (no REDIS_URL/DATABASE_URL leak in).
 * The bound is for a hung process only (a cold start on a loaded 2-core machine, tsx
 * and PGlite, can take most of a minute); it stays under mocha's 120 s so the output shows.
 */
export async function runEntry(entry: string, args: string[], env: Record<string, string>, timeoutMs = 100_000): Promise<RunResult> {
  const base: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR"]) if (process.env[k]) base[k] = process.env[k]!;
  const started = performance.now();
  const child = spawn(process.execPath, ["--conditions=holdfast-source", "--import", "tsx", path.join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${entry} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Deletes every key under `prefix` (SCAN, never KEYS) and disconnects. */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<number> {
  return deleteKeysUnder(redis, prefix);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A migrated in-memory PGlite database for the calling suite (opened in `before`,
 * closed in `after`); the returned function gives it to the tests.
 */
export function embeddedDatabase(): () => Database {
  let db: Database | undefined;
  before(async () => {
    db = await openDatabase({ dataDir: ":memory:", logger: silentLogger() });
    await migrate(db);
  });
  after(async () => {
    await db?.close();
  });
  return () => db!;
}

export const SESSION_TEST_SECRET = "session-test-secret-0123456789";

/**
 * A SessionService over `db` with test defaults (secret SESSION_TEST_SECRET, 1 h
 * sessions, 60 s cache TTL, revocations published nowhere); `options` override them.
 */
export function sessionService(db: Database, options: Partial<SessionServiceOptions> & Pick<SessionServiceOptions, "cache">): SessionService {
  return new SessionService({
    repository: new SessionRepository(db.pool),
    tokens: new AccessTokens(SESSION_TEST_SECRET),
    revocations: { publishRevoked: async () => undefined },
    logger: silentLogger(),
    sessionTtlSeconds: 3600,
    cacheTtlSeconds: 60,
    ...options,
  });
}

/**
 * A connection to `backend` (one Redis server or the test cluster) for the enclosing
 * describe block: skips it (or fails under REQUIRE_SERVICES=1) when the backend is not
 * configured, and deletes every key under `prefix` after. Read `.redis` inside hooks
 * and tests (it is set by the `before` hook).
 */
export function redisForSuite(prefix: string, what: string, backend: RedisBackend = "redis"): { readonly redis: RedisClient } {
  let redis: RedisClient | undefined;
  before(async function () {
    skipUnless(this, backendConfigured(backend), `${backendSetting(backend)} (${what})`);
    redis = connectBackend(backend);
    await redis.ping();
  });
  after(async function () {
    if (!redis) return;
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
  });
  return {
    get redis() {
      if (!redis) throw new Error("Redis is not connected yet (use it inside hooks and tests)");
      return redis;
    },
  };
}
