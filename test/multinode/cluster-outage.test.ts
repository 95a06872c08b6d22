/**
 * The whole Redis Cluster goes away after start-up: requests that need Redis answer
 * 503 UNAVAILABLE within a bounded time (they do not wait in the client's offline queue
 * for the cluster to come back), and work again once it is back. The cluster is this
 * suite's own (three redis-servers on free ports), since it stops all of them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { eventually } from "../continuity/helpers.ts";
import { http, signInGuest } from "../support/http.ts";
import { clusterOk, exited, redisAnswers, startRedisNode } from "../support/redis-cluster-nodes.ts";
import { freePort, spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, skipUnless } from "../support/services.ts";

/** Far above the two-retry give-up of the node connections; far below "forever". */
const ANSWER_WITHIN_MS = 15_000;

describe("Redis Cluster: every node away after start-up", function () {
  this.timeout(180_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "holdfast-cluster-outage-"));
  const nodes: { port: number; proc: ChildProcess }[] = [];
  let db: { url: string; drop(): Promise<void> } | undefined;
  let server: ServerProcess | undefined;

  before(async function () {
    const hasRedis = spawnSync("redis-server", ["--version"]).status === 0 && spawnSync("redis-cli", ["--version"]).status === 0;
    skipUnless(this, hasRedis, "redis-server and redis-cli on PATH (a cluster of the suite's own)");
    skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL");
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      nodes.push({ port, proc: startRedisNode(port, dir) });
    }
    for (const n of nodes) await eventually(() => redisAnswers(n.port), 30_000, `redis on ${n.port}`);
    const created = spawnSync("redis-cli", ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"], { encoding: "utf8" });
    assert.equal(created.status, 0, created.stdout + created.stderr);
    await eventually(() => clusterOk(nodes[0].port), 30_000, "cluster_state:ok");
    db = await createTestDatabase("cluster_outage");
    server = await spawnServer({
      env: {
        REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(","),
        REDIS_PREFIX: "hf-out:",
        DATABASE_URL: db!.url,
        JWT_SECRET: `cluster-outage-${randomUUID()}`,
      },
    });
  });

  after(async function () {
    await server?.stop();
    await db?.drop();
    for (const n of nodes) n.proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  async function hold(token: string): Promise<{ status: number; code?: string; ms: number }> {
    const t0 = Date.now();
    const res = await http(server!.url, "POST", "/api/holds", { token, body: { sku: "outage-sku", quantity: 1 } });
    return { status: res.status, code: res.body?.error?.code ?? res.body?.code, ms: Date.now() - t0 };
  }

  it("a hold request gets 503 UNAVAILABLE in bounded time while the cluster is away, and an answer again after it is back", async () => {
    const { token } = await signInGuest(server!.url, "outage");
    const before = await hold(token);
    assert.notEqual(before.status, 503, `the cluster is up: ${JSON.stringify(before)}`);

    for (const n of nodes) n.proc.kill("SIGTERM");
    await Promise.all(nodes.map((n) => exited(n.proc)));
    // The first requests may still meet connections that are closing; each must answer in time.
    let away = await hold(token);
    for (let i = 0; i < 3 && away.status !== 503; i++) away = await hold(token);
    console.log(`      cluster away: hold answered ${away.status} ${away.code} in ${away.ms} ms`);
    assert.equal(away.status, 503, JSON.stringify(away));
    assert.ok(away.ms < ANSWER_WITHIN_MS, `answered in ${away.ms} ms`);
    const again = await hold(token);
    assert.equal(again.status, 503);
    assert.ok(again.ms < ANSWER_WITHIN_MS, `answered again in ${again.ms} ms`);

    for (const n of nodes) n.proc = startRedisNode(n.port, dir); // same ports, same nodes-PORT.conf: the same cluster
    await eventually(() => clusterOk(nodes[0].port), 60_000, "cluster_state:ok again");
    let back = await hold(token);
    await eventually(async () => (back = await hold(token)).status !== 503, 60_000, "requests answered again");
    console.log(`      cluster back: hold answered ${back.status} ${back.code} in ${back.ms} ms`);
    assert.equal(back.status, before.status, "the same answer as before the outage");
  });
});
