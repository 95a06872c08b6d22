/**
 * `npm run loadtest -- faults [--tables T] [--players P] [--buyers B] [--stock N] [--pause S] [--timeout S]`
 *
 * Two server processes sharing a Redis of their own (a redis-server this scenario starts
 * on a free port, append-only file on) and a scratch Postgres database reached through a
 * TCP proxy in a child process. T dining tables with P seated SDK players each, spread
 * over both nodes by the matchmaker (players come in through a round-robin balancer), and
 * B guest buyers holding, ordering and releasing units of a SKU with N in stock through
 * the same balancer the whole time (hold-traffic.ts). An extra seat per table (when the
 * table has room) holds a ticker that stands up and sits down, so events keep flowing.
 * Then, in turn:
 *  1. redis-restart: Redis shuts down (AOF written) and starts again on the same port;
 *  2. redis-data-loss: FLUSHALL (a Redis that came back empty);
 *  3. postgres-pause: the proxy to Postgres is stopped (SIGSTOP) for S seconds, so every
 *     query in flight or new hangs, then resumed (SIGCONT): what a stalled database does;
 *  4. postgres-restart: the proxy dies (every connection reset) and is back after 3 s;
 *  5. node-kill: node b is killed (SIGKILL); its tables come back on node a.
 * After each, it waits (at most --timeout) until every player is seated again (same
 * seat, active, theirs) and reports per fault: seats lost (goal 0), units oversold (0),
 * acknowledged orders lost (0), acknowledged events lost (0: seqs some player at the
 * table was delivered that `GET /api/tables/:id/events` no longer has), clients back, and
 * the time from the service's return to the last player seated again. Orders and events
 * are checked cumulatively (everything acknowledged since the start). Needs DATABASE_URL
 * (or --database) and redis-server on PATH.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { Redis } from "ioredis";
import {
  adminToken,
  freePort,
  parseScenarioOptions,
  pool,
  positiveInt,
  printTable,
  scratchDatabase,
  sleep,
  startNode,
  type NodeProcess,
} from "./common.ts";
import type { LoadScenario } from "./scenario.ts";
import { HoldTraffic, type HoldCheck } from "./hold-traffic.ts";
import { createTable, FeedPlayer } from "./table-cluster.ts";
import { startBalancer } from "./tcp-proxy.ts";

export interface FaultsOptions {
  tables: number;
  players: number;
  /** Guest buyers placing holds and orders. */
  buyers: number;
  /** Units of the SKU they buy. */
  stock: number;
  /** Seconds Postgres stays paused. */
  pause: number;
  /** Seconds to wait for every player after a fault. */
  timeout: number;
  database?: string;
}

export interface FaultResult {
  fault: string;
  seatsLost: number;
  oversold: number;
  ordersLost: number;
  eventsLost: number;
  /** Holds and orders acknowledged (201) and hold-traffic errors during this fault. */
  holds: number;
  orders: number;
  holdErrors: number;
  /** Holds answered 409 SOLD_OUT during this fault (the stock was gone). */
  soldOut: number;
  /** What the hold-traffic errors were ("hold 503 UNAVAILABLE": count). */
  holdErrorKinds: Record<string, number>;
  /** Distinct event seqs players had been delivered so far (what eventsLost checks). */
  eventsSeen: number;
  /** `GET /api/inventory/:sku` at the check (undefined: no answer). */
  inventory?: HoldCheck["inventory"];
  /** Players whose connection dropped (they reconnected, or not). */
  dropped: number;
  clientsBack: number;
  clients: number;
  /** From the service's return to the last player seated again (ms). */
  lastBackMs: number;
  errors: number;
}

/** After a fault: lease expiry (3 s here) and heartbeats (2 s) show a loss only later. */
const SETTLE_MS = 8000;

/** A private redis-server on `port`, data in `dir` (AOF on: a restart keeps the data). */
function startRedis(port: number, dir: string): ChildProcess {
  return spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", dir, "--notify-keyspace-events", "Ex"], {
    stdio: "ignore",
  });
}

async function waitForRedis(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    r.on("error", () => undefined); // refused while it starts: the loop retries
    try {
      await r.connect();
      await r.ping();
      return;
    } catch {
      if (Date.now() > until) throw new Error(`redis at ${url} did not come up`);
      await sleep(100);
    } finally {
      r.disconnect();
    }
  }
}

/** A TCP proxy in its own process (so SIGSTOP freezes it, connections and all). */
function startProxyProcess(listenPort: number, targetPort: number): ChildProcess {
  const code = `
    const net = require("node:net");
    net.createServer((c) => {
      const u = net.connect(${targetPort}, "127.0.0.1");
      c.pipe(u); u.pipe(c);
      c.on("error", () => u.destroy()); u.on("error", () => c.destroy());
      c.on("close", () => u.destroy()); u.on("close", () => c.destroy());
    }).listen(${listenPort}, "127.0.0.1", () => console.log("ready"));`;
  return spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
}

/**
 * Event seqs acknowledged to some player at each table: everything up to the seq a player
 * was seated at (its sit was answered), then every event delivered to one of them.
 */
function recordSeenEvents(players: FeedPlayer[]): Map<string, Set<number>> {
  const seen = new Map<string, Set<number>>();
  for (const p of players) {
    const seqs = seen.get(p.tableId) ?? new Set<number>();
    seen.set(p.tableId, seqs);
    for (let seq = 1; seq <= p.conn.lastSeq; seq++) seqs.add(seq);
    p.conn.onEvent((e) => seqs.add(e.seq));
  }
  return seen;
}

/** Seen seqs that `GET /api/tables/:id/events` (read page by page as admin) lacks. */
async function eventsLost(url: string, admin: string, seen: Map<string, Set<number>>): Promise<number> {
  let lost = 0;
  for (const [tableId, seqs] of seen) {
    const stored = new Set<number>();
    for (let after = 0; ; ) {
      const res = await fetch(`${url}/api/tables/${tableId}/events?after=${after}&limit=1000`, {
        headers: { authorization: `Bearer ${admin}` },
        signal: AbortSignal.timeout(20_000),
      });
      if (!res.ok) throw new Error(`events of ${tableId}: ${res.status} ${await res.text()}`);
      const { events } = (await res.json()) as { events: { seq: number }[] };
      if (events.length === 0) break;
      for (const e of events) stored.add(e.seq);
      after = events[events.length - 1].seq;
    }
    for (const seq of seqs) if (!stored.has(seq)) lost++;
  }
  return lost;
}

/** Players not seated now (connected or restored, same seat, active, theirs). */
const notSeated = (players: FeedPlayer[]) => players.filter((p) => !p.seated);

/** Waits until every player is seated (or the deadline); the time the last one was. */
async function allSeated(players: FeedPlayer[], since: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (notSeated(players).length === 0) return Date.now() - since;
    await sleep(50);
  }
  return Date.now() - since;
}

export async function runFaults(o: FaultsOptions): Promise<{ results: FaultResult[]; ok: boolean }> {
  const base = o.database ?? process.env.DATABASE_URL;
  if (!base) throw new Error("needs a Postgres server: --database URL or DATABASE_URL");
  const pgPort = Number(new URL(base).port || 5432);
  const db = await scratchDatabase(base, "faults");
  const redisDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-faults-redis-"));
  const [redisPort, proxyPort, portA, portB] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  let redis = startRedis(redisPort, redisDir);
  let proxy = startProxyProcess(proxyPort, pgPort);
  await new Promise<void>((resolve) => proxy.stdout!.once("data", () => resolve()));
  const dbUrl = new URL(db.url);
  dbUrl.port = String(proxyPort);
  dbUrl.hostname = "127.0.0.1";
  const nodes: NodeProcess[] = [];
  const players: FeedPlayer[] = [];
  const results: FaultResult[] = [];
  let balancer: { url: string; close(): Promise<void> } | undefined;
  let traffic: HoldTraffic | undefined;
  const tickers: FeedPlayer[] = [];
  let stopTickers = false;
  let tickerLoop: Promise<void> | undefined;
  try {
    await waitForRedis(redisUrl, 10_000);
    const secret = randomUUID() + randomUUID();
    const env = { REDIS_URL: redisUrl, DATABASE_URL: dbUrl.toString(), JWT_SECRET: secret, SEAT_GRACE_SECONDS: "120", HEARTBEAT_SECONDS: "2", TABLE_LEASE_SECONDS: "3" };
    nodes.push(...(await Promise.all([startNode("a", portA, env, true), startNode("b", portB, env, true)])));
    const admin = adminToken(secret, "faults");
    const tableIds = Array.from({ length: o.tables }, () => `flt-${randomUUID().slice(0, 8)}`);
    // One seat more than the players when there is room: a ticker stands up and sits down there.
    const seats = Math.min(10, Math.max(o.players + 1, 2));
    for (const tableId of tableIds) await createTable(nodes[0].url, admin, { tableId, kind: "dining", seats });
    // Players reach the nodes through a round-robin balancer (a dead node is skipped);
    // the matchmaker spreads the tables over both nodes.
    balancer = await startBalancer([portA, portB]);
    const entry = balancer.url;
    await pool(o.tables * o.players, 8, async (i) => {
      const t = Math.floor(i / o.players);
      const p = new FeedPlayer(entry, `f${i}`, tableIds[t]);
      await p.join(i % o.players);
      players.push(p);
    });
    // Tickers (not counted as players): events keep flowing at every table, one a second in all.
    if (seats > o.players) {
      for (const tableId of tableIds) {
        const t = new FeedPlayer(entry, `ticker-${tableId}`, tableId);
        await t.join(seats - 1);
        tickers.push(t);
      }
    }
    const seen = recordSeenEvents([...players, ...tickers]);
    tickerLoop = (async () => {
      for (let k = 0; !stopTickers && tickers.length > 0; k++) {
        const t = tickers[k % tickers.length];
        await (Math.floor(k / tickers.length) % 2 === 0 ? t.conn.stand() : t.conn.sit({ seat: seats - 1 })).catch(() => undefined);
        await sleep(1000 / tickers.length);
      }
    })();
    traffic = new HoldTraffic({ url: entry, admin, buyers: o.buyers, stock: o.stock, pauseMs: 300 });
    await traffic.start();
    console.log(`faults: ${players.length} players seated at ${o.tables} tables on two nodes, ${o.buyers} buyers holding`);

    /**
     * `inject` returns when the service is back (a killed node: when it was killed). Then
     * a settle time (lease expiry, heartbeats: a loss shows up late), then until every
     * player is seated. "Last back": the last dropped player's return after that moment.
     */
    const measure = async (fault: string, inject: () => Promise<number>) => {
      const errorsBefore = players.reduce((n, p) => n + p.errors.length, 0);
      const t = traffic!;
      const [holdsBefore, ordersBefore, holdErrorsBefore, soldOutBefore] = [t.holds, t.orders, t.errors, t.soldOut];
      const kindsBefore = new Map(t.errorKinds);
      const dropped = new Set<FeedPlayer>();
      let lastRestored = 0;
      const offs = players.map((p) =>
        p.conn.onStatus((status) => {
          if (status === "reconnecting") dropped.add(p);
          if (status === "restored") lastRestored = Date.now();
        }),
      );
      console.log(`faults: ${fault}...`);
      const back = await inject();
      await sleep(SETTLE_MS);
      await allSeated(players, back, o.timeout * 1000);
      for (const off of offs) off();
      const lost = notSeated(players).length;
      const check = await t.check();
      const result: FaultResult = {
        fault,
        seatsLost: lost,
        oversold: check.oversold,
        ordersLost: check.ordersLost,
        eventsLost: await eventsLost(entry, admin, seen),
        holds: t.holds - holdsBefore,
        orders: t.orders - ordersBefore,
        holdErrors: t.errors - holdErrorsBefore,
        soldOut: t.soldOut - soldOutBefore,
        holdErrorKinds: Object.fromEntries([...t.errorKinds].map(([k, n]) => [k, n - (kindsBefore.get(k) ?? 0)]).filter(([, n]) => Number(n) > 0)),
        inventory: check.inventory,
        eventsSeen: [...seen.values()].reduce((n, seqs) => n + seqs.size, 0),
        dropped: dropped.size,
        clientsBack: players.length - lost,
        clients: players.length,
        lastBackMs: lost > 0 ? NaN : dropped.size === 0 ? 0 : Math.max(0, lastRestored - back),
        errors: players.reduce((n, p) => n + p.errors.length, 0) - errorsBefore,
      };
      results.push(result);
      console.log(
        `faults: ${fault}: ${result.dropped} dropped, ${result.clientsBack}/${result.clients} seated, last back after ${result.lastBackMs} ms; ` +
          `${result.holds} holds, ${result.orders} orders, ${result.soldOut} sold out, ${result.holdErrors} hold errors; oversold ${result.oversold}, orders lost ${result.ordersLost}, events lost ${result.eventsLost} of ${result.eventsSeen}; ` +
          `inventory ${JSON.stringify(check.inventory ?? "no answer")}` +
          (result.holdErrors > 0 ? `; hold errors: ${JSON.stringify(result.holdErrorKinds)}` : ""),
      );
    };

    await measure("redis-restart", async () => {
      const admin = new Redis(redisUrl, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on("error", () => undefined);
      await admin.call("SHUTDOWN").catch(() => undefined); // the reply never comes: it is down
      admin.disconnect();
      await new Promise<void>((resolve) => (redis.exitCode !== null ? resolve() : redis.once("exit", () => resolve())));
      await sleep(1000);
      redis = startRedis(redisPort, redisDir);
      await waitForRedis(redisUrl, 10_000);
      return Date.now();
    });

    await measure("redis-data-loss", async () => {
      const admin = new Redis(redisUrl, { maxRetriesPerRequest: 0 });
      await admin.flushall();
      admin.disconnect();
      return Date.now();
    });

    await measure("postgres-pause", async () => {
      proxy.kill("SIGSTOP");
      await sleep(o.pause * 1000);
      proxy.kill("SIGCONT");
      return Date.now();
    });

    await measure("postgres-restart", async () => {
      proxy.kill("SIGKILL");
      await new Promise<void>((resolve) => (proxy.exitCode !== null || proxy.signalCode !== null ? resolve() : proxy.once("exit", () => resolve())));
      await sleep(3000);
      proxy = startProxyProcess(proxyPort, pgPort);
      await new Promise<void>((resolve) => proxy.stdout!.once("data", () => resolve()));
      return Date.now();
    });

    await measure("node-kill", async () => {
      // Whoever was on node b drops now and comes back through node a's matchmaker.
      const killedAt = Date.now();
      await nodes[1].kill();
      nodes.splice(1, 1);
      return killedAt;
    });
  } finally {
    stopTickers = true;
    await Promise.all([traffic?.stop(), tickerLoop]);
    await Promise.all([...players, ...tickers].map((p) => p.leave()));
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await balancer?.close();
    proxy.kill("SIGCONT");
    proxy.kill("SIGTERM");
    redis.kill("SIGTERM");
    await db.drop().catch(() => undefined);
    rmSync(redisDir, { recursive: true, force: true });
  }
  printTable(
    "faults",
    results.map((r) => [
      r.fault,
      `seats lost ${r.seatsLost}, oversold ${r.oversold}, orders lost ${r.ordersLost}, events lost ${r.eventsLost}/${r.eventsSeen}, dropped ${r.dropped}, back ${r.clientsBack}/${r.clients}, last back ${Number.isNaN(r.lastBackMs) ? "-" : `${r.lastBackMs} ms`}, errors ${r.errors}, holds ${r.holds}, orders ${r.orders}, sold out ${r.soldOut}, hold errors ${r.holdErrors}`,
    ]),
  );
  return { results, ok: results.every((r) => r.seatsLost === 0 && r.oversold === 0 && r.ordersLost === 0 && r.eventsLost === 0) };
}

export const faults: LoadScenario = {
  name: "faults",
  summary: "two nodes with seated players and hold traffic through a Redis restart and data loss, a Postgres pause and restart, and a node SIGKILL",
  async run(argv) {
    const o = parseScenarioOptions<FaultsOptions>(
      new Command("faults")
        .option("--tables <n>", "tables", positiveInt, 5)
        .option("--players <n>", "seated players per table", positiveInt, 4)
        .option("--buyers <n>", "guest buyers placing holds and orders the whole time", positiveInt, 4)
        .option("--stock <n>", "units of the SKU they buy", positiveInt, 200)
        .option("--pause <s>", "seconds Postgres stays paused", positiveInt, 10)
        .option("--timeout <s>", "seconds to wait for every player after a fault", positiveInt, 60)
        .option("--database <url>", "Postgres server for a scratch database (default DATABASE_URL)"),
      argv,
    );
    const { results, ok } = await runFaults(o);
    return { report: { options: o, results }, ok };
  },
};
