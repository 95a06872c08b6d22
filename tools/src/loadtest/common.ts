/**
 * What every load scenario and the bench share: spawning `server/src/main.ts` (also used
 * by test/support/server-process.ts), loopback ports, scratch Postgres databases and
 * Redis DBs, an admin token, option parsing, a progress bar, a bounded task pool,
 * percentiles and the final report table.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import cliProgress from "cli-progress";
import { InvalidArgumentError, type Command } from "commander";
import { Redis } from "ioredis";
import pg from "pg";
import { AccessTokens } from "../../../server/src/identity/tokens.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const LISTENING = /"port":(\d+)[^\n]*holdfast node listening/;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A free loopback port (for servers that must know their port before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// --- server processes ----------------------------------------------------------------------

export interface SpawnServerOptions {
  /** The child's whole environment. */
  env: Record<string, string>;
  /** Node flags before the script (e.g. --max-semi-space-size). */
  nodeArgs?: string[];
  /** Keep only the last this many characters of output (default: all). */
  outputChars?: number;
  /** Also write everything the process prints to this file. */
  logFile?: string;
  /** Runs once the process has exited after stop() or kill() (e.g. removes a data dir). */
  cleanup?: () => void;
  /** Start through `npm start` (npm -> with-node -> server) instead of Node directly. */
  viaNpm?: boolean;
}

export interface ServerChild {
  readonly proc: ChildProcess;
  /** What the process printed (stdout + stderr). */
  output(): string;
  /** Resolves with the port from the "holdfast node listening" log line (LOG_LEVEL info or lower). */
  listening(timeoutMs: number): Promise<number>;
  /** Polls `${url}/readyz` until it answers 200. */
  ready(url: string, timeoutMs: number): Promise<void>;
  /** SIGTERM (drain) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `server/src/main.ts` as a child process: on this Node through tsx (the sources
 * as they are now), or with `viaNpm` the way an operator does, `npm start`.
 */
export function spawnServerProcess(o: SpawnServerOptions): ServerChild {
  const [command, args] = o.viaNpm
    ? ["npm", ["start", "--silent"]]
    : [process.execPath, [...(o.nodeArgs ?? []), "--conditions=holdfast-source", "--import", "tsx", path.join(ROOT, "server/src/main.ts")]];
  const proc = spawn(command, args, { cwd: ROOT, env: o.env, stdio: ["ignore", "pipe", "pipe"] });
  const keep = o.outputChars ?? Infinity;
  let out = "";
  let onOutput = () => {};
  const take = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > keep) out = out.slice(-keep);
    onOutput();
  };
  proc.stdout!.on("data", take);
  proc.stderr!.on("data", take);
  if (o.logFile) {
    const log = createWriteStream(o.logFile);
    proc.stdout!.pipe(log);
    proc.stderr!.pipe(log);
  }
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const listeningPort = new Promise<number>((resolve, reject) => {
    onOutput = () => {
      const match = LISTENING.exec(out);
      if (!match) return;
      onOutput = () => {};
      resolve(Number(match[1]));
    };
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
  listeningPort.catch(() => undefined); // only an error for whoever waits on it
  const stopWith = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
    o.cleanup?.();
  };
  return {
    proc,
    output: () => out,
    async listening(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`server did not start in time:\n${out}`)), timeoutMs);
      });
      try {
        return await Promise.race([listeningPort, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async ready(url, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode} before it was ready:\n${out}`);
        if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return;
        if (Date.now() > deadline) throw new Error(`server not ready in time:\n${out}`);
        await sleep(100);
      }
    },
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
  };
}

export interface NodeProcess extends ServerChild {
  name: string;
  port: number;
  url: string;
}

/**
 * A scenario's node: `server/src/main.ts` on `port`, ready (/readyz) when this resolves.
 * REDIS_URL and DATABASE_URL come from `env` only; without DATABASE_URL the node gets a
 * temp DATA_DIR (embedded Postgres), removed at stop. With `publicAddress`, the node
 * announces 127.0.0.1:port (several nodes); without, clients' sockets go back to the
 * address they asked (a proxy in front of one node).
 */
export async function startNode(name: string, port: number, env: Record<string, string>, publicAddress = false): Promise<NodeProcess> {
  const dataDir = env.DATABASE_URL ? undefined : mkdtempSync(path.join(os.tmpdir(), "holdfast-loadtest-"));
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !["REDIS_URL", "REDIS_CLUSTER_NODES", "DATABASE_URL"].includes(k)) childEnv[k] = v;
  Object.assign(childEnv, { PORT: String(port), RATE_LIMITS: "off", LOG_LEVEL: "warn", NODE_ENV: "test" });
  if (publicAddress) childEnv.PUBLIC_ADDRESS = `127.0.0.1:${port}`;
  else delete childEnv.PUBLIC_ADDRESS;
  if (dataDir) childEnv.DATA_DIR = dataDir;
  // HF_LT_SERVER_PROF=DIR: a V8 CPU profile of each node, written when it exits.
  if (process.env.HF_LT_SERVER_PROF) childEnv.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${process.env.HF_LT_SERVER_PROF}`;
  Object.assign(childEnv, env);
  const child = spawnServerProcess({
    env: childEnv,
    outputChars: 20_000,
    cleanup: () => dataDir && rmSync(dataDir, { recursive: true, force: true }),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    // Generous: a cold start (tsx, migrations) on a loaded 2-core machine.
    await child.ready(url, 180_000);
  } catch (err) {
    await child.kill();
    throw new Error(`node ${name}: ${(err as Error).message}`);
  }
  return { ...child, name, port, url };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
  } catch {
    return NaN;
  }
}

/** Peak resident set of a process in MB, from /proc (Linux); NaN elsewhere. */
export function peakRssMb(pid: number | undefined): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return hwm ? Math.round(Number(hwm[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

// --- backends ------------------------------------------------------------------------------

/** A fresh database on the Postgres server of `baseUrl`; `drop()` removes it. */
export async function scratchDatabase(baseUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const dbName = `hf_lt_${name}_${randomUUID().slice(0, 8)}`.replace(/[^a-z0-9_]/g, "_");
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${dbName}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Empties the Redis DB of `url` (the scenario's own DB: Colyseus keeps global keys there). */
export async function flushRedis(url: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await r.flushdb();
  } finally {
    r.disconnect();
  }
}

/** Redis URL for a scenario: --redis, else REDIS_URL (or localhost) on DB `db`. */
export function scenarioRedisUrl(given: string | undefined, db: number): string {
  if (given) return given;
  const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  url.pathname = `/${db}`;
  return url.toString();
}

/** An admin access token signed with the nodes' JWT secret (like `npm run token -- --admin`). */
export function adminToken(secret: string, name = "loadtest", ttlMs = 24 * 3600_000): string {
  return new AccessTokens(secret).sign(
    { sub: `u_${name}_admin_${randomUUID().slice(0, 8)}`, sid: `s_${randomUUID()}`, name, roles: ["admin"], prv: true },
    new Date(Date.now() + ttlMs),
  );
}

// --- options, progress, results ------------------------------------------------------------

export const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
};

export const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
};

/** Parses a scenario's argv with `cmd`; --help exits 0, a bad option exits 1 (commander printed why). */
export function parseScenarioOptions<T extends object>(cmd: Command, argv: string[]): T {
  cmd.exitOverride().configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  try {
    cmd.parse(argv, { from: "user" });
  } catch (err) {
    const code = (err as { code?: string }).code;
    process.exit(code === "commander.helpDisplayed" || code === "commander.help" ? 0 : 1);
  }
  return cmd.opts<T>();
}

/** The scenarios' progress bar: `{phase} [bar] value/total {extra}`. */
export function progressBar(options: cliProgress.Options = {}): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ format: "{phase} [{bar}] {value}/{total} {extra}", hideCursor: true, ...options }, cliProgress.Presets.shades_classic);
}

/** Runs `task(i)` for i < n with at most `inFlight` at once; the results in order. */
export async function pool<T>(n: number, inFlight: number, task: (i: number) => Promise<T>, onDone?: () => void): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
      onDone?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, worker));
  return out;
}

/** Percentiles come from an HDR histogram (latency.ts); re-exported for the scenarios. */
export { percentile } from "./latency.ts";

/** Prints `rows` as an aligned two-column table, under `title` when given. */
export function printTable(title: string | undefined, rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(title === undefined ? "" : `\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}
