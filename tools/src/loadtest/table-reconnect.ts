/**
 * `npm run loadtest -- table-reconnect --clients N --tables T --drop P --duration S`
 *
 * N seated SDK clients (each its own guest, HoldfastClient and TableConnection) over T
 * tables on a real server process, reached through loopback TCP proxies. Every
 * `--interval` seconds for `--duration` seconds (at least once), the proxies of a share P
 * of the clients reset their sockets (no close frame: the server sees 1006) and the SDKs
 * reconnect on their own. Meanwhile one extra player per table (when a seat is free)
 * stands up and sits down again, so events keep flowing while clients are away.
 *
 * Reports seats restored, reconnect time (drop → seated and active again) p50/p95/p99,
 * the share reseated within 3 s, event gaps and duplicates in the app-facing feeds,
 * snapshots (missed events no longer kept) and errors.
 *
 * Backends: embedded by default (memory stores, PGlite); --redis and --database use
 * those (the scenario flushes its Redis DB, default DB 7, and makes its own database).
 */
import { randomUUID } from "node:crypto";
import { Command, InvalidArgumentError } from "commander";
import {
  adminToken,
  flushRedis,
  freePort,
  parseScenarioOptions,
  percentile,
  pool,
  positiveInt,
  printTable,
  progressBar,
  scenarioRedisUrl,
  scratchDatabase,
  sleep,
  startNode,
} from "./common.ts";
import type { LoadScenario } from "./scenario.ts";
import { createTable, FeedPlayer, watchReseats } from "./table-cluster.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

const share = (v: string): number => {
  const n = Number(v.endsWith("%") ? Number(v.slice(0, -1)) / 100 : v);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError("expected a share in (0, 1] or a percentage like 25%");
  return n;
};

export interface TableReconnectOptions {
  clients: number;
  tables: number;
  /** Share of the clients dropped per round, (0, 1]. */
  drop: number;
  /** Seconds of rounds (one round at least). */
  duration: number;
  /** Seconds between rounds. */
  interval: number;
  /** Proxies the clients are spread over (the drop granularity is 1/proxies). */
  proxies: number;
  /** Seats' grace, and how long a round waits for its clients at most. */
  grace: number;
  /** A 3 s reseat target is reported against this many ms. */
  targetMs: number;
  redis?: string;
  database?: string;
  quiet?: boolean;
}

export interface TableReconnectReport {
  clients: number;
  tables: number;
  rounds: number;
  dropped: number;
  seatsRestored: number;
  seatsLost: number;
  reconnectMs: { p50: number; p95: number; p99: number; max: number };
  withinTargetPct: number;
  targetMs: number;
  eventsDelivered: number;
  eventsDuringDrops: number;
  gaps: number;
  duplicates: number;
  snapshots: number;
  errors: number;
  errorSamples: string[];
  backends: string;
}

function parseOptions(argv: string[]): TableReconnectOptions {
  const cmd = new Command("table-reconnect")
    .description("seated clients drop abruptly and reconnect: seats restored, reconnect p50/p95/p99, gaps, duplicates, errors")
    .option("--clients <n>", "seated clients", positiveInt, 200)
    .option("--tables <n>", "tables (at most 9 clients each, one seat is the event ticker's)", positiveInt, 25)
    .option("--drop <share>", "share of the clients dropped per round (0-1 or N%)", share, 1)
    .option("--duration <s>", "seconds of drop rounds (one round at least)", positiveInt, 10)
    .option("--interval <s>", "seconds between rounds", positiveInt, 10)
    .option("--proxies <n>", "TCP proxies the clients are spread over", positiveInt, 20)
    .option("--grace <s>", "SEAT_GRACE_SECONDS of the node", positiveInt, 60)
    .option("--target-ms <ms>", "reseat target reported", positiveInt, 3000)
    .option("--redis <url>", "Redis URL (default: embedded; flushed)")
    .option("--database <url>", "Postgres server URL (a scratch database is made there)");
  return parseScenarioOptions<TableReconnectOptions>(cmd, argv);
}

/** Runs the scenario (also used by test/continuity): starts and stops everything it needs. */
export async function runTableReconnect(o: TableReconnectOptions): Promise<TableReconnectReport> {
  const perTable = Math.ceil(o.clients / o.tables);
  if (perTable > 10) throw new Error(`${perTable} clients per table: a table has at most 10 seats (raise --tables)`);
  const withTicker = perTable < 10;
  const seats = Math.max(2, perTable + (withTicker ? 1 : 0));
  const secret = `loadtest-${randomUUID()}`;
  const env: Record<string, string> = { JWT_SECRET: secret, SEAT_GRACE_SECONDS: String(o.grace), HEARTBEAT_SECONDS: "30" };
  let database: { url: string; drop(): Promise<void> } | undefined;
  const redisUrl = o.redis ? scenarioRedisUrl(o.redis, 7) : undefined;
  if (redisUrl) {
    await flushRedis(redisUrl);
    env.REDIS_URL = redisUrl;
    env.REDIS_PREFIX = `hf-lt-${randomUUID().slice(0, 6)}:`;
  }
  if (o.database) {
    database = await scratchDatabase(o.database, "reconnect");
    env.DATABASE_URL = database.url;
  }
  const log = (msg: string) => !o.quiet && console.log(msg);
  const node = await startNode("node", await freePort(), env);
  const proxies: TcpProxy[] = [];
  const players: FeedPlayer[] = [];
  const proxyOf = new Map<FeedPlayer, number>();
  const tickers: FeedPlayer[] = [];
  let stopTickers = false;
  const bar = o.quiet ? undefined : progressBar();
  try {
    for (let i = 0; i < Math.min(o.proxies, o.clients); i++) proxies.push(await startTcpProxy(node.port));
    const admin = adminToken(secret);
    const tableIds = Array.from({ length: o.tables }, (_, t) => `rc-${t}-${randomUUID().slice(0, 6)}`);
    for (const tableId of tableIds) await createTable(node.url, admin, { tableId, kind: "dining", seats });

    bar?.start(o.clients, 0, { phase: "seating ", extra: "" });
    await pool(o.clients, 50, async (i) => {
      const p = new FeedPlayer(proxies[i % proxies.length].url, `c${i}`, tableIds[i % o.tables]);
      proxyOf.set(p, i % proxies.length);
      await p.join(Math.floor(i / o.tables));
      players.push(p);
    }, () => bar?.increment());
    bar?.stop();

    // Tickers: a direct (never dropped) player per table that stands up and sits down.
    if (withTicker) {
      for (const tableId of tableIds) {
        const t = new FeedPlayer(node.url, `ticker-${tableId}`, tableId);
        await t.join(seats - 1);
        tickers.push(t);
      }
    }
    const tickerLoop = (async () => {
      let k = 0;
      while (!stopTickers && withTicker) {
        const t = tickers[k++ % tickers.length];
        await (k % 2 ? t.conn.stand() : t.conn.sit({ seat: seats - 1 })).catch(() => undefined);
        await sleep(Math.max(5, 1000 / tickers.length));
      }
    })();

    const reconnectMs: number[] = [];
    let dropped = 0;
    let lost = 0;
    let rounds = 0;
    let eventsDuringDrops = 0;
    const started = Date.now();
    do {
      rounds++;
      const k = Math.max(1, Math.round(o.drop * proxies.length));
      const chosen = new Set([...proxies.keys()].sort(() => Math.random() - 0.5).slice(0, k));
      const victims = players.filter((p) => chosen.has(proxyOf.get(p)!));
      const watch = watchReseats(victims);
      const tickerEvents = tickers.reduce((n, t) => n + t.events, 0);
      const dropAt = Date.now();
      for (const i of chosen) proxies[i].dropAll();
      dropped += victims.length;
      bar?.start(victims.length, 0, { phase: `round ${rounds} `, extra: "reseated" });
      const reseated = await watch.wait(dropAt, dropAt + o.grace * 1000, () => bar?.increment());
      bar?.stop();
      reconnectMs.push(...reseated.values());
      lost += victims.length - reseated.size;
      eventsDuringDrops += tickers.reduce((n, t) => n + t.events, 0) - tickerEvents;
      const next = dropAt + o.interval * 1000;
      if (Date.now() - started + o.interval * 1000 > o.duration * 1000) break;
      await sleep(Math.max(0, next - Date.now()));
    } while (Date.now() - started < o.duration * 1000);

    stopTickers = true;
    await tickerLoop;
    await sleep(500); // the last events reach every feed
    const errors = players.flatMap((p) => p.errors);
    const report: TableReconnectReport = {
      clients: o.clients,
      tables: o.tables,
      rounds,
      dropped,
      seatsRestored: dropped - lost,
      seatsLost: Math.max(lost, players.filter((p) => !p.seated).length),
      reconnectMs: { p50: percentile(reconnectMs, 50), p95: percentile(reconnectMs, 95), p99: percentile(reconnectMs, 99), max: percentile(reconnectMs, 100) },
      withinTargetPct: dropped === 0 ? 100 : Math.round((reconnectMs.filter((ms) => ms <= o.targetMs).length / dropped) * 1000) / 10,
      targetMs: o.targetMs,
      eventsDelivered: players.reduce((n, p) => n + p.events, 0),
      eventsDuringDrops,
      gaps: players.reduce((n, p) => n + p.gaps, 0),
      duplicates: players.reduce((n, p) => n + p.duplicates, 0),
      snapshots: players.reduce((n, p) => n + p.snapshots, 0),
      errors: errors.length,
      errorSamples: [...new Set(errors.map((e) => `${e.code}: ${e.message}`))].slice(0, 5),
      backends: `${redisUrl ? "redis" : "memory"} + ${database ? "postgres" : "embedded postgres"}`,
    };
    if (!o.quiet) {
      printTable("table-reconnect", [
        ["clients / tables", `${report.clients} / ${report.tables}`],
        ["rounds / dropped", `${report.rounds} / ${report.dropped}`],
        ["seats restored", `${report.seatsRestored}/${report.dropped}`],
        ["seats lost", report.seatsLost],
        ["reconnect p50/p95/p99/max", `${report.reconnectMs.p50} / ${report.reconnectMs.p95} / ${report.reconnectMs.p99} / ${report.reconnectMs.max} ms`],
        [`reseated within ${report.targetMs} ms`, `${report.withinTargetPct} %`],
        ["events delivered (during drops)", `${report.eventsDelivered} (${report.eventsDuringDrops})`],
        ["gaps / duplicates", `${report.gaps} / ${report.duplicates}`],
        ["snapshots", report.snapshots],
        ["errors", `${report.errors}${report.errorSamples.length ? ` (${report.errorSamples.join("; ")})` : ""}`],
        ["backends", report.backends],
      ]);
    }
    log("");
    return report;
  } finally {
    bar?.stop();
    stopTickers = true;
    await Promise.all([...players, ...tickers].map((p) => p.leave()));
    for (const p of proxies) await p.close();
    await node.stop();
    await database?.drop().catch(() => undefined);
    if (redisUrl) await flushRedis(redisUrl).catch(() => undefined);
  }
}

export const tableReconnect: LoadScenario = {
  name: "table-reconnect",
  summary: "seated clients drop abruptly and reconnect",
  async run(argv) {
    const o = parseOptions(argv);
    const report = await runTableReconnect(o);
    const ok = report.seatsLost === 0 && report.gaps === 0 && report.duplicates === 0 && report.errors === 0;
    console.log(`verdict: ${ok ? "PASS" : "FAIL"} (every seat restored, no gap, no duplicate, no error; ${report.withinTargetPct} % within ${report.targetMs} ms)`);
    return { report: { ...report }, ok };
  },
};
