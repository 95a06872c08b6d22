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
import { randomBytes, randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type HoldfastError, type SaleConnection, type Ticket } from "@holdfast/client-sdk";
import { Command, Option } from "commander";
import {
  adminToken,
  freePort,
  parseScenarioOptions,
  peakRssMb,
  percentile,
  pool,
  positiveInt,
  positiveNumber,
  printTable,
  processCpuSeconds,
  progressBar,
  sleep,
  startNode,
  type NodeProcess,
} from "./common.ts";
import type { LoadScenario } from "./scenario.ts";

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
    .option("--database <url>", "Postgres URL (default DATABASE_URL)", process.env.DATABASE_URL);
  const o = parseScenarioOptions<Options>(cmd, argv);
  if (o.nodes > 1 && (!o.redis || !o.database)) {
    throw new Error("--nodes > 1 needs Redis and Postgres: set REDIS_URL and DATABASE_URL (or --redis, --database)");
  }
  return o;
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

/** A percentile for the report: null when there is nothing to measure. */
const pct = (xs: number[], p: number): number | null => (xs.length === 0 ? null : percentile(xs, p));

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
  const env: Record<string, string> = {
    JWT_SECRET: jwtSecret,
    ADMISSION_TTL_SECONDS: String(o.admissionTtl),
    HOLD_TTL_SECONDS: "600",
    REDIS_PREFIX: `hf:flash:${randomBytes(3).toString("hex")}:`,
    ...(o.redis ? { REDIS_URL: o.redis } : {}),
    ...(o.database ? { DATABASE_URL: o.database } : {}),
  };
  console.log(
    `flash-sale: ${o.buyers} buyers, ${o.stock} units, ${o.nodes} node(s), admission ${o.admission}${o.admission === "rate" ? ` ${o.perSecond}/s` : ""}, prequeue ${o.prequeue}, ${o.redis ? "Redis" : "memory"} + ${o.database ? "Postgres" : "embedded Postgres"}`,
  );
  const nodes: NodeProcess[] = [];
  const buyers: Buyer[] = [];
  const bar = progressBar({ clearOnComplete: false, noTTYOutput: true, notTTYSchedule: 5000 });
  try {
    // Nodes one after another (migrations run on the first).
    for (let i = 0; i < o.nodes; i++) nodes.push(await startNode(String(i + 1), await freePort(), env, true));
    const cpuBefore = nodes.map((n) => processCpuSeconds(n.proc.pid));
    const urlOf = (i: number) => nodes[i % nodes.length].url;
    const admin = adminToken(jwtSecret);

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
      await sleep(100);
    }
    bar.stop();
    await sleep(1000); // a late hold would show now

    const log = (await api(nodes[0].url, "GET", `/api/sales/${saleId}/admissions?limit=10000`, admin)).admissions as { userId: string; joinSeq: number }[];
    const inventory = await api(nodes[0].url, "GET", `/api/inventory/${sku}`, admin);
    const view = await api(nodes[0].url, "GET", `/api/sales/${saleId}`, admin);
    const cpuAfter = nodes.map((n) => processCpuSeconds(n.proc.pid));
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
        admittedToHold: { p50: pct(admitToHold, 50), p99: pct(admitToHold, 99) },
        joinedToHold: { p50: pct(joinToHold, 50), p99: pct(joinToHold, 99) },
        startToHold: { p50: pct(startToHold, 50), p99: pct(startToHold, 99) },
      },
      soldOutNotice: { waitingBuyersTold: told.length, spreadMs: told.length ? Math.max(...told) - Math.min(...told) : null },
      servers: nodes.map((n, i) => ({
        port: n.port,
        cpuSeconds: Number.isNaN(cpuAfter[i] - cpuBefore[i]) ? null : Math.round((cpuAfter[i] - cpuBefore[i]) * 10) / 10,
        peakRssMb: Number.isNaN(peakRssMb(n.proc.pid)) ? null : peakRssMb(n.proc.pid),
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
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

function printReport(r: Record<string, any>): void {
  const lat = r.latencyMs;
  const lines: [string, string][] = [
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
  printTable(undefined, lines);
  console.log("");
}

export const flashSale: LoadScenario = {
  name: "flash-sale",
  summary: "buyers through a flash sale's line: sold, oversold, fairness, queue-to-hold latency",
  run,
};
