/**
 * `npm run bench -- tables [--clients N] [--rounds R] [--generators G] [--seconds S] [--json FILE]`
 *
 * What durability costs a table, measured side by side with a bare Colyseus 0.18 room
 * (bare-server.ts: same packages, a MapSchema of 10 players, handlers that mutate the
 * state and reply). Rounds interleave the baseline and Holdfast (bare, holdfast, bare,
 * holdfast...; embedded, plus Redis + Postgres when REDIS_URL and DATABASE_URL are set),
 * each on a fresh server process; medians of the rounds and ratios Holdfast / bare are
 * reported. N clients in rooms of 10 are spread over G load-generator processes
 * (load-generator.ts), whose CPU is reported so a saturated client shows.
 *
 * Per round: join (spectator) and join + sit throughput and p99; heap and RSS per
 * seated client (after a GC, read by heap-probe.mjs in the server); server CPU per `hb`
 * and per `cart.set` on a dining table, with messages and bytes each client received;
 * the bytes of a resync of 20 missed events vs a fresh join's full state; a drop storm
 * (every socket reset at once, no close frame) until all are back; and overload
 * (5 `cart.set`/s per client): event-loop lag p99, leases lost, clients closed,
 * commands answered (done or refused). See docs/performance.md for how to read it.
 * HF_BENCH_SERVER_LOG=<file>: the Holdfast server's log (LOG_LEVEL warn) is also written there;
 * HF_BENCH_PROF=<dir>: a V8 CPU profile of each Holdfast server, written when it stops.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import {
  adminToken,
  flushRedis,
  freePort,
  percentile,
  processCpuSeconds,
  scenarioRedisUrl,
  scratchDatabase,
  sleep,
  spawnServerProcess,
  type ServerChild,
} from "../common.ts";
import type { GenClient, GenRequest, GenResult } from "./protocol.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../../..");
const PROBE = path.join(HERE, "heap-probe.mjs");
const SEATS = 10;
const RESYNC_MISSED = 20;

export interface BenchTablesOptions {
  clients: number;
  rounds: number;
  generators: number;
  /** Length of each command phase (hb, cart.set, overload). */
  seconds: number;
  /** `cart.set` and `hb` per client per second in the cost phases. */
  rate: number;
  /** `cart.set` per client per second in the overload phase. */
  overloadRate: number;
  /** Joins in flight per load generator. */
  inFlight: number;
  json?: string;
  quiet?: boolean;
}

type Target = "bare" | "embedded" | "redis+postgres";

/** One round of one target: every figure the report compares. */
export interface RoundFigures {
  target: Target;
  joinPerSec: number;
  joinP99Ms: number;
  joinSitPerSec: number;
  joinSitP99Ms: number;
  joinErrors: number;
  heapPerClientKB: number;
  rssPerClientKB: number;
  rssMB: number;
  hbCpuUsPerCmd: number;
  cmdCpuUsPerCmd: number;
  cmdP99Ms: number;
  /** Per client per cart.set phase second. */
  messagesPerClientSec: number;
  bytesPerClientSec: number;
  /** Per command the whole room set received (the fan-out of one state change). */
  messagesPerCmd: number;
  resyncBytes?: number;
  fullJoinBytes?: number;
  dropAllBackMs: number;
  dropBackP99Ms: number;
  dropNotBack: number;
  overload: {
    sent: number;
    outcomes: Record<string, number>;
    unanswered: number;
    retryHintMedianMs: number;
    lagP99Ms: number;
    lagMaxMs: number;
    leasesLost: number;
    clientsClosed: number;
  };
  /** Busiest load generator's CPU share of one core during the overload phase, the heaviest (near 100 % = the client limits). */
  generatorCpuPct: number;
}

// --- processes ---------------------------------------------------------------------------

class Generator {
  private readonly proc: ChildProcess;
  private waiting: ((r: GenResult) => void) | undefined;
  readonly ready: Promise<GenResult>;

  constructor() {
    this.proc = fork(path.join(HERE, "load-generator.ts"), [], {
      cwd: ROOT,
      execArgv: ["--conditions=holdfast-source", "--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.ready = new Promise((resolve) => (this.waiting = resolve));
    this.proc.on("message", (r: GenResult) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(r);
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  async ask<T extends GenResult["type"]>(req: GenRequest, expect: T): Promise<Extract<GenResult, { type: T }>> {
    const answer = new Promise<GenResult>((resolve) => (this.waiting = resolve));
    this.proc.send(req);
    const r = await answer;
    if (r.type === "error") throw new Error(`load generator: ${r.message}`);
    if (r.type !== expect) throw new Error(`load generator answered ${r.type}, expected ${expect}`);
    return r as Extract<GenResult, { type: T }>;
  }

  stop(): void {
    this.proc.kill("SIGKILL");
  }
}

/** A server under test with the heap probe preloaded. */
interface ServerUnderTest {
  child: ServerChild;
  port: number;
  /** GC, then heap, RSS and event-loop delay since the previous probe. */
  probe(): Promise<{ heapUsed: number; rss: number; lagP99Ms: number; lagMaxMs: number }>;
  setup?(tableIds: string[]): Promise<string>;
  stop(): Promise<void>;
}

function probing(child: ServerChild): ServerUnderTest["probe"] {
  let seen = 0;
  return async () => {
    const count = () => child.output().split("bench-probe ").length - 1;
    seen = count();
    child.proc.kill("SIGUSR2");
    const deadline = Date.now() + 30_000;
    while (count() <= seen) {
      if (Date.now() > deadline) throw new Error("the server did not answer the heap probe");
      await sleep(20);
    }
    const lines = child.output().split("bench-probe ");
    return JSON.parse(lines[lines.length - 1].split("\n")[0]);
  };
}

async function startBare(): Promise<ServerUnderTest> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    ["--expose-gc", "--import", PROBE, "--conditions=holdfast-source", "--import", "tsx", path.join(HERE, "bare-server.ts")],
    { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out = (out + c.toString()).slice(-200_000)));
  proc.stderr!.on("data", (c: Buffer) => (out = (out + c.toString()).slice(-200_000)));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const child: ServerChild = {
    proc,
    output: () => out,
    listening: async () => port,
    ready: async () => undefined,
    stop: async () => {
      proc.kill("SIGTERM");
      await exited;
    },
    kill: async () => {
      proc.kill("SIGKILL");
      await exited;
    },
  };
  const deadline = Date.now() + 60_000;
  while (!out.includes("bare node listening")) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`bare server did not start:\n${out}`);
    await sleep(50);
  }
  return { child, port, probe: probing(child), stop: () => child.stop() };
}

async function startHoldfast(mode: "embedded" | "redis+postgres"): Promise<ServerUnderTest> {
  const port = await freePort();
  const jwtSecret = randomBytes(24).toString("hex");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !["REDIS_URL", "DATABASE_URL"].includes(k)) env[k] = v;
  Object.assign(env, { PORT: String(port), NODE_ENV: "test", JWT_SECRET: jwtSecret, RATE_LIMITS: "off", LOG_LEVEL: "warn", HOLD_TTL_SECONDS: "3600" });
  delete env.PUBLIC_ADDRESS;
  if (process.env.HF_BENCH_PROF) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${process.env.HF_BENCH_PROF}`;
  let dataDir: string | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  if (mode === "embedded") {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-bench-tables-"));
    env.DATA_DIR = dataDir;
  } else {
    env.REDIS_URL = scenarioRedisUrl(undefined, 8);
    await flushRedis(env.REDIS_URL);
    database = await scratchDatabase(process.env.DATABASE_URL!, "bench_tables");
    env.DATABASE_URL = database.url;
  }
  const child = spawnServerProcess({
    env,
    nodeArgs: ["--expose-gc", "--import", PROBE],
    outputChars: 500_000,
    logFile: process.env.HF_BENCH_SERVER_LOG,
    cleanup: () => dataDir && rmSync(dataDir, { recursive: true, force: true }),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await child.ready(url, 180_000);
  } catch (err) {
    await child.kill();
    throw err;
  }
  const admin = adminToken(jwtSecret, "bench");
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  };
  return {
    child,
    port,
    probe: probing(child),
    async setup(tableIds) {
      const sku = "bench-dish";
      await call("PUT", `/api/inventory/${sku}`, { stock: 1_000_000_000, perUserLimit: 1_000_000, name: "Dish", priceCents: 100 });
      await call("PUT", `/api/branches/B1/menu/${sku}`);
      for (const tableId of tableIds) await call("POST", "/api/tables", { tableId, kind: "dining", seats: SEATS, options: { branchId: "B1" } });
      return sku;
    },
    async stop() {
      await child.stop();
      if (env.REDIS_URL) await flushRedis(env.REDIS_URL).catch(() => undefined);
      await database?.drop().catch(() => undefined);
    },
  };
}

// --- one round ---------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function runRound(target: Target, round: number, o: BenchTablesOptions, log: (s: string) => void): Promise<RoundFigures> {
  const server = target === "bare" ? await startBare() : await startHoldfast(target);
  const gens = Array.from({ length: o.generators }, () => new Generator());
  try {
    await Promise.all(gens.map((g) => g.ready));
    const tables = Math.ceil(o.clients / SEATS);
    const tableIds = Array.from({ length: tables }, (_, i) => `bt${round}-${i}`);
    const sku = (await server.setup?.(tableIds)) ?? "";
    const all: GenClient[] = Array.from({ length: o.clients }, (_, i) => ({ name: `b${i}`, tableId: tableIds[Math.floor(i / SEATS)], seat: i % SEATS }));
    const slices = gens.map((_, g) => all.filter((_, i) => i % o.generators === g));
    await Promise.all(gens.map((g, i) => g.ask({ type: "setup", target: target === "bare" ? "bare" : "holdfast", port: server.port, clients: slices[i], sku }, "ok")));
    const idle = await server.probe();
    const cpuOf = () => processCpuSeconds(server.child.proc.pid);
    const genCpu = () => gens.map((g) => processCpuSeconds(g.pid));
    const everyGen = <T extends GenResult["type"]>(req: GenRequest, expect: T) => Promise.all(gens.map((g) => g.ask(req, expect)));

    const joins = await everyGen({ type: "join", inFlight: o.inFlight }, "timing");
    const sits = await everyGen({ type: "sit", inFlight: o.inFlight }, "timing");
    const joinMs = Math.max(...joins.map((j) => j.elapsedMs));
    const sitMs = Math.max(...sits.map((j) => j.elapsedMs));
    const joinLat = joins.flatMap((j) => j.latencies);
    // The sit phase reports each client's join + sit.
    const joinSitLat = sits.flatMap((s) => s.latencies);
    const joinErrors = [...joins, ...sits].reduce((n, j) => n + j.errors, 0);
    const seated = await server.probe();
    log(`  ${target}: joined ${joinLat.length}/${o.clients} in ${(joinMs / 1000).toFixed(1)} s, sat in ${(sitMs / 1000).toFixed(1)} s, errors ${joinErrors}`);

    const phase = async (command: "hb" | "cart.set", rate: number) => {
      const c0 = cpuOf();
      const r = await everyGen({ type: "commands", command, ratePerClient: rate, seconds: o.seconds, timeoutMs: 30_000 }, "commands");
      const cpu = cpuOf() - c0;
      const sent = r.reduce((n, x) => n + x.sent, 0);
      const outcomes: Record<string, number> = {};
      for (const x of r) for (const [k, v] of Object.entries(x.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
      return {
        cpuUs: (cpu * 1e6) / Math.max(1, outcomes.ok ?? 0),
        sent,
        outcomes,
        p99: percentile(r.flatMap((x) => x.latencies), 99),
        messages: r.reduce((n, x) => n + x.messages, 0),
        bytes: r.reduce((n, x) => n + x.bytes, 0),
        closed: r.reduce((n, x) => n + x.closed, 0),
        retryHints: r.flatMap((x) => x.retryHints),
        seconds: Math.max(...r.map((x) => x.sendingMs)) / 1000,
      };
    };
    const hb = await phase("hb", o.rate);
    const cmd = await phase("cart.set", o.rate);
    log(`  ${target}: hb ${hb.cpuUs.toFixed(0)} us CPU each (${JSON.stringify(hb.outcomes)}), cart.set ${cmd.cpuUs.toFixed(0)} us CPU each (${JSON.stringify(cmd.outcomes)})`);

    const resync = target === "bare" ? undefined : await gens[0].ask({ type: "resync", missed: RESYNC_MISSED }, "resync");

    const drops = await everyGen({ type: "drop", timeoutMs: 60_000 }, "timing");
    const back = drops.flatMap((d) => d.latencies);
    const notBack = drops.reduce((n, d) => n + d.errors, 0);
    log(`  ${target}: drop storm: ${back.length}/${o.clients} back, all in ${(Math.max(0, ...back) / 1000).toFixed(2)} s`);

    const lostBefore = leasesLost(server.child.output());
    await server.probe(); // restarts the event-loop delay histogram
    const g0 = genCpu();
    const w0 = performance.now();
    const over = await phase("cart.set", o.overloadRate);
    const g1 = genCpu();
    const wall = (performance.now() - w0) / 1000;
    const overProbe = await server.probe();
    const lost = leasesLost(server.child.output()) - lostBefore;
    for (const why of new Set(leaseLossReasons(server.child.output()))) log(`  ${target}: table lease lost: ${why}`);
    const refusedOrDone = Object.entries(over.outcomes).filter(([k]) => k !== "unanswered").reduce((n, [, v]) => n + v, 0);
    log(
      `  ${target}: overload ${over.sent} cart.set: answered ${refusedOrDone} (${JSON.stringify(over.outcomes)}), ` +
        `lag p99 ${overProbe.lagP99Ms.toFixed(0)} ms, leases lost ${lost}, clients closed ${over.closed}`,
    );
    await everyGen({ type: "leave" }, "ok");
    return {
      target,
      joinPerSec: (joinLat.length / joinMs) * 1000,
      joinP99Ms: percentile(joinLat, 99),
      joinSitPerSec: (joinLat.length / (joinMs + sitMs)) * 1000,
      joinSitP99Ms: percentile(joinSitLat, 99),
      joinErrors,
      heapPerClientKB: (seated.heapUsed - idle.heapUsed) / 1024 / o.clients,
      rssPerClientKB: (seated.rss - idle.rss) / 1024 / o.clients,
      rssMB: seated.rss / 1024 / 1024,
      hbCpuUsPerCmd: hb.cpuUs,
      cmdCpuUsPerCmd: cmd.cpuUs,
      cmdP99Ms: cmd.p99,
      messagesPerClientSec: cmd.messages / o.clients / cmd.seconds,
      bytesPerClientSec: cmd.bytes / o.clients / cmd.seconds,
      messagesPerCmd: cmd.messages / Math.max(1, cmd.sent),
      resyncBytes: resync?.resyncBytes,
      fullJoinBytes: resync?.joinBytes,
      dropAllBackMs: notBack ? NaN : Math.max(0, ...back),
      dropBackP99Ms: percentile(back, 99),
      dropNotBack: notBack,
      overload: {
        sent: over.sent,
        outcomes: over.outcomes,
        unanswered: over.outcomes.unanswered ?? 0,
        retryHintMedianMs: median(over.retryHints),
        lagP99Ms: overProbe.lagP99Ms,
        lagMaxMs: overProbe.lagMaxMs,
        leasesLost: lost,
        clientsClosed: over.closed,
      },
      generatorCpuPct: Math.max(...g1.map((c, i) => ((c - g0[i]) / wall) * 100)),
    };
  } finally {
    for (const g of gens) g.stop();
    await server.stop();
  }
}

/** "table lease lost" log lines so far (a lapse or a takeover: either way a lost lease). */
function leasesLost(output: string): number {
  return output.split("table lease lost").length - 1;
}

/** The `why` of each "table lease lost" line (JSON logs). */
function leaseLossReasons(output: string): string[] {
  return [...output.matchAll(/"why":"([^"]*)"[^\n]*table lease lost/g)].map((m) => m[1].replace(/\d+ ms/g, "N ms"));
}

// --- the report --------------------------------------------------------------------------

interface Row {
  measure: string;
  bare: number;
  ours: Record<string, number>;
  unit: string;
  /** Ratio target (ours / bare), when the issue sets one. */
  target?: number;
  /** Higher is better (throughput): the ratio is bare / ours so that > 1 means slower. */
  higherIsBetter?: boolean;
}

export interface BenchTablesReport {
  machine: { cpus: number; model: string; memoryGB: number; node: string; loadAvg: number[] };
  command: string;
  options: BenchTablesOptions;
  rounds: RoundFigures[];
  rows: { measure: string; unit: string; bare: number; holdfast: Record<string, { value: number; ratio: number }>; target?: number }[];
}

export async function benchTables(o: BenchTablesOptions): Promise<BenchTablesReport> {
  const log = (s: string) => o.quiet || console.log(s);
  const modes: Target[] = ["embedded"];
  if (process.env.REDIS_URL && process.env.DATABASE_URL) modes.push("redis+postgres");
  const rounds: RoundFigures[] = [];
  // Fresh servers, interleaved: bare, holdfast (each mode), bare, holdfast...
  for (let r = 0; r < o.rounds; r++) {
    for (const target of ["bare", ...modes] as Target[]) {
      log(`round ${r + 1}/${o.rounds}: ${target}, ${o.clients} clients over ${o.generators} load generators`);
      rounds.push(await runRound(target, r, o, log));
    }
  }
  const pick = (target: Target, f: (r: RoundFigures) => number | undefined) => median(rounds.filter((r) => r.target === target).map((r) => f(r) ?? NaN));
  const rows: Row[] = [];
  const row = (measure: string, unit: string, f: (r: RoundFigures) => number | undefined, target?: number, higherIsBetter = false) =>
    rows.push({ measure, unit, bare: pick("bare", f), ours: Object.fromEntries(modes.map((m) => [m, pick(m, f)])), target, higherIsBetter });
  row("join (spectator) throughput", "/s", (r) => r.joinPerSec, 1.3, true);
  row("join p99", "ms", (r) => r.joinP99Ms, 1.3);
  row("join + sit throughput", "/s", (r) => r.joinSitPerSec, 1.3, true);
  row("join + sit p99", "ms", (r) => r.joinSitP99Ms, 1.3);
  row("heap per seated client", "KB", (r) => r.heapPerClientKB, 1.2);
  row("RSS per seated client", "KB", (r) => r.rssPerClientKB);
  row("server RSS with all clients", "MB", (r) => r.rssMB);
  row("server CPU per hb", "us", (r) => r.hbCpuUsPerCmd, 1.2);
  row("server CPU per cart.set", "us", (r) => r.cmdCpuUsPerCmd, 2);
  row("cart.set p99", "ms", (r) => r.cmdP99Ms);
  row("messages received per client", "/s", (r) => r.messagesPerClientSec);
  row("bytes received per client", "B/s", (r) => r.bytesPerClientSec);
  row("messages received per cart.set (room fan-out)", "", (r) => r.messagesPerCmd);
  row(`drop storm: all ${o.clients} sockets back`, "ms", (r) => r.dropAllBackMs, 1.5);
  row("drop storm: p99 back", "ms", (r) => r.dropBackP99Ms);
  row(`resync of ${RESYNC_MISSED} missed events`, "B", (r) => r.resyncBytes);
  row("fresh join (join answer + full state)", "B", (r) => r.fullJoinBytes);
  row("overload: event-loop lag p99", "ms", (r) => r.overload.lagP99Ms);
  row("overload: leases lost", "", (r) => r.overload.leasesLost);
  row("overload: clients closed", "", (r) => r.overload.clientsClosed);
  row("overload: commands unanswered", "", (r) => r.overload.unanswered);
  row("overload: commands refused", "", (r) => r.overload.sent - (r.overload.outcomes.ok ?? 0) - r.overload.unanswered);
  row("load generator CPU in overload (busiest)", "% of a core", (r) => r.generatorCpuPct);

  const ratioOf = (x: Row, v: number) => (x.higherIsBetter ? x.bare / v : v / x.bare);
  const fmt = (v: number) => (!Number.isFinite(v) ? "-" : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(Math.abs(v) >= 10 ? 1 : 2));
  const header = ["measure", "unit", "bare", ...modes.flatMap((m) => [m, "ratio"]), "target"];
  const lines = rows.map((x) => [
    x.measure,
    x.unit,
    fmt(x.bare),
    ...modes.flatMap((m) => [fmt(x.ours[m]), Number.isFinite(x.bare) && x.bare !== 0 ? fmt(ratioOf(x, x.ours[m])) : "-"]),
    x.target ? `<= ${x.target}x` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  log("");
  log(`bench tables: ${o.clients} clients in rooms of ${SEATS}, ${o.rounds} round(s), medians; ratio = Holdfast / bare (throughput: bare / Holdfast)`);
  log(header.map((h, i) => h.padEnd(widths[i])).join("  "));
  for (const l of lines) log(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
  for (const m of modes) {
    const ov = rounds.filter((r) => r.target === m).map((r) => r.overload);
    const ok = ov.every((x) => x.unanswered === 0 && x.leasesLost === 0 && x.clientsClosed === 0 && x.lagP99Ms < 200);
    log(`verdict overload (${m}, ${o.overloadRate} cart.set/s per client): every command answered, 0 leases lost, 0 clients closed, lag p99 < 200 ms: ${ok ? "PASS" : "FAIL"}`);
  }
  const report: BenchTablesReport = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "", memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAvg: os.loadavg() },
    command: `npm run bench -- tables ${process.argv.slice(3).join(" ")}`.trim(),
    options: o,
    rounds,
    rows: rows.map((x) => ({
      measure: x.measure,
      unit: x.unit,
      bare: x.bare,
      holdfast: Object.fromEntries(modes.map((m) => [m, { value: x.ours[m], ratio: ratioOf(x, x.ours[m]) }])),
      target: x.target,
    })),
  };
  if (o.json) {
    writeFileSync(o.json, JSON.stringify(report, null, 2));
    log(`report written to ${o.json}`);
  }
  return report;
}
