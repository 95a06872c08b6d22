/**
 * `npm run loadtest -- node-kill [--tables T] [--players P] [--play S]`
 *
 * Two server processes sharing Redis and Postgres behind a round-robin TCP balancer
 * (matchmaking requests; sockets go to each node's PUBLIC_ADDRESS). T hold'em tables with
 * P seated SDK players each, spread over both nodes by the matchmaker; the players act
 * (check or call) whenever it is their turn, so hands are running. After S seconds the
 * node hosting about half of the tables is killed with SIGKILL. Every player's SDK goes
 * back through the balancer; the tables come back on the surviving node from their
 * snapshot + log.
 *
 * Reports tables restored, seats restored, time to restore (kill → every seat of the
 * table seated and active again) p50/p99/max, event gaps and duplicates in the feeds,
 * snapshots and errors. Needs Redis (--redis, default DB 8 of REDIS_URL, flushed) and a
 * Postgres server (--database, default DATABASE_URL; a scratch database is made there).
 */
import { randomUUID } from "node:crypto";
import { Command } from "commander";
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
  type NodeProcess,
} from "./common.ts";
import type { LoadScenario } from "./scenario.ts";
import { createTable, FeedPlayer, watchReseats } from "./table-cluster.ts";
import { startBalancer } from "./tcp-proxy.ts";

export interface NodeKillOptions {
  tables: number;
  players: number;
  /** Seconds of play before the kill. */
  play: number;
  /** Seconds to wait for the restores at most. */
  timeout: number;
  /** Target reported: every table restored within this many ms. */
  targetMs: number;
  leaseSeconds: number;
  /** A bot thinks 200 ms + up to this long before it acts. */
  thinkMs: number;
  redis?: string;
  database?: string;
  quiet?: boolean;
}

export interface NodeKillReport {
  tables: number;
  tablesOnKilledNode: number;
  tablesRestored: number;
  seatsOnKilledNode: number;
  seatsRestored: number;
  handsInProgressAtKill: number;
  tableRestoreMs: { p50: number; p99: number; max: number };
  seatRestoreMs: { p50: number; p99: number; max: number };
  withinTargetPct: number;
  targetMs: number;
  actions: number;
  gaps: number;
  duplicates: number;
  snapshots: number;
  errors: number;
  errorSamples: string[];
}

function parseOptions(argv: string[]): NodeKillOptions {
  const cmd = new Command("node-kill")
    .description("two nodes; the one hosting half of the tables is killed with SIGKILL mid-play: tables and seats restored, time to restore")
    .option("--tables <n>", "hold'em tables", positiveInt, 20)
    .option("--players <n>", "seated players per table (2-6)", positiveInt, 4)
    .option("--play <s>", "seconds of play before the kill", positiveInt, 5)
    .option("--timeout <s>", "seconds to wait for the restores", positiveInt, 60)
    .option("--target-ms <ms>", "restore target reported", positiveInt, 8000)
    .option("--lease-seconds <s>", "TABLE_LEASE_SECONDS of the nodes", positiveInt, 5)
    .option("--think-ms <ms>", "a bot thinks 200 ms + up to this long before acting", positiveInt, 1500)
    .option("--redis <url>", "Redis URL (default REDIS_URL on DB 8; flushed)")
    .option("--database <url>", "Postgres server URL (default DATABASE_URL)", process.env.DATABASE_URL);
  return parseScenarioOptions<NodeKillOptions>(cmd, argv);
}

interface HoldemView {
  street: string;
  toAct: number;
  handNo: number;
  currentBet: number;
  seats: { seat: number; committed: number }[];
}

/** Checks or calls whenever it is this player's turn (once per turn), after a think. */
export function playBot(p: FeedPlayer, count: () => void, thinkMs: number): void {
  let lastKey = "";
  const maybeAct = () => {
    const h = (p.conn.state as unknown as { holdem?: HoldemView }).holdem;
    if (!h || h.street === "idle" || h.toAct !== p.seat) return;
    const key = `${h.handNo}:${h.street}:${h.currentBet}`;
    if (key === lastKey) return;
    lastKey = key;
    const mine = h.seats.find((s) => s.seat === p.seat);
    const action = (mine?.committed ?? 0) >= h.currentBet ? "check" : "call";
    // A human-ish pause, so hands last seconds and the kill lands in the middle of some.
    setTimeout(() => {
      count();
      void p.conn.act(action).catch(() => {
        lastKey = ""; // try again on the next state change
      });
    }, 200 + Math.random() * thinkMs);
  };
  p.conn.onState(() => maybeAct());
}

export async function runNodeKill(o: NodeKillOptions): Promise<NodeKillReport> {
  if (!o.database) throw new Error("node-kill needs Postgres: --database or DATABASE_URL");
  if (o.players < 2 || o.players > 6) throw new Error("--players must be 2 to 6");
  const redisUrl = scenarioRedisUrl(o.redis, 8);
  await flushRedis(redisUrl);
  const database = await scratchDatabase(o.database, "nodekill");
  const secret = `loadtest-${randomUUID()}`;
  const env: Record<string, string> = {
    JWT_SECRET: secret,
    REDIS_URL: redisUrl,
    DATABASE_URL: database.url,
    REDIS_PREFIX: `hf-nk-${randomUUID().slice(0, 6)}:`,
    SEAT_GRACE_SECONDS: "120",
    HEARTBEAT_SECONDS: "30",
    TURN_SECONDS: "10",
    TABLE_LEASE_SECONDS: String(o.leaseSeconds),
  };
  const nodes: NodeProcess[] = [];
  const players: FeedPlayer[] = [];
  let balancer: { url: string; close(): Promise<void> } | undefined;
  const bar = o.quiet ? undefined : progressBar();
  try {
    const [pa, pb] = [await freePort(), await freePort()];
    nodes.push(...(await Promise.all([startNode("A", pa, env, true), startNode("B", pb, env, true)])));
    balancer = await startBalancer([pa, pb]);
    const admin = adminToken(secret);
    const tableIds = Array.from({ length: o.tables }, (_, t) => `nk-${t}-${randomUUID().slice(0, 6)}`);
    for (const tableId of tableIds) {
      await createTable(nodes[0].url, admin, {
        tableId,
        kind: "holdem",
        seats: 6,
        options: { smallBlind: 5, bigBlind: 10, minBuyIn: 200, maxBuyIn: 2000, awayActSeconds: 30 },
      });
    }

    let actions = 0;
    bar?.start(o.tables * o.players, 0, { phase: "seating", extra: "" });
    const byTable = new Map<string, FeedPlayer[]>();
    await pool(o.tables, 10, async (t) => {
      const seated: FeedPlayer[] = [];
      for (let s = 0; s < o.players; s++) {
        const p = new FeedPlayer(balancer!.url, `t${t}p${s}`, tableIds[t]);
        await p.join(s, 1000);
        playBot(p, () => actions++, o.thinkMs);
        seated.push(p);
        players.push(p);
        bar?.increment();
      }
      byTable.set(tableIds[t], seated);
    });
    bar?.stop();

    // Which node hosts which table (the socket's address names the node's port).
    const hostOf = (tableId: string) => {
      const url = String((byTable.get(tableId)![0].conn.room as unknown as { connection: { url?: string } }).connection.url ?? "");
      return nodes.find((n) => url.includes(`:${n.port}/`)) ?? nodes[0];
    };
    const onB = tableIds.filter((t) => hostOf(t) === nodes[1]);
    const victim = onB.length > 0 ? nodes[1] : nodes[0];
    const victimTables = tableIds.filter((t) => hostOf(t) === victim);
    if (!o.quiet) console.log(`tables: ${tableIds.length - onB.length} on node A, ${onB.length} on node B; playing ${o.play} s, then SIGKILL node ${victim.name}`);
    await sleep(o.play * 1000);

    const victimPlayers = victimTables.flatMap((t) => byTable.get(t)!);
    const handsInProgress = victimTables.filter((t) => {
      const h = (byTable.get(t)![0].conn.state as unknown as { holdem?: HoldemView }).holdem;
      return h !== undefined && h.street !== "idle";
    }).length;
    const watch = watchReseats(victimPlayers);
    const killedAt = Date.now();
    await victim.kill();
    bar?.start(victimPlayers.length, 0, { phase: "restoring", extra: "seats" });
    const seatMs = await watch.wait(killedAt, killedAt + o.timeout * 1000, () => bar?.increment());
    bar?.stop();
    const tableMs = victimTables
      .map((t) => byTable.get(t)!)
      .filter((ps) => ps.every((p) => seatMs.has(p)))
      .map((ps) => Math.max(...ps.map((p) => seatMs.get(p)!)));
    await sleep(1000); // feeds settle
    const errors = players.flatMap((p) => p.errors);
    const seatValues = [...seatMs.values()];
    const report: NodeKillReport = {
      tables: o.tables,
      tablesOnKilledNode: victimTables.length,
      tablesRestored: tableMs.length,
      seatsOnKilledNode: victimPlayers.length,
      seatsRestored: seatMs.size,
      handsInProgressAtKill: handsInProgress,
      tableRestoreMs: { p50: percentile(tableMs, 50), p99: percentile(tableMs, 99), max: percentile(tableMs, 100) },
      seatRestoreMs: { p50: percentile(seatValues, 50), p99: percentile(seatValues, 99), max: percentile(seatValues, 100) },
      withinTargetPct: victimTables.length === 0 ? 100 : Math.round((tableMs.filter((ms) => ms <= o.targetMs).length / victimTables.length) * 1000) / 10,
      targetMs: o.targetMs,
      actions,
      gaps: players.reduce((n, p) => n + p.gaps, 0),
      duplicates: players.reduce((n, p) => n + p.duplicates, 0),
      snapshots: players.reduce((n, p) => n + p.snapshots, 0),
      errors: errors.length,
      errorSamples: [...new Set(errors.map((e) => `${e.code}: ${e.message}`))].slice(0, 5),
    };
    if (!o.quiet) {
      printTable("node-kill", [
        ["tables (on killed node)", `${report.tables} (${report.tablesOnKilledNode})`],
        ["hands in progress at kill", report.handsInProgressAtKill],
        ["tables restored", `${report.tablesRestored}/${report.tablesOnKilledNode}`],
        ["seats restored", `${report.seatsRestored}/${report.seatsOnKilledNode}`],
        ["table restore p50/p99/max", `${report.tableRestoreMs.p50} / ${report.tableRestoreMs.p99} / ${report.tableRestoreMs.max} ms`],
        ["seat restore p50/p99/max", `${report.seatRestoreMs.p50} / ${report.seatRestoreMs.p99} / ${report.seatRestoreMs.max} ms`],
        [`tables restored within ${report.targetMs} ms`, `${report.withinTargetPct} %`],
        ["bot actions", report.actions],
        ["gaps / duplicates", `${report.gaps} / ${report.duplicates}`],
        ["snapshots", report.snapshots],
        ["errors", `${report.errors}${report.errorSamples.length ? ` (${report.errorSamples.join("; ")})` : ""}`],
      ]);
    }
    return report;
  } finally {
    bar?.stop();
    await Promise.all(players.map((p) => p.leave()));
    await balancer?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await database.drop().catch(() => undefined);
    await flushRedis(redisUrl).catch(() => undefined);
  }
}

export const nodeKill: LoadScenario = {
  name: "node-kill",
  summary: "two nodes, one killed with SIGKILL mid-play",
  async run(argv) {
    const report = await runNodeKill(parseOptions(argv));
    const ok =
      report.tablesRestored === report.tablesOnKilledNode &&
      report.seatsRestored === report.seatsOnKilledNode &&
      report.gaps === 0 &&
      report.duplicates === 0;
    console.log(`verdict: ${ok ? "PASS" : "FAIL"} (every table and seat restored, no gap, no duplicate; ${report.withinTargetPct} % of tables within ${report.targetMs} ms)`);
    return { report: { ...report }, ok };
  },
};
