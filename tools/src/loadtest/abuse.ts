/**
 * `npm run loadtest -- abuse [--flood-seconds S] [--cid-seconds S] [--sockets N] [--hog N]`
 *
 * One abusive guest against a node where a victim plays at another table:
 * 1. hb flood: the guest opens `--sockets` spectator sockets on its own table and sends
 *    `hb` on all of them as fast as the sockets take it, for `--flood-seconds`; a socket
 *    the server closes is rejoined at once (as a hostile client would);
 * 2. cid flood: `stand {cid: <unique>}` as fast as possible for `--cid-seconds`
 *    (every answer kept by an unbounded reply cache);
 * 3. socket hog: the guest tries to hold `--hog` spectator sockets on the victim's table,
 *    then a newcomer tries to join it; and `--hog` `POST /matchmake/create/ping`.
 *
 * Throughout, the victim heartbeats every 200 ms and /healthz is polled every 250 ms.
 * Reports the victim's heartbeat p50/p99/max, whether it stayed seated and connected,
 * "table lease lost" lines, /healthz max, server RSS growth per phase, messages sent,
 * RATE_LIMITED answers, sockets closed by code, sockets held and rooms created.
 *
 * `--room-limits off` (or a ROOM_LIMITS JSON) and `--rate-limits` pass through to the
 * node, to compare with the limits off. Backends: embedded by default; `--redis` and
 * `--database` as in the other scenarios.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { HoldfastClient, HoldfastError, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import type { Room } from "@colyseus/sdk";
import { Command } from "commander";
import {
  adminToken,
  flushRedis,
  freePort,
  parseScenarioOptions,
  percentile,
  positiveInt,
  printTable,
  scenarioRedisUrl,
  scratchDatabase,
  sleep,
  startNode,
  type NodeProcess,
} from "./common.ts";
import type { LoadScenario } from "./scenario.ts";
import { createTable } from "./table-cluster.ts";

export interface AbuseOptions {
  floodSeconds: number;
  cidSeconds: number;
  sockets: number;
  hog: number;
  roomLimits?: string;
  rateLimits: string;
  redis?: string;
  database?: string;
  quiet?: boolean;
}

export interface AbuseReport {
  victim: { hbP50Ms: number; hbP99Ms: number; hbMaxMs: number; hbFailed: number; closes: number[]; seatedAtEnd: boolean; connectedAtEnd: boolean };
  leasesLost: number;
  healthzMaxMs: number;
  healthzP99Ms: number;
  rssMb: { start: number; afterFlood: number; afterCidFlood: number; growthFlood: number; growthCidFlood: number };
  flood: { sent: number; socketsClosed: Record<string, number>; rejoins: number; joinFailures: number };
  cidFlood: { sent: number; socketsClosed: Record<string, number> };
  rateLimited: number;
  hog: { attempted: number; held: number; refusals: Record<string, number>; newcomerJoined: boolean; matchmakeCreates: number; matchmakeCreateAttempts: number };
  verdict: string[];
}

function parseOptions(argv: string[]): AbuseOptions {
  const cmd = new Command("abuse")
    .description("one abusive guest (hb flood, unique-cid flood, socket hog) against a node with a seated victim at another table")
    .option("--flood-seconds <s>", "seconds of the hb flood", positiveInt, 25)
    .option("--cid-seconds <s>", "seconds of the unique-cid flood", positiveInt, 30)
    .option("--sockets <n>", "sockets the flooding guest uses", positiveInt, 6)
    .option("--hog <n>", "sockets (and matchmake creates) the hog tries", positiveInt, 100)
    .option("--room-limits <value>", "ROOM_LIMITS of the node (on, off or JSON)")
    // Every client here shares 127.0.0.1: per-IP limits are raised, per-user ones keep their defaults.
    .option(
      "--rate-limits <value>",
      "RATE_LIMITS of the node",
      '{"signin":{"points":1000,"durationSeconds":60},"default":{"points":100000,"durationSeconds":60},"matchmake":{"points":100000,"durationSeconds":60}}',
    )
    .option("--redis <url>", "Redis URL (default: embedded; flushed)")
    .option("--database <url>", "Postgres server URL (a scratch database is made there)");
  return parseScenarioOptions<AbuseOptions>(cmd, argv);
}

/** A guest's SDK client (its Colyseus client carries the token for raw joins). */
async function guest(url: string, name: string): Promise<HoldfastClient> {
  const client = new HoldfastClient({ url, storage: new MemoryStorage(), heartbeatSeconds: 3600 });
  await client.auth.guest(name);
  return client;
}

function rssMb(pid: number | undefined): number {
  try {
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return rss ? Math.round(Number(rss[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

async function rateLimitedCount(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text(), () => "");
  let n = 0;
  for (const line of text.split("\n")) if (line.startsWith("holdfast_room_errors_total") && line.includes('code="RATE_LIMITED"')) n += Number(line.split(" ").pop());
  return n;
}

/** Bufered bytes of a raw room's WebSocket (to pace the flood by what the socket takes). */
function buffered(room: Room): number {
  const ws = (room.connection as unknown as { transport?: { ws?: { bufferedAmount?: number } } }).transport?.ws;
  return ws?.bufferedAmount ?? 0;
}

/**
 * Floods from `sockets` raw rooms until `until`: `message()` as fast as each socket's
 * send buffer drains; a socket the server closes is rejoined through the matchmaker.
 */
async function flood(
  client: HoldfastClient,
  tableId: string,
  sockets: number,
  until: number,
  type: string,
  payload: () => Record<string, unknown>,
): Promise<{ sent: number; closed: Record<string, number>; rejoins: number; joinFailures: number }> {
  const stats = { sent: 0, closed: {} as Record<string, number>, rejoins: 0, joinFailures: 0 };
  const one = async () => {
    let first = true;
    while (Date.now() < until) {
      let room: Room;
      try {
        room = await client.colyseus.joinOrCreate("table", { tableId, spectate: true });
        room.reconnection.enabled = false;
        if (!first) stats.rejoins++;
        first = false;
      } catch {
        stats.joinFailures++;
        await sleep(100);
        continue;
      }
      let open = true;
      room.onLeave((code: number) => {
        open = false;
        stats.closed[code] = (stats.closed[code] ?? 0) + 1;
      });
      room.onMessage("*", () => undefined);
      while (open && Date.now() < until) {
        if (buffered(room) > 1 << 20) {
          await sleep(1);
          continue;
        }
        for (let i = 0; i < 200 && open; i++) {
          room.send(type, payload());
          stats.sent++;
        }
        await new Promise((r) => setImmediate(r));
      }
      if (open) await room.leave(true).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: sockets }, one));
  return stats;
}

export async function runAbuse(o: AbuseOptions): Promise<AbuseReport> {
  const log = (msg: string) => !o.quiet && console.log(msg);
  const secret = `loadtest-${randomUUID()}`;
  const env: Record<string, string> = { JWT_SECRET: secret, RATE_LIMITS: o.rateLimits, TABLE_LEASE_SECONDS: "5" };
  if (o.roomLimits) env.ROOM_LIMITS = o.roomLimits;
  let database: { url: string; drop(): Promise<void> } | undefined;
  const redisUrl = o.redis ? scenarioRedisUrl(o.redis, 9) : undefined;
  if (redisUrl) {
    await flushRedis(redisUrl);
    env.REDIS_URL = redisUrl;
    env.REDIS_PREFIX = `hf-lt-${randomUUID().slice(0, 6)}:`;
  }
  if (o.database) {
    database = await scratchDatabase(o.database, "abuse");
    env.DATABASE_URL = database.url;
  }
  let node: NodeProcess | undefined;
  const open: TableConnection[] = [];
  // The Colyseus SDK warns on every refused join; hundreds of those are the point here.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void (String(args[0]).startsWith("Room connection was closed") || warn(...args));
  try {
    node = await startNode("abuse", await freePort(), env);
    const url = node.url;
    const admin = adminToken(secret);
    const victimTable = `victim-${randomUUID().slice(0, 6)}`;
    const floodTable = `flood-${randomUUID().slice(0, 6)}`;
    await createTable(url, admin, { tableId: victimTable, kind: "holdem", seats: 6 });
    await createTable(url, admin, { tableId: floodTable, kind: "holdem", seats: 6 });

    // The victim: seated at its own table, heartbeating every 200 ms.
    const victimClient = await guest(url, "victim");
    const victim = await victimClient.tables.join(victimTable);
    open.push(victim);
    await victim.sit({ seat: 0, buyIn: 1000 });
    const hbMs: number[] = [];
    const closes: number[] = [];
    let hbFailed = 0;
    let probing = true;
    const watchRoom = (room: Room) => room.onLeave((code: number) => closes.push(code));
    let watched = victim.room;
    watchRoom(watched);
    const victimProbe = (async () => {
      while (probing) {
        if (victim.room !== watched) watchRoom((watched = victim.room));
        const t0 = performance.now();
        try {
          await victim.room.request("hb", {}, { timeout: 10_000 });
          hbMs.push(performance.now() - t0);
        } catch {
          hbFailed++;
        }
        await sleep(200);
      }
    })();
    const healthMs: number[] = [];
    const healthProbe = (async () => {
      while (probing) {
        const t0 = performance.now();
        await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
        healthMs.push(performance.now() - t0);
        await sleep(250);
      }
    })();

    const rss0 = rssMb(node.proc.pid);
    const limited0 = await rateLimitedCount(url);

    log(`hb flood: ${o.sockets} sockets for ${o.floodSeconds} s`);
    const attacker = await guest(url, "flooder");
    const hb = await flood(attacker, floodTable, o.sockets, Date.now() + o.floodSeconds * 1000, "hb", () => ({}));
    await sleep(1000);
    const rss1 = rssMb(node.proc.pid);

    log(`cid flood: stand {cid} for ${o.cidSeconds} s`);
    const cidder = await guest(url, "cidder");
    let cidN = 0;
    const cid = await flood(cidder, floodTable, 1, Date.now() + o.cidSeconds * 1000, "stand", () => ({ cid: `c-${++cidN}-${randomUUID()}` }));
    await sleep(1000);
    const rss2 = rssMb(node.proc.pid);
    const limited = (await rateLimitedCount(url)) - limited0;

    log(`socket hog: ${o.hog} sockets, ${o.hog} matchmake creates`);
    const hogger = await guest(url, "hogger");
    const held: Room[] = [];
    const refusals: Record<string, number> = {};
    for (let i = 0; i < o.hog; i++) {
      try {
        held.push(await hogger.colyseus.joinOrCreate("table", { tableId: victimTable, spectate: true }));
      } catch (err) {
        const code = HoldfastError.from(err).code ?? "other";
        refusals[code] = (refusals[code] ?? 0) + 1;
      }
    }
    const newcomer = await guest(url, "newcomer");
    const newcomerJoined = await newcomer.tables.join(victimTable, { spectate: true }).then(
      (c) => (open.push(c), true),
      () => false,
    );
    let creates = 0;
    for (let i = 0; i < o.hog; i++) {
      const res = await fetch(`${url}/matchmake/create/ping`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${hogger.auth.token}` },
        body: "{}",
      }).catch(() => undefined);
      if (res?.ok) creates++;
      await res?.text().catch(() => undefined);
    }
    await Promise.all(held.map((r) => r.leave(true).catch(() => undefined)));

    probing = false;
    await Promise.all([victimProbe, healthProbe]);
    const seatedAtEnd = victim.state.seats?.[0]?.userId === victimClient.auth.session?.userId;
    const connectedAtEnd = victim.status === "connected" || victim.status === "restored";
    const leasesLost = (node.output().match(/table lease lost/g) ?? []).length;

    const report: AbuseReport = {
      victim: {
        hbP50Ms: Math.round(percentile(hbMs, 50)),
        hbP99Ms: Math.round(percentile(hbMs, 99)),
        hbMaxMs: Math.round(Math.max(0, ...hbMs)),
        hbFailed,
        closes: [...closes], // the final leave below adds a 4000
        seatedAtEnd,
        connectedAtEnd,
      },
      leasesLost,
      healthzMaxMs: Math.round(Math.max(0, ...healthMs)),
      healthzP99Ms: Math.round(percentile(healthMs, 99)),
      rssMb: { start: rss0, afterFlood: rss1, afterCidFlood: rss2, growthFlood: rss1 - rss0, growthCidFlood: rss2 - rss1 },
      flood: { sent: hb.sent, socketsClosed: hb.closed, rejoins: hb.rejoins, joinFailures: hb.joinFailures },
      cidFlood: { sent: cid.sent, socketsClosed: cid.closed },
      rateLimited: limited,
      hog: { attempted: o.hog, held: held.length, refusals, newcomerJoined, matchmakeCreates: creates, matchmakeCreateAttempts: o.hog },
      verdict: [],
    };
    const v = report.verdict;
    if (!seatedAtEnd || !connectedAtEnd || closes.length > 0) v.push("victim disturbed");
    if (leasesLost > 0) v.push("table lease lost");
    if (report.healthzMaxMs > 1000) v.push("/healthz over 1 s");
    if (report.rssMb.growthCidFlood >= 50) v.push("cid flood grew RSS by 50 MB or more");
    if (held.length > 10) v.push("one guest held more than 10 sockets on a table");
    if (!newcomerJoined) v.push("a newcomer could not join the victim's table");
    if (creates > 0) v.push("clients created rooms through the matchmaker");
    return report;
  } finally {
    console.warn = warn;
    for (const c of open) await c.leave().catch(() => undefined);
    await node?.stop();
    await database?.drop().catch(() => undefined);
  }
}

function print(r: AbuseReport): void {
  printTable("abuse", [
    ["victim hb p50 / p99 / max", `${r.victim.hbP50Ms} / ${r.victim.hbP99Ms} / ${r.victim.hbMaxMs} ms`],
    ["victim hb failed", r.victim.hbFailed],
    ["victim closes", r.victim.closes.length === 0 ? "none" : r.victim.closes.join(",")],
    ["victim seated / connected at end", `${r.victim.seatedAtEnd} / ${r.victim.connectedAtEnd}`],
    ["table leases lost", r.leasesLost],
    ["/healthz p99 / max", `${r.healthzP99Ms} / ${r.healthzMaxMs} ms`],
    ["RSS start", `${r.rssMb.start} MB`],
    ["RSS growth: hb flood / cid flood", `${r.rssMb.growthFlood} / ${r.rssMb.growthCidFlood} MB`],
    ["hb flood: sent", r.flood.sent],
    ["hb flood: sockets closed by code", JSON.stringify(r.flood.socketsClosed)],
    ["hb flood: rejoins / join failures", `${r.flood.rejoins} / ${r.flood.joinFailures}`],
    ["cid flood: sent", r.cidFlood.sent],
    ["cid flood: sockets closed by code", JSON.stringify(r.cidFlood.socketsClosed)],
    ["RATE_LIMITED answers", r.rateLimited],
    ["hog: sockets held / tried", `${r.hog.held} / ${r.hog.attempted}`],
    ["hog: refusals", JSON.stringify(r.hog.refusals)],
    ["hog: newcomer joined", String(r.hog.newcomerJoined)],
    ["matchmake creates accepted", `${r.hog.matchmakeCreates} / ${r.hog.matchmakeCreateAttempts}`],
    ["verdict", r.verdict.length === 0 ? "pass" : r.verdict.join("; ")],
  ]);
}

export const abuse: LoadScenario = {
  name: "abuse",
  summary: "hb flood, unique-cid flood and socket hog by one guest; victim heartbeat p99, leases lost, RSS growth, sockets held",
  async run(argv) {
    const o = parseOptions(argv);
    const report = await runAbuse(o);
    print(report);
    return { report: report as unknown as Record<string, unknown>, ok: report.verdict.length === 0 };
  },
};
