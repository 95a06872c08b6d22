import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Logger } from "../logger.ts";

/**
 * The application's only way to Postgres. In both modes it is a `pg.Pool`, so one SQL
 * code path serves both:
 * - `DATABASE_URL` set: a pool to that server.
 * - unset: an embedded PGlite (in `DATA_DIR`, or in memory for `:memory:`), served by
 *   `@electric-sql/pglite-socket` on a unix socket only this process's user can open
 *   (see `privateSocket`) and reached through the same `pg`.
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
  /** Embedded mode: PGlite's `shared_buffers` (EMBEDDED_PG_SHARED_BUFFERS), e.g. "16MB". */
  sharedBuffers?: string;
}

// BIGINT (int8) values we store are counters and epoch-ms that fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * An empty, initialised PGlite data directory (`npm run build` makes it): a fresh
 * DATA_DIR is unpacked from it instead of running initdb, most of a first start.
 */
const PGLITE_SEED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/pglite-seed.tar.gz");

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.maxConnections ?? 10 });
    // An idle connection dropped (Postgres restarted, network cut): the next query reconnects
    // or fails into the error boundary; one line without a stack is enough here.
    pool.on("error", (err) => options.logger.warn({ err: err.message }, "idle postgres client error"));
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
  // PGlite has no authentication: whoever reaches its socket is superuser. So no TCP port
  // (any local process could connect); a unix socket in a directory of this user's only.
  // Checked first: a DATA_DIR whose socket a live process answers on is not opened twice.
  const socket = await privateSocket(dataPath);
  const fresh = dataPath !== undefined && !existsSync(path.join(dataPath, "PG_VERSION"));
  const seed = fresh && existsSync(PGLITE_SEED) ? new Blob([readFileSync(PGLITE_SEED)]) : undefined;
  let db: PGlite;
  try {
    // shared_buffers lives in PGlite's WebAssembly memory, which never shrinks: Postgres's
    // 128 MB default is most of an embedded node's RSS, while the data files stay in the
    // OS page cache anyway (DATA_DIR is a real directory).
    const startParams = options.sharedBuffers ? [...PGlite.defaultStartParams, "-c", `shared_buffers=${options.sharedBuffers}`] : undefined;
    const pgOptions = { ...(seed ? { loadDataDir: seed } : {}), ...(startParams ? { startParams } : {}) };
    db = dataPath ? await PGlite.create(dataPath, pgOptions) : await PGlite.create(pgOptions);
  } catch (err) {
    socket.remove();
    throw err;
  }
  // ONE connection. PGlite is a single Postgres backend: every socket connection shares
  // its session, so the unnamed prepared statement and portal of the extended query
  // protocol are shared too, and pglite-socket interleaves messages of different
  // connections (seen as "bind message supplies 4 parameters" / "portal cannot be run"
  // under concurrent requests). PGlite runs one query at a time anyway, so a single
  // pooled connection costs no throughput; pg queues the callers.
  const maxConnections = 1;
  const server = new PGLiteSocketServer({ db, path: socket.file, maxConnections: 4 });
  try {
    await server.start();
    chmodSync(socket.file, 0o600);
  } catch (err) {
    await db.close().catch(() => undefined);
    socket.remove();
    throw err;
  }
  const conn = socket.file;
  const pool = new pg.Pool({
    // pg reaches a unix socket as `${host}/.s.PGSQL.${port}`.
    host: socket.dir,
    port: SOCKET_PORT,
    user: "postgres",
    database: "postgres",
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
    socket.remove();
  });
}

/** The "port" in the socket's file name, `.s.PGSQL.5432`, which is what pg connects to. */
const SOCKET_PORT = 5432;
/** Linux limits a unix socket path to 107 bytes; longer DATA_DIRs use a temp directory. */
const MAX_SOCKET_PATH = 100;

/**
 * Where the embedded database listens: `DATA_DIR/run/.s.PGSQL.5432`, the directory 0700
 * and the socket 0600, so only this process's user can connect. With `DATA_DIR=:memory:`
 * (or a DATA_DIR too long for a socket path) a private temp directory (0700, removed at
 * close). A socket file left by a crashed process is replaced; one that a live process
 * still answers on is not (that process owns the DATA_DIR).
 */
async function privateSocket(dataPath: string | undefined): Promise<{ dir: string; file: string; remove(): void }> {
  const name = `.s.PGSQL.${SOCKET_PORT}`;
  if (dataPath) {
    const dir = path.join(path.dirname(dataPath), "run");
    if (path.join(dir, name).length <= MAX_SOCKET_PATH) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const file = path.join(dir, name);
      if (await answers(file)) throw new Error(`DATA_DIR is in use: another process serves its database on ${file}`);
      rmSync(file, { force: true });
      return { dir, file, remove: () => rmSync(file, { force: true }) };
    }
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "holdfast-pg-")); // mkdtemp makes it 0700
  return { dir, file: path.join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether something accepts connections on the unix socket `file`. */
function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createConnection(file);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
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
