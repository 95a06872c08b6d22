/**
 * `npm run loadtest -- flash-sale --buyers N --stock S [--nodes 2] [options]`
 *
 * Real SDK buyers against real server processes: N guests join a sale's line through the
 * `sale` room (spread over the nodes), hold one unit each as soon as they are admitted,
 * and turn the hold into an order. Reports sold, oversold (must be 0), fairness (how many
 * admissions were out of join order; must be 0 for fifo), queue-to-hold latency, how
 * fast "sold out" reached everyone still waiting, and each node's CPU and memory.
 *
 * Backends: with --nodes 2 (or more) REDIS_URL and DATABASE_URL are required (--redis,
 * --database); use a Redis DB of its own (the Colyseus driver keeps global keys there).
 * With one node and neither given, the node runs embedded (memory stores, PGlite).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HoldfastClient, MemoryStorage, type HoldfastError, type SaleConnection, type Ticket } from "@holdfast/client-sdk";
import cliProgress from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { AccessTokens } from "../identity/tokens.ts";
import type { LoadScenario } from "./scenario.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
};
const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
};

interface Options {
  buyers: number;
  stock: number;
  nodes: number;
  admission: "rate" | "stock";
  perSecond: number;
  prequeue: "fifo" | "random";
  startIn: number;
  joinConcurrency: number;
  admissionTtl: number;
  orders: boolean;
  timeout: number;
  redis?: string;
  database?: string;
}

function parseOptions(argv: string[]): Options {
  const cmd = new Command("flash-sale")
    .description("N buyers through a flash sale's line: sold, oversold, fairness, queue-to-hold latency")
    .option("--buyers <n>", "buyers (each a guest with its own SDK client)", positiveInt, 1000)
    .option("--stock <n>", "units on sale", positiveInt, 100)
    .option("--nodes <n>", "server processes (2+ need Redis and Postgres)", positiveInt, 1)
    .addOption(new Option("--admission <mode>", "admission mode").choices(["rate", "stock"]).default("rate"))
    .option("--per-second <n>", "admissions per second (rate mode)", positiveNumber, 200)
    .addOption(new Option("--prequeue <mode>", "pre-queue at the start").choices(["fifo", "random"]).default("fifo"))
    .option("--start-in <s>", "seconds from sale creation to start (buyers joining before are the pre-queue)", positiveNumber, 10)
    .option("--join-concurrency <n>", "joins in flight", positiveInt, 100)
    .option("--admission-ttl <s>", "ADMISSION_TTL_SECONDS of the nodes", positiveInt, 30)
    .option("--no-orders", "hold only (no POST /api/orders)")
    .option("--timeout <s>", "give up after this many seconds of sale", positiveInt, 300)
    .option("--redis <url>", "Redis URL (default REDIS_URL)", process.env.REDIS_URL)
    .option("--database <url>", "Postgres URL (default DATABASE_URL)", process.env.DATABASE_URL)
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  try {
    cmd.parse(argv, { from: "user" });
  } catch (err) {
    const code = (err as { code?: string }).code;
    process.exit(code === "commander.helpDisplayed" || code === "commander.help" ? 0 : 1);
  }
  const o = cmd.opts<Options>();
  if (o.nodes > 1 && (!o.redis || !o.database)) {
    throw new Error("--nodes > 1 needs Redis and Postgres: set REDIS_URL and DATABASE_URL (or --redis, --database)");
  }
  return o;
}

// --- server nodes --------------------------------------------------------------------------

interface Node {
  proc: ChildProcess;
  port: number;
  url: string;
  output: () => string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startNode(env: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/src/main.ts")], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      if (out.includes("holdfast node listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${out}`));
    });
  });
  return { proc, port, url: `http://127.0.0.1:${port}`, output: () => out };
}

/** CPU seconds (user + system) and peak RSS of a process, from /proc (Linux). */
function usageOf(pid: number | undefined): { cpuSeconds: number; peakRssMb: number } | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return { cpuSeconds: ticks / 100, peakRssMb: hwm ? Math.round(Number(hwm[1]) / 1024) : 0 };
  } catch {
    return null;
  }
}

async function stopNode(node: Node): Promise<void> {
  if (node.proc.exitCode !== null || node.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => node.proc.once("exit", () => resolve()));
  node.proc.kill("SIGTERM");
  const timer = setTimeout(() => node.proc.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

// --- buyers --------------------------------------------------------------------------------

interface Buyer {
  client: HoldfastClient;
  userId: string;
  conn?: SaleConnection;
  joinStart: number;
  joinEnd: number;
  positions: number[];
  admittedAt?: number;
  heldAt?: number;
  orderedAt?: number;
  holdError?: string;
  orderError?: string;
  soldOutAt?: number;
  lastStatus?: string;
}

async function pool<T>(n: number, inFlight: number, task: (i: number) => Promise<T>, onDone?: () => void): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
        onDone?.();
      }
    }),
  );
  return out;
}

const percentile = (xs: number[], p: number): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function api(url: string, method: string, p: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return json;
}

/**
 * Admissions out of join order, two ways:
 * - server: admissions whose join number is below one admitted earlier (the line's own order);
 * - client: buyers overtaken by someone who started joining after their own join had
 *   finished (a strict happens-before, so concurrent joins do not count).
 */
export function fairness(buyers: { joinStart: number; joinEnd: number; userId: string }[], log: { userId: string; joinSeq: number }[]) {
  let maxSeq = 0;
  let serverOutOfOrder = 0;
  for (const a of log) {
    if (a.joinSeq < maxSeq) serverOutOfOrder++;
    maxSeq = Math.max(maxSeq, a.joinSeq);
  }
  const rank = new Map(log.map((a, i) => [a.userId, i]));
  const byStart = [...buyers].sort((a, b) => a.joinStart - b.joinStart);
  const suffixMin: number[] = new Array(byStart.length + 1).fill(Infinity);
  for (let i = byStart.length - 1; i >= 0; i--) suffixMin[i] = Math.min(suffixMin[i + 1], rank.get(byStart[i].userId) ?? Infinity);
  let overtaken = 0;
  for (const a of buyers) {
    let lo = 0;
    let hi = byStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byStart[mid].joinStart > a.joinEnd) hi = mid;
      else lo = mid + 1;
    }
    if (suffixMin[lo] < (rank.get(a.userId) ?? Infinity)) overtaken++;
  }
  return { serverOutOfOrder, clientOvertaken: overtaken };
}

async function run(argv: string[]): Promise<{ report: Record<string, unknown>; ok: boolean }> {
  const o = parseOptions(argv);
  const jwtSecret = randomBytes(24).toString("hex");
  const dataDir = o.redis || o.database ? undefined : mkdtempSync(path.join(os.tmpdir(), "holdfast-flash-"));
  const env: Record<string, string> = {
    NODE_ENV: "test",
    JWT_SECRET: jwtSecret,
    RATE_LIMITS: "off",
    LOG_LEVEL: "info", // the "listening" line is info
    ADMISSION_TTL_SECONDS: String(o.admissionTtl),
    HOLD_TTL_SECONDS: "600",
    REDIS_PREFIX: `hf:flash:${randomBytes(3).toString("hex")}:`,
    ...(o.redis ? { REDIS_URL: o.redis } : {}),
    ...(o.database ? { DATABASE_URL: o.database } : {}),
    ...(dataDir ? { DATA_DIR: dataDir } : {}),
  };
  console.log(
    `flash-sale: ${o.buyers} buyers, ${o.stock} units, ${o.nodes} node(s), admission ${o.admission}${o.admission === "rate" ? ` ${o.perSecond}/s` : ""}, prequeue ${o.prequeue}, ${o.redis ? "Redis" : "memory"} + ${o.database ? "Postgres" : "embedded Postgres"}`,
  );
  const nodes: Node[] = [];
  const buyers: Buyer[] = [];
  const bar = new cliProgress.SingleBar(
    { format: "{phase} [{bar}] {value}/{total} {extra}", hideCursor: true, clearOnComplete: false, noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  try {
    // Nodes one after another (migrations run on the first).
    for (let i = 0; i < o.nodes; i++) nodes.push(await startNode(env));
    const before = nodes.map((n) => usageOf(n.proc.pid));
    const urlOf = (i: number) => nodes[i % nodes.length].url;
    const admin = new AccessTokens(jwtSecret).sign(
      { sub: `u_loadtest_admin_${randomUUID().slice(0, 8)}`, sid: `s_${randomUUID()}`, name: "loadtest", roles: ["admin"], prv: true },
      new Date(Date.now() + 24 * 3600_000),
    );

    bar.start(o.buyers, 0, { phase: "sign in", extra: "" });
    const clients = await pool(
      o.buyers,
      50,
      async (i) => {
        const client = new HoldfastClient({ url: urlOf(i), storage: new MemoryStorage() });
        await client.auth.guest(`buyer${i}`);
        return client;
      },
      () => bar.increment(),
    );
    bar.stop();

    const saleId = `flash-${randomUUID().slice(0, 8)}`;
    const sku = `sku-${saleId}`;
    const startsAt = Date.now() + o.startIn * 1000;
    await api(nodes[0].url, "POST", "/api/sales", admin, {
      saleId,
      sku,
      quantity: o.stock,
      perUserLimit: 1,
      startsAt,
      admission: o.admission === "rate" ? { mode: "rate", perSecond: o.perSecond } : { mode: "stock" },
      prequeue: o.prequeue,
    });

    const onTicket = (b: Buyer, t: Ticket) => {
      if (t.position > 0) b.positions.push(t.position);
      b.lastStatus = t.status;
      if (t.status === "sold_out") b.soldOutAt ??= Date.now();
      if (t.status === "admitted" && b.admittedAt === undefined) {
        b.admittedAt = Date.now();
        b.conn!.hold(1).then(
          async (hold) => {
            b.heldAt = Date.now();
            if (!o.orders) return;
            try {
              await api(b.client.url, "POST", "/api/orders", b.client.auth.token!, { holdIds: [hold.holdId] }, { "idempotency-key": randomUUID() });
              b.orderedAt = Date.now();
            } catch (err) {
              b.orderError = (err as Error).message;
            }
          },
          (err: HoldfastError) => (b.holdError = err.code ?? String(err)),
        );
      }
    };

    bar.start(o.buyers, 0, { phase: "join", extra: "" });
    await pool(
      o.buyers,
      o.joinConcurrency,
      async (i) => {
        const client = clients[i];
        const b: Buyer = { client, userId: client.auth.session!.userId, joinStart: Date.now(), joinEnd: 0, positions: [] };
        buyers[i] = b;
        b.conn = await client.sales.join(saleId);
        b.joinEnd = Date.now();
        b.conn.onTicket((t) => onTicket(b, t));
        if (b.conn.ticket) onTicket(b, b.conn.ticket);
      },
      () => bar.increment(),
    );
    bar.stop();
    const joinedAt = Date.now();
    const prequeued = buyers.filter((b) => b.joinEnd < startsAt).length;
    if (joinedAt < startsAt) console.log(`all joined ${((startsAt - joinedAt) / 1000).toFixed(1)} s before the start`);

    // The sale: until the stock is held and everyone else has been told, or the timeout.
    const deadline = Math.max(Date.now(), startsAt) + o.timeout * 1000;
    const target = Math.min(o.stock, o.buyers);
    bar.start(target, 0, { phase: "sale", extra: "" });
    for (;;) {
      const held = buyers.filter((b) => b.heldAt).length;
      const admitted = buyers.filter((b) => b.admittedAt).length;
      const settled = buyers.every((b) => b.heldAt || b.holdError || b.soldOutAt || b.lastStatus === "lapsed");
      const ordersDone = !o.orders || buyers.filter((b) => b.orderedAt || b.orderError).length === held;
      bar.update(held, { extra: `admitted ${admitted}` });
      if ((held >= target && settled && ordersDone) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    bar.stop();
    await new Promise((r) => setTimeout(r, 1000)); // a late hold would show now

    const log = (await api(nodes[0].url, "GET", `/api/sales/${saleId}/admissions?limit=10000`, admin)).admissions as { userId: string; joinSeq: number }[];
    const inventory = await api(nodes[0].url, "GET", `/api/inventory/${sku}`, admin);
    const view = await api(nodes[0].url, "GET", `/api/sales/${saleId}`, admin);
    const after = nodes.map((n) => usageOf(n.proc.pid));
    const rooms = new Set(buyers.map((b) => b.conn?.room.roomId)).size;

    const holds = buyers.filter((b) => b.heldAt).length;
    const ordered = buyers.filter((b) => b.orderedAt).length;
    const oversold = Math.max(0, holds - o.stock, inventory.sold + inventory.held - o.stock);
    const { serverOutOfOrder, clientOvertaken } = fairness(buyers, log);
    const positionIncreases = buyers.filter((b) => b.positions.some((p, k) => k > 0 && p > b.positions[k - 1])).length;
    const admitToHold = buyers.filter((b) => b.heldAt && b.admittedAt).map((b) => b.heldAt! - b.admittedAt!);
    const joinToHold = buyers.filter((b) => b.heldAt).map((b) => b.heldAt! - b.joinEnd);
    const startToHold = buyers.filter((b) => b.heldAt).map((b) => b.heldAt! - startsAt);
    const told = buyers.filter((b) => b.soldOutAt && !b.admittedAt).map((b) => b.soldOutAt!);
    const report = {
      buyers: o.buyers,
      stock: o.stock,
      nodes: o.nodes,
      admission: o.admission === "rate" ? { mode: "rate", perSecond: o.perSecond } : { mode: "stock" },
      prequeue: o.prequeue,
      prequeued,
      rooms,
      sold: { held: holds, ordered, inventory },
      oversold,
      saleStatus: view.status,
      admitted: log.length,
      holdErrors: Object.fromEntries(
        [...new Set(buyers.map((b) => b.holdError).filter(Boolean))].map((c) => [c, buyers.filter((b) => b.holdError === c).length]),
      ),
      fairness: { serverOutOfOrder, clientOvertaken, positionIncreases },
      latencyMs: {
        admittedToHold: { p50: percentile(admitToHold, 50), p99: percentile(admitToHold, 99) },
        joinedToHold: { p50: percentile(joinToHold, 50), p99: percentile(joinToHold, 99) },
        startToHold: { p50: percentile(startToHold, 50), p99: percentile(startToHold, 99) },
      },
      soldOutNotice: { waitingBuyersTold: told.length, spreadMs: told.length ? Math.max(...told) - Math.min(...told) : null },
      servers: nodes.map((n, i) => ({
        port: n.port,
        cpuSeconds: after[i] && before[i] ? Math.round((after[i]!.cpuSeconds - before[i]!.cpuSeconds) * 10) / 10 : null,
        peakRssMb: after[i]?.peakRssMb ?? null,
      })),
    };
    const orderErrors = buyers.filter((b) => b.orderError);
    if (orderErrors.length > 0) {
      console.log(`${orderErrors.length} orders failed, e.g. ${orderErrors[0].orderError}`);
      for (const n of nodes) for (const line of n.output().split("\n").filter((l) => /"level":(50|60)/.test(l)).slice(-3)) console.log(line);
    }
    const fifoOk = o.prequeue !== "fifo" || (serverOutOfOrder === 0 && clientOvertaken === 0);
    const ok = oversold === 0 && holds === target && fifoOk && positionIncreases === 0;
    printReport(report);
    console.log(
      `verdict: ${ok ? "PASS" : "FAIL"} (sold ${holds}/${target}, oversold ${oversold}${o.prequeue === "fifo" ? `, out of join order ${serverOutOfOrder}/${clientOvertaken}` : ""}, position increases ${positionIncreases})`,
    );
    return { report, ok };
  } finally {
    bar.stop();
    await Promise.all(buyers.map((b) => b?.conn?.close().catch(() => undefined)));
    await Promise.all(nodes.map(stopNode));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

function printReport(r: Record<string, any>): void {
  const lat = r.latencyMs;
  const lines = [
    ["sold (held / ordered)", `${r.sold.held} / ${r.sold.ordered} of ${r.stock}`],
    ["oversold", String(r.oversold)],
    ["inventory", `total ${r.sold.inventory.total}, held ${r.sold.inventory.held}, sold ${r.sold.inventory.sold}, available ${r.sold.inventory.available}`],
    ["sale status", r.saleStatus],
    ["admitted", String(r.admitted)],
    ["hold errors", JSON.stringify(r.holdErrors)],
    ["fairness: out of join order (server log)", String(r.fairness.serverOutOfOrder)],
    ["fairness: overtaken (client happens-before)", String(r.fairness.clientOvertaken)],
    ["position went up", String(r.fairness.positionIncreases)],
    ["admitted -> held p50 / p99 (ms)", `${lat.admittedToHold.p50} / ${lat.admittedToHold.p99}`],
    ["joined -> held p50 / p99 (ms)", `${lat.joinedToHold.p50} / ${lat.joinedToHold.p99}`],
    ["start -> held p50 / p99 (ms)", `${lat.startToHold.p50} / ${lat.startToHold.p99}`],
    ["sold_out told (buyers, spread ms)", `${r.soldOutNotice.waitingBuyersTold}, ${r.soldOutNotice.spreadMs}`],
    ["room instances", String(r.rooms)],
    ["pre-queued buyers", String(r.prequeued)],
    ...r.servers.map((s: any, i: number) => [`node ${i + 1} CPU s / peak RSS MB`, `${s.cpuSeconds} / ${s.peakRssMb}`]),
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  console.log("");
  for (const [k, v] of lines) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log("");
}

export const flashSale: LoadScenario = {
  name: "flash-sale",
  summary: "buyers through a flash sale's line: sold, oversold, fairness, queue-to-hold latency",
  run,
};
