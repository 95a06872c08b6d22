/**
 * `npm run loadtest -- cluster [--nodes N] [--tables T] [--players P] [--play S] [--redis URL]`
 *
 * N server processes on this machine (loopback) sharing Redis (one server, or a Redis
 * Cluster: `--redis redis+cluster://host:port,...` or REDIS_CLUSTER_NODES) and a scratch
 * Postgres database, behind a round-robin TCP balancer. T dining tables with P seated SDK
 * players each come in through the balancer; the matchmaker spreads the tables over the
 * nodes. Then:
 *  1. spread: which node hosts each table;
 *  2. routing: a spectator joins every table through every node directly, and must land
 *     on the table's owner (the matchmaker answers with the owner's PUBLIC_ADDRESS);
 *  3. steady play for S seconds (one player per table stands up and sits down again,
 *     so events flow): per node rooms, clients, CPU, peak RSS and Redis commands/s;
 *  4. the node hosting the most tables is killed (SIGKILL): its players reconnect
 *     through the balancer and their tables are adopted by the survivors (same seats);
 *     routing is checked again through every surviving node.
 * Small loads, bounded time. Needs a Postgres server (--database, default DATABASE_URL).
 * Redis: --redis, else REDIS_CLUSTER_NODES (a cluster), else REDIS_URL on DB 10; it is
 * flushed (Colyseus keeps global keys), so give it a Redis of its own.
 */
import { randomUUID } from "node:crypto";
import { Command } from "commander";
import { Cluster } from "ioredis";
import { HoldfastClient, MemoryStorage } from "@holdfast/client-sdk";
import { redisTargetOf } from "../../../server/src/config.ts";
import { clusterSeeds, type RedisTarget } from "../../../server/src/redis/redis-client.ts";
import {
  adminToken,
  flushRedis,
  freePort,
  parseScenarioOptions,
  peakRssMb,
  pool,
  positiveInt,
  printTable,
  processCpuSeconds,
  scenarioRedisUrl,
  scratchDatabase,
  sleep,
  startNode,
  type NodeProcess,
} from "./common.ts";
import type { LoadScenario } from "./scenario.ts";
import { createTable, FeedPlayer, watchReseats } from "./table-cluster.ts";
import { startBalancer } from "./tcp-proxy.ts";

export interface ClusterOptions {
  nodes: number;
  tables: number;
  players: number;
  play: number;
  timeout: number;
  leaseSeconds: number;
  redis?: string;
  database?: string;
}

export interface NodeFigures {
  node: string;
  tables: number;
  rooms: number;
  clients: number;
  cpuSeconds: number;
  cpuPct: number;
  peakRssMb: number;
  redisCommandsPerSecond: number;
}

export interface ClusterReport {
  redis: "redis" | "redis-cluster";
  nodes: number;
  tables: number;
  players: number;
  playSeconds: number;
  perNode: NodeFigures[];
  totals: Omit<NodeFigures, "node">;
  routing: { probes: number; onOwner: number };
  killed: string;
  tablesOnKilledNode: number;
  tablesAdopted: number;
  seatsOnKilledNode: number;
  seatsRestored: number;
  seatRestoreMsMax: number;
  routingAfterKill: { probes: number; onOwner: number };
  afterKill: { node: string; tables: number; rooms: number; clients: number }[];
  gaps: number;
  duplicates: number;
}

function parseOptions(argv: string[]): ClusterOptions {
  const cmd = new Command("cluster")
    .description("N nodes on this machine: tables spread, joins through any node land on the owner, one node killed and its tables adopted; per-node figures")
    .option("--nodes <n>", "server processes", positiveInt, 4)
    .option("--tables <n>", "dining tables", positiveInt, 12)
    .option("--players <n>", "seated players per table (1-9)", positiveInt, 2)
    .option("--play <s>", "seconds of steady play measured", positiveInt, 10)
    .option("--timeout <s>", "seconds to wait for the adoption", positiveInt, 60)
    .option("--lease-seconds <s>", "TABLE_LEASE_SECONDS of the nodes", positiveInt, 3)
    .option("--redis <url>", "redis://... or redis+cluster://host:port,... (default REDIS_CLUSTER_NODES, else REDIS_URL on DB 10; flushed)")
    .option("--database <url>", "Postgres server URL (default DATABASE_URL)", process.env.DATABASE_URL);
  return parseScenarioOptions<ClusterOptions>(cmd, argv);
}

/** The Redis of the scenario, and how to empty it. */
function scenarioRedis(given: string | undefined): { target: RedisTarget; env: Record<string, string>; flush(): Promise<void> } {
  const target = given
    ? redisTargetOf(given, undefined)!
    : process.env.REDIS_CLUSTER_NODES
      ? redisTargetOf(undefined, process.env.REDIS_CLUSTER_NODES)!
      : { kind: "single" as const, url: scenarioRedisUrl(undefined, 10) };
  if (target.kind === "single") return { target, env: { REDIS_URL: target.url }, flush: () => flushRedis(target.url) };
  const nodes = target.nodes.map((n) => `${n.host}:${n.port}`).join(",");
  return {
    target,
    env: { REDIS_CLUSTER_NODES: nodes },
    async flush() {
      const c = new Cluster(clusterSeeds(target), { redisOptions: { maxRetriesPerRequest: 1, username: target.username, password: target.password } });
      try {
        await c.ping();
        await Promise.all(c.nodes("master").map((n) => n.flushall()));
      } finally {
        c.disconnect();
      }
    },
  };
}

/** Sum of a metric's samples in a Prometheus text page. */
function metricSum(page: string, name: string, labels = ""): number {
  let sum = 0;
  for (const line of page.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    if (labels && !rest.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

async function scrape(node: NodeProcess): Promise<{ rooms: number; clients: number; redisCommands: number }> {
  const page = await (await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  return {
    rooms: metricSum(page, "holdfast_rooms", 'room="table"'),
    clients: metricSum(page, "holdfast_connected_clients"),
    redisCommands: metricSum(page, "holdfast_redis_commands_total"),
  };
}

/** The node a connection's socket went to (its URL names the node's port). */
function nodeOfSocket(conn: { room: unknown }, nodes: NodeProcess[]): NodeProcess | undefined {
  const url = String((conn.room as { connection?: { url?: string } }).connection?.url ?? "");
  return nodes.find((n) => url.includes(`:${n.port}/`));
}

/** A spectator joins every table through every node: how many landed on the table's owner. */
async function probeRouting(tableIds: string[], nodes: NodeProcess[], ownerOf: (tableId: string) => NodeProcess | undefined) {
  let probes = 0;
  let onOwner = 0;
  await pool(tableIds.length * nodes.length, 6, async (i) => {
    const tableId = tableIds[Math.floor(i / nodes.length)];
    const via = nodes[i % nodes.length];
    const client = new HoldfastClient({ url: via.url, storage: new MemoryStorage(), heartbeatSeconds: 30, reconnect: { minDelayMs: 50, maxDelayMs: 500 } });
    await client.auth.guest(`probe${i}`);
    const conn = await client.tables.join(tableId, { spectate: true });
    probes++;
    if (nodeOfSocket(conn, nodes) === ownerOf(tableId)) onOwner++;
    await conn.leave().catch(() => undefined);
  });
  return { probes, onOwner };
}

export async function runCluster(o: ClusterOptions): Promise<ClusterReport> {
  if (!o.database) throw new Error("cluster needs Postgres: --database or DATABASE_URL");
  if (o.nodes < 2) throw new Error("--nodes must be 2 or more");
  if (o.players < 1 || o.players > 9) throw new Error("--players must be 1 to 9");
  const redis = scenarioRedis(o.redis);
  await redis.flush();
  const database = await scratchDatabase(o.database, "cluster");
  const secret = `loadtest-${randomUUID()}`;
  const env: Record<string, string> = {
    ...redis.env,
    JWT_SECRET: secret,
    DATABASE_URL: database.url,
    REDIS_PREFIX: `hf-cl-${randomUUID().slice(0, 6)}:`,
    SEAT_GRACE_SECONDS: "120",
    HEARTBEAT_SECONDS: "30",
    TABLE_LEASE_SECONDS: String(o.leaseSeconds),
  };
  const nodes: NodeProcess[] = [];
  const players: FeedPlayer[] = [];
  let balancer: { url: string; close(): Promise<void> } | undefined;
  let stopTicking = false;
  let ticking: Promise<void> | undefined;
  try {
    const ports: number[] = [];
    for (let i = 0; i < o.nodes; i++) ports.push(await freePort());
    // One at a time: N cold starts at once on 2 cores only make each slower.
    for (let i = 0; i < o.nodes; i++) nodes.push(await startNode(String.fromCharCode(65 + i), ports[i], env, true));
    balancer = await startBalancer(ports);
    const admin = adminToken(secret);
    const tableIds = Array.from({ length: o.tables }, (_, t) => `cl-${t}-${randomUUID().slice(0, 6)}`);
    for (const tableId of tableIds) await createTable(nodes[0].url, admin, { tableId, kind: "dining", seats: Math.max(o.players, 2) });
    console.log(`cluster: ${o.nodes} nodes on ${redis.target.kind === "cluster" ? "a Redis Cluster" : "one Redis"}; seating ${o.tables * o.players} players at ${o.tables} tables`);

    const byTable = new Map<string, FeedPlayer[]>();
    await pool(o.tables, 6, async (t) => {
      const seated: FeedPlayer[] = [];
      for (let s = 0; s < o.players; s++) {
        const p = new FeedPlayer(balancer!.url, `t${t}p${s}`, tableIds[t]);
        await p.join(s);
        seated.push(p);
        players.push(p);
      }
      byTable.set(tableIds[t], seated);
    });
    const ownerOf = (tableId: string) => nodeOfSocket(byTable.get(tableId)![0].conn, nodes);
    const tablesOn = (n: NodeProcess) => tableIds.filter((t) => ownerOf(t) === n).length;
    const routing = await probeRouting(tableIds, nodes, ownerOf);
    console.log(`cluster: tables per node ${nodes.map((n) => `${n.name} ${tablesOn(n)}`).join(", ")}; routing ${routing.onOwner}/${routing.probes} joins on the owner`);

    // Steady play: the first player of each table stands up and sits down, in turn.
    ticking = (async () => {
      const firsts = tableIds.map((t) => byTable.get(t)![0]);
      for (let k = 0; !stopTicking; k++) {
        const p = firsts[k % firsts.length];
        const up = Math.floor(k / firsts.length) % 2 === 0;
        await (up ? p.conn.stand() : p.conn.sit({ seat: p.seat })).catch(() => undefined);
        await sleep(Math.max(20, 1000 / firsts.length));
      }
    })();
    const before = await Promise.all(nodes.map(scrape));
    const cpuBefore = nodes.map((n) => processCpuSeconds(n.proc.pid));
    const t0 = Date.now();
    await sleep(o.play * 1000);
    const after = await Promise.all(nodes.map(scrape));
    const seconds = (Date.now() - t0) / 1000;
    stopTicking = true;
    await ticking;
    // Back to everyone seated before the kill (a ticker may be standing).
    for (const t of tableIds) {
      const p = byTable.get(t)![0];
      if (!p.seated) await p.conn.sit({ seat: p.seat }).catch(() => undefined);
    }
    const perNode: NodeFigures[] = nodes.map((n, i) => {
      const cpu = processCpuSeconds(n.proc.pid) - cpuBefore[i];
      return {
        node: n.name,
        tables: tablesOn(n),
        rooms: after[i].rooms,
        clients: after[i].clients,
        cpuSeconds: Math.round(cpu * 100) / 100,
        cpuPct: Math.round((cpu / seconds) * 1000) / 10,
        peakRssMb: peakRssMb(n.proc.pid),
        redisCommandsPerSecond: Math.round((after[i].redisCommands - before[i].redisCommands) / seconds),
      };
    });
    const sum = (f: (x: NodeFigures) => number) => Math.round(perNode.reduce((s, x) => s + f(x), 0) * 100) / 100;
    const totals = {
      tables: sum((x) => x.tables),
      rooms: sum((x) => x.rooms),
      clients: sum((x) => x.clients),
      cpuSeconds: sum((x) => x.cpuSeconds),
      cpuPct: sum((x) => x.cpuPct),
      peakRssMb: sum((x) => x.peakRssMb),
      redisCommandsPerSecond: sum((x) => x.redisCommandsPerSecond),
    };

    // The node with the most tables dies.
    const victim = [...nodes].sort((a, b) => tablesOn(b) - tablesOn(a))[0];
    const victimTables = tableIds.filter((t) => ownerOf(t) === victim);
    const victimPlayers = victimTables.flatMap((t) => byTable.get(t)!);
    const watch = watchReseats(victimPlayers);
    const killedAt = Date.now();
    console.log(`cluster: SIGKILL node ${victim.name} (${victimTables.length} tables, ${victimPlayers.length} players)`);
    await victim.kill();
    const seatMs = await watch.wait(killedAt, killedAt + o.timeout * 1000);
    const survivors = nodes.filter((n) => n !== victim);
    const adopted = victimTables.filter((t) => {
      const owner = ownerOf(t);
      return owner !== undefined && owner !== victim && byTable.get(t)!.every((p) => p.seated);
    }).length;
    const routingAfterKill = await probeRouting(tableIds, survivors, ownerOf);
    const afterKill = await Promise.all(
      survivors.map(async (n) => {
        const m = await scrape(n);
        return { node: n.name, tables: tablesOn(n), rooms: m.rooms, clients: m.clients };
      }),
    );
    const report: ClusterReport = {
      redis: redis.target.kind === "cluster" ? "redis-cluster" : "redis",
      nodes: o.nodes,
      tables: o.tables,
      players: players.length,
      playSeconds: Math.round(seconds * 10) / 10,
      perNode,
      totals,
      routing,
      killed: victim.name,
      tablesOnKilledNode: victimTables.length,
      tablesAdopted: adopted,
      seatsOnKilledNode: victimPlayers.length,
      seatsRestored: seatMs.size,
      seatRestoreMsMax: Math.max(0, ...seatMs.values()),
      routingAfterKill,
      afterKill,
      gaps: players.reduce((n, p) => n + p.gaps, 0),
      duplicates: players.reduce((n, p) => n + p.duplicates, 0),
    };
    printReport(report);
    return report;
  } finally {
    stopTicking = true;
    await ticking?.catch(() => undefined);
    await Promise.all(players.map((p) => p.leave()));
    await balancer?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await database.drop().catch(() => undefined);
    await redis.flush().catch(() => undefined);
  }
}

function printReport(r: ClusterReport): void {
  const row = (x: Omit<NodeFigures, "node">) =>
    `${x.tables} tables, ${x.rooms} rooms, ${x.clients} clients, CPU ${x.cpuSeconds} s (${x.cpuPct} %), peak RSS ${x.peakRssMb} MB, Redis ${x.redisCommandsPerSecond} cmd/s`;
  printTable(`cluster: ${r.nodes} nodes on ${r.redis}, ${r.playSeconds} s of play`, [
    ...r.perNode.map((x): [string, string] => [`node ${x.node}`, row(x)]),
    ["total", row(r.totals)],
    ["joins on the owner (any node)", `${r.routing.onOwner}/${r.routing.probes}`],
    [`killed node ${r.killed}: tables adopted`, `${r.tablesAdopted}/${r.tablesOnKilledNode}`],
    ["seats restored (max ms)", `${r.seatsRestored}/${r.seatsOnKilledNode} (${r.seatRestoreMsMax})`],
    ["joins on the owner after the kill", `${r.routingAfterKill.onOwner}/${r.routingAfterKill.probes}`],
    ...r.afterKill.map((x): [string, string] => [`after: node ${x.node}`, `${x.tables} tables, ${x.rooms} rooms, ${x.clients} clients`]),
    ["gaps / duplicates", `${r.gaps} / ${r.duplicates}`],
  ]);
}

export const cluster: LoadScenario = {
  name: "cluster",
  summary: "N nodes: spread, routing to the owner, one killed and its tables adopted, per-node figures",
  async run(argv) {
    const r = await runCluster(parseOptions(argv));
    const ok =
      r.routing.onOwner === r.routing.probes &&
      r.routingAfterKill.onOwner === r.routingAfterKill.probes &&
      r.tablesAdopted === r.tablesOnKilledNode &&
      r.seatsRestored === r.seatsOnKilledNode &&
      r.gaps === 0 &&
      r.duplicates === 0;
    console.log(`verdict: ${ok ? "PASS" : "FAIL"} (joins land on the owner, every table of the killed node adopted with its seats, no gap, no duplicate)`);
    return { report: { ...r }, ok };
  },
};
