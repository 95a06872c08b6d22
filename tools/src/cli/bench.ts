/**
 * `npm run bench -- holds [--seconds S] [--rounds R] [--connections C]`
 * (`npm run bench -- sdk-size`: see sdk-size.ts; `npm run bench -- tables`: see
 * loadtest/bench-tables/bench-tables.ts; `npm run bench -- capacity`: see
 * loadtest/capacity.ts)
 *
 * Hold reservations per second through `POST /api/holds` (a real server in Redis mode,
 * started here on a free loopback port and stopped at the end) against a baseline
 * measured in the same run: `redis-benchmark` running the very same Lua reserve script
 * (EVALSHA) with the same concurrency. Rounds interleave baseline and project; medians
 * are reported with the ratio and a verdict (target: >= 0.45 and HTTP p99 <= 5 ms).
 *
 * Each round also prints p90/p99.9/max and the CPU per request of the server process
 * (/proc), Redis (INFO cpu: everything Redis did meanwhile, other users of it too) and
 * the load generator (its own worker thread), with the load generator's event-loop use.
 *
 * Uses Redis DB 6 of REDIS_URL (default redis://127.0.0.1:6379) and flushes it before
 * and after. Postgres: DATABASE_URL when set, else embedded in a temp directory.
 * Investigation knobs: HF_BENCH_PROF=<dir> (CPU profile of the server),
 * HF_BENCH_NODE_FLAGS="<node flags for the server>", HF_BENCH_SERVER_LOG=<file>.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Command } from "commander";
import { Redis } from "ioredis";
import { CommerceKeys } from "../../../server/src/holds/commerce-keys.ts";
import { HOLD_SCRIPTS } from "../../../server/src/redis/lua-scripts.ts";
import { adminToken, positiveInt, positiveNumber, processCpuSeconds, spawnServerProcess } from "../loadtest/common.ts";
import { LatencyHistogram } from "../loadtest/latency.ts";
import { formatSdkSize, measureSdkSize } from "./sdk-size.ts";
import { benchTables, type BenchTablesOptions } from "../loadtest/bench-tables/bench-tables.ts";
import { printCapacity, runCapacity, type CapacityOptions } from "../loadtest/capacity.ts";

const TARGET_RATIO = 0.45;
const TARGET_P99_MS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Round {
  rps: number;
  p50: number;
  p99: number;
}

/** CPU seconds the Redis server has used so far (INFO cpu, main and other threads). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const read = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? NaN);
  return read("used_cpu_user") + read("used_cpu_sys");
}

/** Where the CPU of a round went, per request, in microseconds. */
interface CpuPerRequest {
  serverUs: number;
  redisUs: number;
  clientUs: number;
  /** Event-loop utilisation of the load generator (near 1 = it is the bottleneck). */
  clientElu: number;
}

const us = (seconds: number, n: number) => (seconds * 1e6) / Math.max(1, n);

function request(agent: http.Agent, port: number, method: string, p: string, token: string | undefined, body?: unknown) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: p,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/**
 * The HTTP load generator: `connections` keep-alive connections, each sending a prebuilt
 * `POST /api/holds` and the next one as soon as the answer is in, for `seconds`. It speaks
 * just enough HTTP/1.1 (status line, Content-Length body) and creates no promise per
 * request: node:http's client costs more CPU per request than the server under test on
 * a 2-core machine, which would measure the client. It runs in a worker thread of its
 * own (see LoadWorker), so nothing else shares its event loop.
 */
interface LoadJob {
  port: number;
  tokens: string[];
  sku: string;
  seconds: number;
}

interface LoadResult {
  latencies: Float64Array;
  errors: number;
  elapsed: number;
  /** CPU seconds of the load generator's thread during the round. */
  cpu: number;
  /** Event-loop utilisation of the load generator (near 1 = it is the bottleneck). */
  elu: number;
}

const CRLFCRLF = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH = Buffer.from("\r\nContent-Length: ");

/** Length of the response at the start of `buf` and its status, or undefined while incomplete. */
function parseResponse(buf: Buffer): { size: number; status: number } | undefined {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return undefined;
  let length = 0;
  const at = buf.indexOf(CONTENT_LENGTH);
  if (at >= 0 && at < end) {
    for (let i = at + CONTENT_LENGTH.length; i < end && buf[i] >= 48 && buf[i] <= 57; i++) length = length * 10 + buf[i] - 48;
  } else {
    length = Number(/content-length:\s*(\d+)/i.exec(buf.toString("latin1", 0, end))?.[1] ?? 0);
  }
  if (buf.length < end + 4 + length) return undefined;
  return { size: end + 4 + length, status: (buf[9] - 48) * 100 + (buf[10] - 48) * 10 + (buf[11] - 48) };
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const body = JSON.stringify({ sku: job.sku, quantity: 1 });
  const sockets = await Promise.all(
    job.tokens.map(
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(job.port, "127.0.0.1", () => resolve(socket));
          socket.once("error", reject);
        }),
    ),
  );
  const latencies: number[] = [];
  let errors = 0;
  const cpu0 = process.threadCpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const started = performance.now();
  const until = started + job.seconds * 1000;
  await Promise.all(
    sockets.map(
      (socket, i) =>
        new Promise<void>((resolve, reject) => {
          const request = Buffer.from(
            `POST /api/holds HTTP/1.1\r\nHost: 127.0.0.1:${job.port}\r\nAuthorization: Bearer ${job.tokens[i]}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
          let buf: Buffer | undefined;
          let sentAt = 0;
          socket.setNoDelay(true);
          socket.on("data", (chunk: Buffer) => {
            buf = buf ? Buffer.concat([buf, chunk]) : chunk;
            const response = parseResponse(buf);
            if (!response) return;
            const now = performance.now();
            latencies.push(now - sentAt);
            if (response.status !== 201) errors++;
            buf = buf.length > response.size ? buf.subarray(response.size) : undefined;
            if (now < until) {
              sentAt = now;
              socket.write(request);
            } else {
              resolve();
            }
          });
          socket.on("error", reject);
          socket.on("close", () => reject(new Error("connection closed")));
          sentAt = performance.now();
          socket.write(request);
        }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.threadCpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  for (const socket of sockets) {
    socket.removeAllListeners("close");
    socket.destroy();
  }
  return { latencies: Float64Array.from(latencies), errors, elapsed, cpu: (cpu.user + cpu.system) / 1e6, elu };
}

/** The load generator's worker thread: one job at a time, answered with its LoadResult. */
class LoadWorker {
  private readonly worker = new Worker(fileURLToPath(import.meta.url), { workerData: { holdfastBenchLoad: true } });

  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.worker.once("message", resolve);
      this.worker.once("error", reject);
      this.worker.postMessage(job);
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

type HttpRound = Round & { errors: number; count: number; p90: number; p999: number; max: number; cpu: number; elu: number };

/** `connections` clients (one per token), each POSTing holds back to back for `seconds`. */
async function httpRound(load: LoadWorker, port: number, tokens: string[], sku: string, seconds: number): Promise<HttpRound> {
  const r = await load.run({ port, tokens, sku, seconds });
  const latencies = new LatencyHistogram(r.latencies);
  return {
    rps: latencies.count / r.elapsed,
    p50: latencies.at(50),
    p90: latencies.at(90),
    p99: latencies.at(99),
    p999: latencies.at(99.9),
    max: latencies.at(100),
    errors: r.errors,
    count: latencies.count,
    cpu: r.cpu,
    elu: r.elu,
  };
}

/** redis-benchmark running EVALSHA of the reserve script: `requests` calls, `connections` clients. */
function redisRound(url: URL, sha: string, keys: string[], connections: number, requests: number): Round {
  const args = [
    "-h", url.hostname, "-p", url.port || "6379", "--dbnum", "6", "-c", String(connections), "-n", String(requests),
    "-r", "1000000000", "--csv",
    "EVALSHA", sha, "5", ...keys, "h___rand_int__", "u___rand_int__", "1", "3600000", "", "3600000",
  ];
  const r = spawnSync("redis-benchmark", args, { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr || r.error}`);
  const lines = r.stdout.trim().split("\n").filter((l) => l.startsWith('"'));
  const header = JSON.parse(`[${lines[0]}]`) as string[];
  const row = JSON.parse(`[${lines[lines.length - 1]}]`) as string[];
  const col = (name: string) => Number(row[header.indexOf(name)]);
  return { rps: col("rps"), p50: col("p50_latency_ms"), p99: col("p99_latency_ms") };
}

async function benchHolds(opts: { seconds: number; rounds: number; connections: number }): Promise<void> {
  const base = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(base.hostname)) throw new Error("bench holds runs against a loopback Redis only");
  const redisUrl = new URL(base.toString());
  redisUrl.pathname = "/6";
  const redis = new Redis(redisUrl.toString(), { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  const jwtSecret = randomBytes(24).toString("hex");
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-bench-"));
  const env: Record<string, string> = {
    PORT: "0",
    NODE_ENV: "test",
    REDIS_URL: redisUrl.toString(),
    DATA_DIR: dataDir,
    JWT_SECRET: jwtSecret,
    RATE_LIMITS: "off",
    LOG_LEVEL: "info",
    HOLD_TTL_SECONDS: "3600",
  };
  if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
  else delete process.env.DATABASE_URL;
  console.log(`bench holds: starting a server (Redis DB 6, ${env.DATABASE_URL ? "Postgres" : "embedded Postgres"})...`);
  const server = spawnServerProcess({
    env: { ...(process.env as Record<string, string>), ...env, ...(process.env.HF_BENCH_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.HF_BENCH_PROF}` } : {}) },
    nodeArgs: (process.env.HF_BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean),
    outputChars: 200_000,
    logFile: process.env.HF_BENCH_SERVER_LOG,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  });
  const { proc } = server;
  const port = await server.listening(60_000).catch(async (err: Error) => {
    await server.kill();
    throw err;
  });
  // Never outlive the bounded run, whatever happens.
  const guard = setTimeout(() => {
    proc.kill("SIGKILL");
    process.exit(2);
  }, (opts.rounds * opts.seconds * 3 + 120) * 1000);
  guard.unref();
  let load: LoadWorker | undefined;
  try {
    const agent = new http.Agent({ keepAlive: true });
    const admin = adminToken(jwtSecret, "bench", 3600_000);
    for (const sku of ["bench-http", "bench-redis"]) {
      const r = await request(agent, port, "PUT", `/api/inventory/${sku}`, admin, { stock: 1_000_000_000, perUserLimit: 1_000_000_000 });
      if (r.status !== 200) throw new Error(`PUT inventory failed: ${r.status} ${r.body}`);
    }
    const tokens: string[] = [];
    for (let i = 0; i < opts.connections; i++) {
      const r = await request(agent, port, "POST", "/api/auth/guest", undefined, { name: `bench${i}` });
      tokens.push(JSON.parse(r.body).token);
    }
    agent.destroy();
    load = new LoadWorker();
    const sha = String(await redis.script("LOAD", HOLD_SCRIPTS.reserve.source));
    const keys = new CommerceKeys("hf:").sku("bench-redis");
    // Warm-up both paths (JIT, connections, session cache), and size redis-benchmark's run.
    await httpRound(load, port, tokens, "bench-http", 2);
    const probe = redisRound(base, sha, keys, opts.connections, 20_000);
    let requests = Math.max(20_000, Math.round(probe.rps * opts.seconds));
    const baseline: Round[] = [];
    const project: HttpRound[] = [];
    const cpu: CpuPerRequest[] = [];
    const baselineRedisUs: number[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      const r0 = await redisCpuSeconds(redis);
      const b = redisRound(base, sha, keys, opts.connections, requests);
      baselineRedisUs.push(us((await redisCpuSeconds(redis)) - r0, requests));
      baseline.push(b);
      requests = Math.max(20_000, Math.round(b.rps * opts.seconds));
      const [s0, r1] = [processCpuSeconds(proc.pid), await redisCpuSeconds(redis)];
      const p = await httpRound(load, port, tokens, "bench-http", opts.seconds);
      const n = p.count;
      cpu.push({
        serverUs: us(processCpuSeconds(proc.pid) - s0, n),
        redisUs: us((await redisCpuSeconds(redis)) - r1, n),
        clientUs: us(p.cpu, n),
        clientElu: p.elu,
      });
      project.push(p);
      const k = cpu[cpu.length - 1];
      console.log(
        `round ${i + 1}/${opts.rounds}: redis-benchmark EVALSHA ${b.rps.toFixed(0)}/s (p50 ${b.p50} ms, p99 ${b.p99} ms) | ` +
          `POST /api/holds ${p.rps.toFixed(0)}/s (p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms, non-201 ${p.errors})`,
      );
      console.log(
        `         POST /api/holds latency: p90 ${p.p90.toFixed(2)} ms, p99.9 ${p.p999.toFixed(2)} ms, max ${p.max.toFixed(2)} ms`,
      );
      console.log(
        `         CPU per request: redis-benchmark round: Redis ${baselineRedisUs[i].toFixed(1)} us | HTTP round: server ${k.serverUs.toFixed(1)} us, ` +
          `Redis ${k.redisUs.toFixed(1)} us, load generator ${k.clientUs.toFixed(1)} us (event loop ${(100 * k.clientElu).toFixed(0)} % busy)`,
      );
    }
    const bRps = median(baseline.map((r) => r.rps));
    const pRps = median(project.map((r) => r.rps));
    const pP50 = median(project.map((r) => r.p50));
    const pP99 = median(project.map((r) => r.p99));
    const ratio = pRps / bRps;
    const errors = project.reduce((n, r) => n + r.errors, 0);
    console.log("");
    console.log(`baseline (redis-benchmark, same Lua reserve script, ${opts.connections} clients): median ${bRps.toFixed(0)}/s, p50 ${median(baseline.map((r) => r.p50))} ms, p99 ${median(baseline.map((r) => r.p99))} ms`);
    console.log(`project  (POST /api/holds, ${opts.connections} connections):                    median ${pRps.toFixed(0)}/s, p50 ${pP50.toFixed(2)} ms, p99 ${pP99.toFixed(2)} ms, non-201 ${errors}`);
    const ok = ratio >= TARGET_RATIO && pP99 <= TARGET_P99_MS && errors === 0;
    console.log(
      `verdict: ratio ${ratio.toFixed(3)} (target >= ${TARGET_RATIO}), p99 ${pP99.toFixed(2)} ms (target <= ${TARGET_P99_MS} ms): ${ok ? "PASS" : "FAIL"}`,
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    await load?.stop();
    await server.stop();
    await redis.flushdb().catch(() => undefined);
    redis.disconnect();
  }
}

const program = new Command().name("npm run bench --").description("Benchmarks that print ratios against a baseline measured in the same run.");
program
  .command("holds")
  .description("POST /api/holds (Redis mode) vs redis-benchmark running the same Lua reserve script")
  .option("--seconds <n>", "length of each measured round", positiveInt, 5)
  .option("--rounds <n>", "interleaved baseline/project rounds (medians reported)", positiveInt, 3)
  .option("--connections <n>", "concurrent connections / redis-benchmark clients", positiveInt, 50)
  .action(async (opts: { seconds: number; rounds: number; connections: number }) => {
    try {
      await benchHolds(opts);
    } catch (err) {
      console.error(`bench holds: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  });
program
  .command("tables")
  .description("table joins, commands, heartbeats, memory, drop storm, resync and overload vs a bare Colyseus room (see docs/performance.md)")
  .option("--clients <n>", "clients, in rooms of 10", positiveInt, 1000)
  .option("--rounds <n>", "interleaved bare/Holdfast rounds, each on fresh servers (medians reported)", positiveInt, 3)
  .option("--generators <n>", "load-generator processes the clients are spread over", positiveInt, 4)
  .option("--seconds <n>", "length of each command phase (hb, cart.set, overload)", positiveInt, 5)
  .option("--rate <n>", "hb and cart.set per client per second in the cost phases", positiveNumber, 0.5)
  .option("--overload-rate <n>", "cart.set per client per second in the overload phase", positiveNumber, 5)
  .option("--in-flight <n>", "joins in flight per load generator", positiveInt, 25)
  .option("--json <file>", "also write the report (every round, medians, ratios, machine) as JSON")
  .action(async (opts: BenchTablesOptions) => {
    try {
      await benchTables(opts);
    } catch (err) {
      console.error(`bench tables: ${(err as Error).stack ?? (err as Error).message}`);
      process.exitCode = 1;
    }
  });
program
  .command("capacity")
  .description("per-unit costs on one real node (Redis + Postgres): a seated player per minute, an event, a hold, a queued buyer")
  .option("--players <n>", "seated hold'em players (6 a table) who check or call", positiveInt, 60)
  .option("--seconds <n>", "seconds of play measured", positiveInt, 60)
  .option("--holds <n>", "POST /api/holds measured", positiveInt, 500)
  .option("--buyers <n>", "buyers waiting in a sale's line", positiveInt, 200)
  .option("--queue-seconds <n>", "seconds of waiting measured", positiveInt, 30)
  .option("--idle-seconds <n>", "seconds of the idle baseline", positiveInt, 20)
  .option("--think-ms <ms>", "a player thinks 200 ms + up to this long before acting", positiveInt, 1500)
  .option("--json", "print the report as JSON too")
  .option("--redis <url>", "a Redis of your own (default REDIS_URL, DB 9; flushed)")
  .option("--database <url>", "Postgres server (default DATABASE_URL; a scratch database is made)", process.env.DATABASE_URL)
  .action(async (opts: CapacityOptions & { json?: boolean }) => {
    try {
      const report = await runCapacity(opts);
      printCapacity(report);
      if (opts.json) console.log(JSON.stringify(report, null, 2));
    } catch (err) {
      console.error(`bench capacity: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  });
program
  .command("sdk-size")
  .description("the SDK's minified and gzipped browser bundle vs @colyseus/sdk alone, built side by side (budget <= 1.3x gzip)")
  .action(async () => {
    const report = await measureSdkSize();
    console.log(formatSdkSize(report));
    process.exitCode = report.withinBudget ? 0 : 1;
  });
if (!isMainThread && (workerData as { holdfastBenchLoad?: boolean } | null)?.holdfastBenchLoad) {
  // The load generator's thread (LoadWorker).
  parentPort!.on("message", (job: LoadJob) => {
    void runLoad(job).then((result) => parentPort!.postMessage(result, [result.latencies.buffer as ArrayBuffer]));
  });
} else {
  await program.parseAsync();
}
