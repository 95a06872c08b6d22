/**
 * Shared parts of the table load scenarios (`table-reconnect`, `node-kill`): server
 * processes on loopback, an admin token, tables, SDK players whose event feeds are
 * checked for gaps and duplicates, percentiles and the final report table.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HoldfastClient, MemoryStorage, type HoldfastError, type TableConnection } from "@holdfast/client-sdk";
import { Redis } from "ioredis";
import pg from "pg";
import { AccessTokens } from "../identity/tokens.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

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

export interface NodeProcess {
  name: string;
  port: number;
  url: string;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM (drain) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `server/src/main.ts` on `port` and waits for /readyz. With `publicAddress`, the
 * node announces 127.0.0.1:port (several nodes); without, clients' sockets go back to the
 * address they asked (a proxy in front of one node).
 */
export async function startNode(name: string, port: number, env: Record<string, string>, publicAddress = false): Promise<NodeProcess> {
  const dataDir = env.DATABASE_URL ? undefined : mkdtempSync(path.join(os.tmpdir(), "holdfast-loadtest-"));
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !["REDIS_URL", "DATABASE_URL"].includes(k)) childEnv[k] = v;
  Object.assign(childEnv, { PORT: String(port), RATE_LIMITS: "off", LOG_LEVEL: "warn", NODE_ENV: "test" });
  if (publicAddress) childEnv.PUBLIC_ADDRESS = `127.0.0.1:${port}`;
  else delete childEnv.PUBLIC_ADDRESS;
  if (dataDir) childEnv.DATA_DIR = dataDir;
  // HF_LT_SERVER_PROF=DIR: a V8 CPU profile of each node, written when it exits.
  if (process.env.HF_LT_SERVER_PROF) childEnv.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${process.env.HF_LT_SERVER_PROF}`;
  Object.assign(childEnv, env);
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/src/main.ts")], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  proc.stderr!.on("data", (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`node ${name} exited before it was ready:\n${out}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`node ${name} not ready in time:\n${out}`);
    await sleep(100);
  }
  const stopWith = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return { name, port, url, proc, output: () => out, stop: () => stopWith("SIGTERM"), kill: () => stopWith("SIGKILL") };
}

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

export function adminToken(secret: string): string {
  return new AccessTokens(secret).sign(
    { sub: `u_loadtest_admin_${randomUUID().slice(0, 8)}`, sid: `s_${randomUUID()}`, name: "loadtest", roles: ["admin"], prv: true },
    new Date(Date.now() + 24 * 3600_000),
  );
}

export async function createTable(url: string, token: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/api/tables`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`could not create table: ${res.status} ${await res.text()}`);
}

/**
 * One seated SDK client whose app-facing feed is checked: a seq at or below the last one
 * is a duplicate, one more than a step ahead is a gap (a snapshot announced by the SDK
 * moves the expected seq on and is counted apart).
 */
export class FeedPlayer {
  conn!: TableConnection;
  client: HoldfastClient;
  seat = -1;
  gaps = 0;
  duplicates = 0;
  snapshots = 0;
  events = 0;
  readonly errors: HoldfastError[] = [];
  private last = -1;

  constructor(
    url: string,
    readonly name: string,
    readonly tableId: string,
  ) {
    this.client = new HoldfastClient({ url, storage: new MemoryStorage(), heartbeatSeconds: 30, reconnect: { minDelayMs: 50, maxDelayMs: 1000 } });
  }

  async join(seat: number, buyIn?: number): Promise<void> {
    await this.client.auth.guest(this.name);
    this.conn = await this.client.tables.join(this.tableId);
    this.last = this.conn.lastSeq;
    this.conn.onEvent((e) => {
      this.events++;
      if (e.seq <= this.last) this.duplicates++;
      else if (e.seq > this.last + 1) this.gaps++;
      this.last = Math.max(this.last, e.seq);
    });
    this.conn.onSnapshot((s) => {
      this.snapshots++;
      this.last = Math.max(this.last, s.seq);
    });
    this.conn.onError((e) => this.errors.push(e));
    const reply = await this.conn.sit(buyIn === undefined ? { seat } : { seat, buyIn });
    this.seat = reply.seat;
  }

  /** Seated again: connected, same seat, active, this player's. */
  get seated(): boolean {
    const c = this.conn;
    if (!c || (c.status !== "connected" && c.status !== "restored")) return false;
    const s = c.state?.seats?.[this.seat];
    return c.seat === this.seat && s?.status === "active" && s.userId === this.client.auth.session?.userId;
  }

  leave(): Promise<void> {
    return this.conn ? this.conn.leave().catch(() => undefined) : Promise.resolve();
  }
}

/** Runs `task(i)` for i < n with at most `inFlight` at once. */
export async function pool(n: number, inFlight: number, task: (i: number) => Promise<void>, onDone?: () => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await task(i);
      onDone?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, worker));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Prints `rows` as an aligned two-column table. */
export function printTable(title: string, rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

/** Redis URL for a scenario: --redis, else REDIS_URL (or localhost) on DB `db`. */
export function scenarioRedisUrl(given: string | undefined, db: number): string {
  if (given) return given;
  const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  url.pathname = `/${db}`;
  return url.toString();
}
