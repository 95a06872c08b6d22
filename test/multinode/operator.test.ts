import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { freePort, spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, flushRedisDb, skipUnless, testRedisUrl } from "../support/services.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";

const JWT_SECRET = "multinode-operator-secret-0123456789abcdef";
const REDIS_DB = 15;

/**
 * The operator API on two nodes: both nodes list each other, a seat of a table hosted
 * on one node is released through the API of the other (the command reaches the room
 * over presence IPC; the clients see the room's event), and a pause made through one
 * node holds on the node running the sale's admitter.
 */
describe("operator API across two nodes (Redis + Postgres)", function () {
  this.timeout(120_000);
  const nodes: ServerProcess[] = [];
  let redisUrl: string | undefined;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const open: TableConnection[] = [];
  let admin: string;

  before(async function () {
    redisUrl = await testRedisUrl(REDIS_DB);
    skipUnless(this, Boolean(redisUrl) && Boolean(process.env.DATABASE_URL), "REDIS_URL and DATABASE_URL");
    db = await createTestDatabase("operator");
    const env = { JWT_SECRET, REDIS_URL: redisUrl!, DATABASE_URL: db!.url, REDIS_PREFIX: `hf-op-${randomUUID().slice(0, 6)}:`, SEAT_GRACE_SECONDS: "600" };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      nodes.push(await spawnServer({ port, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${port}` } }));
    }
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    for (const node of nodes) await node.stop();
    await db?.drop();
    if (redisUrl) await flushRedisDb(redisUrl);
  });

  const api = (node: ServerProcess, method: string, path: string) => http(node.url, method, `/api/admin${path}`, { token: admin });

  async function join(node: ServerProcess, name: string, tableId: string, options: { spectate?: boolean } = {}) {
    const client = new HoldfastClient({ url: node.url, storage: new MemoryStorage(), heartbeatSeconds: 1 });
    await client.auth.guest(name);
    const conn = await client.tables.join(tableId, options);
    open.push(conn);
    return conn;
  }

  it("lists both nodes from either node, and releases an away seat through the node that does not host the table", async () => {
    const ids: string[] = [];
    for (const node of nodes) {
      await eventually(async () => (await api(node, "GET", "/nodes")).body.nodes?.length === 2, 30_000, "both heartbeats");
      const listed = (await api(node, "GET", "/nodes")).body.nodes;
      ids.push(listed[0].processId); // the answering node comes first
      for (const n of listed) assert.ok(n.rssBytes > 0 && n.uptimeSeconds >= 0 && typeof n.eventLoopLagMs === "number", JSON.stringify(n));
    }
    assert.notEqual(ids[0], ids[1]);

    const tableId = `op-${randomUUID().slice(0, 8)}`;
    assert.equal((await http(nodes[0].url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);
    const watcher = await join(nodes[1], "watcher", tableId, { spectate: true });
    const seen: TableEvent[] = [];
    watcher.onEvent((e) => seen.push(e));
    const dropper = await join(nodes[0], "dropper", tableId);
    await dropper.sit({ seat: 1 });
    await dropper.leave();
    await eventually(() => watcher.state.seats[1]?.status === "away", 30_000, "seat away");

    const table = (await api(nodes[0], "GET", "/tables")).body.tables.find((t: { tableId: string }) => t.tableId === tableId);
    assert.ok(table?.live, JSON.stringify(table));
    assert.equal(table.live.seats[1].status, "away");
    const host = ids.indexOf(table.hostedBy);
    assert.ok(host >= 0, `hosted by one of the two nodes (${table.hostedBy})`);
    const other = nodes[1 - host];
    const fromOther = (await api(other, "GET", "/tables")).body.tables.find((t: { tableId: string }) => t.tableId === tableId);
    assert.equal(fromOther.live.seats[1].status, "away", "the other node reads the remote room");

    const released = await api(other, "POST", `/tables/${tableId}/seats/1/release`);
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.equal(released.body.hostedBy, table.hostedBy);
    await eventually(() => seen.some((e) => e.type === "seat.released" && e.data.seat === 1 && e.data.reason === "operator"), 30_000, "seat.released");
    await eventually(() => watcher.state.seats[1].status === "empty", 30_000, "seat empty");
  });

  it("a sale paused through one node admits nobody, whichever node holds its admitter lease; resumed through the other, it admits", async () => {
    const paused = `op-${randomUUID().slice(0, 8)}`;
    const control = `op-${randomUUID().slice(0, 8)}`;
    const startsAt = new Date(Date.now() + 2000).toISOString();
    for (const saleId of [paused, control]) {
      const body = { saleId, sku: `sku-${saleId}`, quantity: 5, startsAt, admission: { mode: "stock" }, prequeue: "fifo" };
      assert.equal((await http(nodes[0].url, "POST", "/api/sales", { token: admin, body })).status, 201);
    }
    assert.equal((await api(nodes[1], "POST", `/sales/${paused}/pause`)).status, 200);
    for (const name of ["b1", "b2"]) {
      const buyer = await http(nodes[0].url, "POST", "/api/auth/guest", { body: { name } });
      for (const saleId of [paused, control]) {
        assert.equal((await http(nodes[0].url, "POST", `/api/sales/${saleId}/queue`, { token: buyer.body.token })).status, 200);
      }
    }
    const view = async (node: ServerProcess, saleId: string) => (await api(node, "GET", "/sales")).body.sales.find((s: { saleId: string }) => s.saleId === saleId);
    await eventually(async () => (await view(nodes[0], control)).admittedTotal === 2, 30_000, "control sale admits");
    const held = await view(nodes[0], paused);
    assert.equal(held.admittedTotal, 0, JSON.stringify(held));
    assert.equal(typeof held.pausedAt, "number", "node A sees node B's pause");
    assert.equal((await api(nodes[0], "POST", `/sales/${paused}/resume`)).status, 200);
    await eventually(async () => (await view(nodes[1], paused)).admittedTotal === 2, 30_000, "admits after resume");
  });
});
