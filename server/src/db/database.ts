import { mkdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Logger } from "../logger.ts";

/**
 * The application's only way to Postgres. In both modes it is a `pg.Pool`, so one SQL
 * code path serves both:
 * - `DATABASE_URL` set: a pool to that server.
 * - unset: an embedded PGlite (in `DATA_DIR`, or in memory for `:memory:`), served on a
 *   loopback port by `@electric-sql/pglite-socket` and reached through the same `pg`.
 */
export interface Database {
  readonly pool: pg.Pool;
  readonly kind: "postgres" | "embedded";
  /** Round trip time of `SELECT 1` in ms; throws when the database is unreachable. */
  ping(): Promise<number>;
  /** Runs `fn` in a transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  logger: Logger;
  /** Pool size for a Postgres server; embedded mode always uses one connection (see below). */
  maxConnections?: number;
}

// BIGINT (int8) values we store are counters and epoch-ms that fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.maxConnections ?? 10 });
    pool.on("error", (err) => options.logger.warn({ err }, "idle postgres client error"));
    return wrapPool(pool, "postgres", async () => {
      await pool.end();
    });
  }
  return openEmbedded(options);
}

async function openEmbedded(options: DatabaseOptions): Promise<Database> {
  const inMemory = options.dataDir === ":memory:";
  let dataPath: string | undefined;
  if (!inMemory) {
    dataPath = path.resolve(options.dataDir, "pglite");
    mkdirSync(dataPath, { recursive: true });
  }
  const db = dataPath ? await PGlite.create(dataPath) : await PGlite.create();
  // ONE connection. PGlite is a single Postgres backend: every socket connection shares
  // its session, so the unnamed prepared statement and portal of the extended query
  // protocol are shared too, and pglite-socket interleaves messages of different
  // connections (seen as "bind message supplies 4 parameters" / "portal cannot be run"
  // under concurrent requests). PGlite runs one query at a time anyway, so a single
  // pooled connection costs no throughput; pg queues the callers.
  const maxConnections = 1;
  // Port 0: the OS picks a free loopback port, so several embedded nodes (tests) coexist.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 });
  await server.start();
  const conn = server.getServerConn();
  const pool = new pg.Pool({
    connectionString: `postgres://postgres@${conn}/postgres`,
    max: maxConnections,
    // PGlite has no SSL and ignores the password; keep pg from asking for either.
    ssl: false,
  });
  pool.on("error", (err) => options.logger.warn({ err }, "idle embedded postgres client error"));
  options.logger.info({ dataDir: dataPath ?? ":memory:", conn }, "embedded postgres (PGlite) ready");
  return wrapPool(pool, "embedded", async () => {
    await pool.end();
    await server.stop();
    await db.close();
  });
}

function wrapPool(pool: pg.Pool, kind: Database["kind"], shutdown: () => Promise<void>): Database {
  let closed = false;
  return {
    pool,
    kind,
    async ping() {
      const started = performance.now();
      await pool.query("SELECT 1");
      return Math.round((performance.now() - started) * 100) / 100;
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(client);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await shutdown();
    },
  };
}
