/**
 * A Redis Cluster primary restarts empty in the middle of play (no persistence, no
 * replica: the harshest case, its slots come back with no data). The SKU buyers are
 * holding and the table the players sit at both live on that primary. Afterwards:
 * no unit oversold, no acknowledged order lost, every player seated again on the same
 * seat. The cluster is this suite's own (three redis-servers on free ports), since it
 * restarts one of them.
 */
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import calculateSlot from "cluster-key-slot";
import { Redis } from "ioredis";
import { adminToken } from "../../tools/src/loadtest/common.ts";
import { HoldTraffic } from "../../tools/src/loadtest/hold-traffic.ts";
import { createTable, FeedPlayer } from "../../tools/src/loadtest/table-cluster.ts";
import { CommerceKeys } from "../../server/src/holds/commerce-keys.ts";
import { RedisKeys } from "../../server/src/redis/keys.ts";
import { eventually } from "../continuity/helpers.ts";
import { freePort, spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, skipUnless } from "../support/services.ts";
import { clusterOk, redisAnswers, startRedisNode } from "../support/redis-cluster-nodes.ts";

const JWT_SECRET = `cluster-restart-${randomUUID()}`;
const PREFIX = "hf-crr:";

interface ClusterNode {
  port: number;
  proc: ChildProcess;
}

/** The primary serving `slot`, from CLUSTER SLOTS. */
async function portOfSlot(anyPort: number, slot: number): Promise<number> {
  const r = new Redis(anyPort, "127.0.0.1", { maxRetriesPerRequest: 1 });
  try {
    const ranges = (await r.cluster("SLOTS")) as unknown as [number, number, [string, number]][];
    const hit = ranges.find(([from, to]) => slot >= from && slot <= to);
    assert.ok(hit, `slot ${slot} is served`);
    return Number(hit[2][1]);
  } finally {
    r.disconnect();
  }
}

describe("Redis Cluster: a primary restarts empty mid-play", function () {
  this.timeout(240_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "holdfast-cluster-restart-"));
  const redisNodes: ClusterNode[] = [];
  let db: { url: string; drop(): Promise<void> } | undefined;
  let nodeA: ServerProcess | undefined;
  let nodeB: ServerProcess | undefined;
  const players: FeedPlayer[] = [];
  let traffic: HoldTraffic | undefined;

  before(async function () {
    const hasRedis = spawnSync("redis-server", ["--version"]).status === 0 && spawnSync("redis-cli", ["--version"]).status === 0;
    skipUnless(this, hasRedis, "redis-server and redis-cli on PATH (a cluster of the suite's own)");
    skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL (nodes share Postgres)");
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      redisNodes.push({ port, proc: startRedisNode(port, dir) });
    }
    for (const n of redisNodes) await eventually(() => redisAnswers(n.port), 30_000, `redis on ${n.port}`);
    const created = spawnSync("redis-cli", ["--cluster", "create", ...redisNodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"], { encoding: "utf8" });
    assert.equal(created.status, 0, created.stdout + created.stderr);
    await eventually(() => clusterOk(redisNodes[0].port), 30_000, "cluster_state:ok");
    db = await createTestDatabase("cluster_restart");
    const env = {
      REDIS_CLUSTER_NODES: redisNodes.map((n) => `127.0.0.1:${n.port}`).join(","),
      REDIS_PREFIX: PREFIX,
      DATABASE_URL: db!.url,
      JWT_SECRET,
      SEAT_GRACE_SECONDS: "120",
      HEARTBEAT_SECONDS: "2",
      TABLE_LEASE_SECONDS: "3",
    };
    const [portA, portB] = [await freePort(), await freePort()];
    [nodeA, nodeB] = await Promise.all([
      spawnServer({ port: portA, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portA}` } }),
      spawnServer({ port: portB, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portB}` } }),
    ]);
  });

  after(async function () {
    await traffic?.stop().catch(() => undefined);
    await Promise.all(players.map((p) => p.leave()));
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await db?.drop();
    for (const n of redisNodes) n.proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds and seats on the restarted primary: nothing oversold, no order lost, every seat kept", async () => {
    const admin = adminToken(JWT_SECRET);
    traffic = new HoldTraffic({ url: nodeA!.url, admin, buyers: 12, stock: 20, pauseMs: 50 });
    const victimPort = await portOfSlot(redisNodes[0].port, calculateSlot(new CommerceKeys(PREFIX).sku(traffic.sku)[0]));
    // A table whose keys live on the same primary.
    let tableId = "";
    for (let i = 0; ; i++) {
      tableId = `crr-${i}-${randomUUID().slice(0, 6)}`;
      if ((await portOfSlot(redisNodes[0].port, calculateSlot(new RedisKeys(PREFIX).tableLease(tableId)))) === victimPort) break;
    }
    await createTable(nodeA!.url, admin, { tableId, kind: "dining", seats: 4 });
    for (let s = 0; s < 2; s++) {
      const p = new FeedPlayer(s === 0 ? nodeA!.url : nodeB!.url, `crr${s}`, tableId);
      await p.join(s);
      players.push(p);
    }
    await traffic.start();
    await eventually(() => traffic!.holds >= 10, 60_000, "holds flowing");

    const victim = redisNodes.find((n) => n.port === victimPort)!;
    const holdsAtRestart = traffic.holds;
    victim.proc.kill("SIGKILL"); // down with its data: nothing is persisted
    await new Promise<void>((resolve) => (victim.proc.exitCode !== null || victim.proc.signalCode !== null ? resolve() : victim.proc.once("exit", () => resolve())));
    victim.proc = startRedisNode(victim.port, dir);
    await eventually(() => clusterOk(victim.port), 60_000, "the restarted primary rejoined (cluster_state:ok)");

    await eventually(() => traffic!.holds >= holdsAtRestart + 20, 90_000, "holds flowing again after the restart");
    await eventually(() => players.every((p) => p.seated), 90_000, "both players seated again");
    await traffic.stop();
    const check = await traffic.check();
    console.log(
      `      primary :${victimPort} restarted empty: ${traffic.holds} holds (${traffic.holds - holdsAtRestart} after), ${traffic.orders} orders, ` +
        `${traffic.errors} hold errors ${JSON.stringify(Object.fromEntries(traffic.errorKinds))}; inventory ${JSON.stringify(check.inventory)}`,
    );
    assert.equal(check.oversold, 0, "no unit oversold");
    assert.equal(check.ordersLost, 0, "no acknowledged order lost");
    for (const p of players) assert.ok(p.seated, `${p.name} seated on seat ${p.seat}`);
    assert.deepEqual(players.map((p) => p.gaps + p.duplicates), [0, 0], "feeds without gaps or duplicates");
  });
});
