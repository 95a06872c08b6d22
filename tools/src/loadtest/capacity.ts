/**
 * `npm run bench -- capacity [--players 60] [--seconds 60] [--holds 500] [--buyers 200] [--queue-seconds 30]`
 *
 * The per-unit costs docs/capacity.md builds on, measured on one real node (Redis +
 * Postgres, started here on a free loopback port and stopped at the end):
 *
 * - idle: what the node costs with nobody on it (leases, sweepers, retention), per minute;
 *   subtracted from the phases below;
 * - a seated player per minute: `--players` SDK hold'em players (6 per table) who check or
 *   call on their turn, for `--seconds`;
 * - an event: the same window divided by the table events it wrote;
 * - a hold: `--holds` `POST /api/holds` (with an Idempotency-Key, as the SDK sends);
 * - a queued buyer: `--buyers` SDK buyers waiting in a flash sale's line that has not
 *   started, for `--queue-seconds`.
 *
 * Redis: `INFO commandstats` (calls), `INFO stats` (network bytes in + out) and
 * `INFO memory` (used_memory) deltas: use a Redis of your own (REDIS_URL; DB 9 is
 * flushed), the counters are the whole server's. Postgres: `pg_stat_user_tables` (rows
 * inserted + updated + deleted) and `pg_total_relation_size` deltas in a scratch database
 * of DATABASE_URL. Node: CPU from /proc (user + system) and resident memory (VmRSS).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import { HoldfastClient, MemoryStorage, type SaleConnection } from "@holdfast/client-sdk";
import { Redis } from "ioredis";
import pg from "pg";
import { adminToken, flushRedis, freePort, pool, printTable, processCpuSeconds, scenarioRedisUrl, scratchDatabase, sleep, startNode, type NodeProcess } from "./common.ts";
import { playBot } from "./node-kill.ts";
import { createTable, FeedPlayer } from "./table-cluster.ts";

export interface CapacityOptions {
  players: number;
  seconds: number;
  holds: number;
  buyers: number;
  queueSeconds: number;
  idleSeconds: number;
  thinkMs: number;
  redis?: string;
  database?: string;
}

/** Counters read at one moment; a phase's cost is the difference of two. */
interface Sample {
  at: number;
  /** Calls per Redis command (commands run inside Lua scripts count under their own name). */
  commands: Record<string, number>;
  redisCalls: number;
  redisNetBytes: number;
  redisMemory: number;
  pgRows: number;
  pgEventRows: number;
  pgBytes: number;
  pgEventBytes: number;
  cpuSeconds: number;
  rssBytes: number;
}

type Delta = Omit<Sample, "at" | "commands"> & { seconds: number; commands: Record<string, number> };

function residentBytes(pid: number | undefined): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

const infoField = (info: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1] ?? NaN);

class Meter {
  constructor(
    private readonly redis: Redis,
    private readonly pg: pg.Pool,
    private readonly node: NodeProcess,
  ) {}

  async sample(): Promise<Sample> {
    const commandstats = await this.redis.info("commandstats");
    let redisCalls = 0;
    const commands: Record<string, number> = {};
    for (const m of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      commands[m[1]] = Number(m[2]);
      redisCalls += Number(m[2]);
    }
    const stats = await this.redis.info("stats");
    const memory = await this.redis.info("memory");
    // A fresh statistics snapshot each time (a session caches the first one it reads).
    await this.pg.query("SELECT pg_stat_clear_snapshot()");
    const { rows } = await this.pg.query<{ rows: string; event_rows: string; bytes: string; event_bytes: string }>(
      `SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) AS rows,
              sum(n_tup_ins) FILTER (WHERE relname = 'table_events') AS event_rows,
              sum(pg_total_relation_size(relid)) AS bytes,
              sum(pg_total_relation_size(relid)) FILTER (WHERE relname = 'table_events') AS event_bytes
         FROM pg_stat_user_tables`,
    );
    return {
      at: Date.now(),
      commands,
      // This sample's own INFO calls are counted too (3 a sample): noise below 0.1 %.
      redisCalls,
      redisNetBytes: infoField(stats, "total_net_input_bytes") + infoField(stats, "total_net_output_bytes"),
      redisMemory: infoField(memory, "used_memory"),
      pgRows: Number(rows[0].rows),
      pgEventRows: Number(rows[0].event_rows),
      pgBytes: Number(rows[0].bytes),
      pgEventBytes: Number(rows[0].event_bytes),
      cpuSeconds: processCpuSeconds(this.node.proc.pid),
      rssBytes: residentBytes(this.node.proc.pid),
    };
  }

  /**
   * Waits until Postgres has published the statistics of what just happened: a backend
   * that goes idle reports its counters within 10 s (PGSTAT_IDLE_INTERVAL); sooner
   * readings miss most of a burst's rows.
   */
  async settle(): Promise<Sample> {
    await sleep(11_000);
    return this.sample();
  }
}

function delta(a: Sample, b: Sample): Delta {
  return {
    seconds: (b.at - a.at) / 1000,
    commands: Object.fromEntries(Object.entries(b.commands).map(([k, v]) => [k, v - (a.commands[k] ?? 0)])),
    redisCalls: b.redisCalls - a.redisCalls,
    redisNetBytes: b.redisNetBytes - a.redisNetBytes,
    redisMemory: b.redisMemory - a.redisMemory,
    pgRows: b.pgRows - a.pgRows,
    pgEventRows: b.pgEventRows - a.pgEventRows,
    pgBytes: b.pgBytes - a.pgBytes,
    pgEventBytes: b.pgEventBytes - a.pgEventBytes,
    cpuSeconds: b.cpuSeconds - a.cpuSeconds,
    rssBytes: b.rssBytes - a.rssBytes,
  };
}

/** `d` minus what an idle node does in the same time (rates only: memory and sizes are not rates). */
function lessIdle(d: Delta, idle: Delta): Delta {
  const k = d.seconds / idle.seconds;
  return { ...d, redisCalls: d.redisCalls - idle.redisCalls * k, redisNetBytes: d.redisNetBytes - idle.redisNetBytes * k, cpuSeconds: d.cpuSeconds - idle.cpuSeconds * k, pgRows: d.pgRows - idle.pgRows * k };
}

export interface CapacityReport {
  machine: string;
  idlePerMinute: { redisCalls: number; redisNetBytes: number; cpuMs: number };
  seatedPlayerPerMinute: { redisCalls: number; redisNetBytes: number; pgRows: number; pgBytes: number; cpuMs: number; events: number };
  seatedPlayer: { nodeRssBytes: number; redisMemoryBytes: number };
  /** `redisMemoryBytes`: Redis memory growth per event, mostly the hot log (streams are trimmed only past TABLE_LOG_RETENTION). */
  event: { redisCalls: number; redisNetBytes: number; redisMemoryBytes: number; pgRows: number; pgBytes: number; cpuMs: number };
  hold: { redisCalls: number; redisNetBytes: number; redisMemoryBytes: number; pgRows: number; pgBytes: number; cpuMs: number; holdsPerSecond: number };
  queuedBuyer: { nodeRssBytes: number; redisMemoryBytes: number; redisCallsPerMinute: number; redisNetBytesPerMinute: number; cpuMsPerMinute: number };
  /** The busiest Redis commands, calls per unit per minute (idle node included). */
  topCommands: { seatedPlayer: Record<string, number>; queuedBuyer: Record<string, number> };
  runs: { players: number; tables: number; seconds: number; events: number; holds: number; buyers: number; queueSeconds: number };
}

async function api(url: string, method: string, p: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function runCapacity(o: CapacityOptions): Promise<CapacityReport> {
  if (!o.database) throw new Error("capacity needs Postgres (its statistics): set DATABASE_URL or --database");
  const redisUrl = scenarioRedisUrl(o.redis, 9);
  await flushRedis(redisUrl);
  const database = await scratchDatabase(o.database, "capacity");
  const secret = randomBytes(24).toString("hex");
  const env: Record<string, string> = {
    JWT_SECRET: secret,
    REDIS_URL: redisUrl,
    DATABASE_URL: database.url,
    REDIS_PREFIX: `hf-cap-${randomUUID().slice(0, 6)}:`,
    TURN_SECONDS: "10",
    HOLD_TTL_SECONDS: "3600",
  };
  let node: NodeProcess | undefined;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const pgPool = new pg.Pool({ connectionString: database.url, max: 2 });
  const players: FeedPlayer[] = [];
  const buyers: SaleConnection[] = [];
  try {
    console.log(`capacity: starting a node (Redis ${redisUrl}, Postgres scratch database)...`);
    node = await startNode("capacity", await freePort(), env);
    const meter = new Meter(redis, pgPool, node);
    const admin = adminToken(secret);

    // Idle: leases, sweepers and retention jobs with nobody on the node.
    const i0 = await meter.settle();
    await sleep(o.idleSeconds * 1000);
    const idle = delta(i0, await meter.settle());
    console.log(`idle ${idle.seconds.toFixed(0)} s: ${idle.redisCalls} Redis calls, ${idle.cpuSeconds.toFixed(2)} CPU s`);

    // Seated players.
    const tables = Math.ceil(o.players / 6);
    const tableIds = Array.from({ length: tables }, (_, t) => `cap-${t}-${randomUUID().slice(0, 6)}`);
    for (const tableId of tableIds) {
      await createTable(node.url, admin, { tableId, kind: "holdem", seats: 6, options: { smallBlind: 5, bigBlind: 10, minBuyIn: 200, maxBuyIn: 2000, awayActSeconds: 30 } });
    }
    const s0 = await meter.settle();
    let actions = 0;
    await pool(o.players, 10, async (i) => {
      const p = new FeedPlayer(node!.url, `cap${i}`, tableIds[Math.floor(i / 6)]);
      await p.join(i % 6, 1000);
      playBot(p, () => actions++, o.thinkMs);
      players.push(p);
    });
    // Hands under way before the window opens.
    await sleep(5000);
    const s1 = await meter.settle();
    const seatedMemory = delta(s0, s1);
    console.log(`seated ${players.length} players at ${tables} tables; measuring ${o.seconds} s of play...`);
    await sleep(o.seconds * 1000);
    const s2 = await meter.settle();
    const play = lessIdle(delta(s1, s2), idle);
    const events = Math.max(1, play.pgEventRows);
    const perPlayerMinute = (x: number) => (x / players.length) * (60 / play.seconds);
    await Promise.all(players.map((p) => p.leave()));

    // Holds.
    const sku = `cap-sku-${randomUUID().slice(0, 6)}`;
    await api(node.url, "PUT", `/api/inventory/${sku}`, admin, { stock: 1_000_000, perUserLimit: 1_000_000 });
    const holders = await pool(20, 10, async (i) => {
      const c = new HoldfastClient({ url: node!.url, storage: new MemoryStorage() });
      await c.auth.guest(`holder${i}`);
      return c.auth.token!;
    });
    const h0 = await meter.settle();
    const t0 = Date.now();
    await pool(o.holds, 20, async (i) => {
      await api(node!.url, "POST", "/api/holds", holders[i % holders.length], { sku, quantity: 1 }, { "idempotency-key": randomUUID() });
    });
    const holdSeconds = (Date.now() - t0) / 1000;
    const holdsDelta = lessIdle(delta(h0, await meter.settle()), idle);

    // Queued buyers: a sale that starts in an hour, its line filling up.
    const saleId = `cap-sale-${randomUUID().slice(0, 6)}`;
    await api(node.url, "POST", "/api/sales", admin, {
      saleId,
      sku: `${sku}-sale`,
      quantity: 100,
      perUserLimit: 1,
      startsAt: Date.now() + 3600_000,
      admission: { mode: "rate", perSecond: 100 },
      prequeue: "fifo",
    });
    const q0 = await meter.settle();
    await pool(o.buyers, 20, async (i) => {
      const c = new HoldfastClient({ url: node!.url, storage: new MemoryStorage() });
      await c.auth.guest(`buyer${i}`);
      buyers.push(await c.sales.join(saleId));
    });
    const q1 = await meter.settle();
    const queuedMemory = delta(q0, q1);
    await sleep(o.queueSeconds * 1000);
    const waiting = lessIdle(delta(q1, await meter.settle()), idle);
    const perBuyerMinute = (x: number) => (x / buyers.length) * (60 / waiting.seconds);

    const cpu = os.cpus();
    return {
      machine: `${cpu.length} x ${cpu[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg()[0].toFixed(1)} at the end, Node ${process.version}`,
      idlePerMinute: {
        redisCalls: (idle.redisCalls * 60) / idle.seconds,
        redisNetBytes: (idle.redisNetBytes * 60) / idle.seconds,
        cpuMs: (idle.cpuSeconds * 60_000) / idle.seconds,
      },
      seatedPlayerPerMinute: {
        redisCalls: perPlayerMinute(play.redisCalls),
        redisNetBytes: perPlayerMinute(play.redisNetBytes),
        pgRows: perPlayerMinute(play.pgRows),
        pgBytes: perPlayerMinute(play.pgBytes),
        cpuMs: perPlayerMinute(play.cpuSeconds * 1000),
        events: perPlayerMinute(play.pgEventRows),
      },
      seatedPlayer: { nodeRssBytes: seatedMemory.rssBytes / players.length, redisMemoryBytes: seatedMemory.redisMemory / players.length },
      event: {
        redisCalls: play.redisCalls / events,
        redisNetBytes: play.redisNetBytes / events,
        redisMemoryBytes: play.redisMemory / events,
        pgRows: play.pgRows / events,
        pgBytes: play.pgEventBytes / events,
        cpuMs: (play.cpuSeconds * 1000) / events,
      },
      hold: {
        redisCalls: holdsDelta.redisCalls / o.holds,
        redisNetBytes: holdsDelta.redisNetBytes / o.holds,
        redisMemoryBytes: holdsDelta.redisMemory / o.holds,
        pgRows: holdsDelta.pgRows / o.holds,
        pgBytes: holdsDelta.pgBytes / o.holds,
        cpuMs: (holdsDelta.cpuSeconds * 1000) / o.holds,
        holdsPerSecond: o.holds / holdSeconds,
      },
      queuedBuyer: {
        nodeRssBytes: queuedMemory.rssBytes / buyers.length,
        redisMemoryBytes: queuedMemory.redisMemory / buyers.length,
        redisCallsPerMinute: perBuyerMinute(waiting.redisCalls),
        redisNetBytesPerMinute: perBuyerMinute(waiting.redisNetBytes),
        cpuMsPerMinute: perBuyerMinute(waiting.cpuSeconds * 1000),
      },
      topCommands: { seatedPlayer: top(play.commands, perPlayerMinute), queuedBuyer: top(waiting.commands, perBuyerMinute) },
      runs: { players: players.length, tables, seconds: o.seconds, events: play.pgEventRows, holds: o.holds, buyers: buyers.length, queueSeconds: o.queueSeconds },
    };
  } finally {
    await Promise.all(buyers.map((b) => b.leave().catch(() => undefined)));
    await Promise.all(players.map((p) => p.leave()));
    await node?.stop();
    await pgPool.end();
    await database.drop().catch(() => undefined);
    await redis.flushdb().catch(() => undefined);
    redis.disconnect();
  }
}

/** The 8 busiest commands of a phase, scaled to per unit per minute. */
function top(commands: Record<string, number>, scale: (x: number) => number): Record<string, number> {
  const sorted = Object.entries(commands).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).slice(0, 8);
  return Object.fromEntries(sorted.map(([k, v]) => [k, Math.round(scale(v) * 10) / 10]));
}

const n = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
const kb = (bytes: number) => `${n(bytes / 1024, 2)} KiB`;

export function printCapacity(r: CapacityReport): void {
  printTable(`capacity per unit (${r.machine})`, [
    ["idle node, per minute", `${n(r.idlePerMinute.redisCalls, 0)} Redis calls, ${kb(r.idlePerMinute.redisNetBytes)} Redis traffic, ${n(r.idlePerMinute.cpuMs, 0)} ms CPU`],
    [
      "seated player, per minute",
      `${n(r.seatedPlayerPerMinute.redisCalls)} Redis calls, ${kb(r.seatedPlayerPerMinute.redisNetBytes)} Redis traffic, ${n(r.seatedPlayerPerMinute.pgRows)} Postgres rows, ${kb(r.seatedPlayerPerMinute.pgBytes)} Postgres growth, ${n(r.seatedPlayerPerMinute.cpuMs)} ms CPU, ${n(r.seatedPlayerPerMinute.events)} events`,
    ],
    ["seated player, held", `${kb(r.seatedPlayer.nodeRssBytes)} node RSS, ${kb(r.seatedPlayer.redisMemoryBytes)} Redis memory`],
    ["event", `${n(r.event.redisCalls)} Redis calls, ${kb(r.event.redisNetBytes)} Redis traffic, ${n(r.event.redisMemoryBytes, 0)} B Redis memory, ${n(r.event.pgRows)} Postgres rows, ${n(r.event.pgBytes, 0)} B in table_events, ${n(r.event.cpuMs, 2)} ms CPU`],
    [
      "hold (POST /api/holds)",
      `${n(r.hold.redisCalls)} Redis calls, ${kb(r.hold.redisNetBytes)} Redis traffic, ${n(r.hold.redisMemoryBytes, 0)} B Redis memory, ${n(r.hold.pgRows)} Postgres rows, ${n(r.hold.pgBytes, 0)} B Postgres growth, ${n(r.hold.cpuMs, 2)} ms CPU (${n(r.hold.holdsPerSecond, 0)}/s at 20 in flight)`,
    ],
    [
      "queued buyer",
      `${kb(r.queuedBuyer.nodeRssBytes)} node RSS, ${n(r.queuedBuyer.redisMemoryBytes, 0)} B Redis memory; per minute waiting: ${n(r.queuedBuyer.redisCallsPerMinute)} Redis calls, ${kb(r.queuedBuyer.redisNetBytesPerMinute)} Redis traffic, ${n(r.queuedBuyer.cpuMsPerMinute)} ms CPU`,
    ],
    ["busiest commands, per player-minute", Object.entries(r.topCommands.seatedPlayer).map(([k, v]) => `${k} ${v}`).join(", ")],
    ["busiest commands, per buyer-minute", Object.entries(r.topCommands.queuedBuyer).map(([k, v]) => `${k} ${v}`).join(", ")],
    ["runs", `${r.runs.players} players at ${r.runs.tables} tables for ${r.runs.seconds} s (${r.runs.events} events), ${r.runs.holds} holds, ${r.runs.buyers} buyers queued for ${r.runs.queueSeconds} s`],
  ]);
}
