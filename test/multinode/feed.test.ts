import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, HoldfastError, MemoryStorage, type FeedConnection, type FeedEvent, type TableConnection } from "@holdfast/client-sdk";
import { freePort, spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, flushRedisDb, skipUnless, testRedisUrl } from "../support/services.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";

const JWT_SECRET = "multinode-feed-secret-0123456789abcdef";
const REDIS_DB = 11;


/**
 * Staff of branch B1 watch on node B what diners do on node A; topics are authorised;
 * a withdrawn grant stops the events within a second.
 */
describe("feed across two nodes (Redis + Postgres)", function () {
  this.timeout(90_000);
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;
  let redisUrl: string | undefined;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const closers: (() => Promise<void>)[] = [];
  let admin: string;

  before(async function () {
    redisUrl = await testRedisUrl(REDIS_DB);
    skipUnless(this, Boolean(redisUrl) && Boolean(process.env.DATABASE_URL), "REDIS_URL and DATABASE_URL");
    db = await createTestDatabase("feed");
    const env = { JWT_SECRET, REDIS_URL: redisUrl!, DATABASE_URL: db!.url, REDIS_PREFIX: `hf-feed-${randomUUID().slice(0, 6)}:` };
    const [portA, portB] = [await freePort(), await freePort()];
    nodeA = await spawnServer({ port: portA, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portA}` } });
    nodeB = await spawnServer({ port: portB, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portB}` } });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await nodeA?.stop();
    await nodeB?.stop();
    await db?.drop();
    if (redisUrl) await flushRedisDb(redisUrl);
  });

  async function user(node: ServerProcess, name: string): Promise<HoldfastClient> {
    const client = new HoldfastClient({ url: node.url, storage: new MemoryStorage() });
    await client.auth.guest(name);
    return client;
  }

  it("relays a branch's carts and orders to its staff on another node, authorises topics, and stops at once when the grant goes", async () => {
    const tableId = `feed-${randomUUID().slice(0, 6)}`;
    const sku = `gyoza-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(nodeA.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 4, options: { branchId: "B1" } } })).status, 201);
    assert.equal((await http(nodeA.url, "PUT", `/api/inventory/${sku}`, { token: admin, body: { stock: 10 } })).status, 200);
    assert.equal((await http(nodeA.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: admin })).status, 200);

    const staff = await user(nodeB, "staff");
    const stranger = await user(nodeB, "stranger");
    const code = (err: unknown) => HoldfastError.from(err).code;
    await assert.rejects(staff.feed.subscribe(["branch:B1"]), (err) => code(err) === "FORBIDDEN", "no grant yet");
    const grant = await http(nodeA.url, "PUT", `/api/branches/B1/staff/${staff.auth.session!.userId}`, { token: admin });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    // A second member of staff keeps the grant: their feed is the witness that later events were relayed.
    const witness = await user(nodeB, "witness");
    assert.equal((await http(nodeA.url, "PUT", `/api/branches/B1/staff/${witness.auth.session!.userId}`, { token: admin })).status, 200);
    const witnessFeed: FeedConnection = await witness.feed.subscribe(["branch:B1"]);
    closers.push(() => witnessFeed.leave());
    const witnessSaw: FeedEvent[] = [];
    witnessFeed.onEvent((e) => witnessSaw.push(e));
    const staffFeed: FeedConnection = await staff.feed.subscribe(["branch:B1"]);
    closers.push(() => staffFeed.leave());
    const seen: FeedEvent[] = [];
    staffFeed.onEvent((e) => seen.push(e));
    const dropped: string[] = [];
    staffFeed.onUnsubscribed((e) => dropped.push(e.topic));
    await assert.rejects(stranger.feed.subscribe(["admin"]), (err) => code(err) === "FORBIDDEN");
    await assert.rejects(stranger.feed.subscribe(["branch:B1"]), (err) => code(err) === "FORBIDDEN");
    await assert.rejects(stranger.feed.subscribe(["nonsense"]), (err) => code(err) === "VALIDATION_FAILED");

    const diner = await user(nodeA, "diner");
    const table: TableConnection = await diner.tables.join(tableId);
    closers.push(() => table.leave());
    await table.sit();
    await table.command("cart.set", { sku, quantity: 2 });
    await eventually(() => seen.some((e) => e.type === "cart.updated" && e.topic === "branch:B1"), 3000, "cart.updated on node B");
    assert.equal(seen.find((e) => e.type === "cart.updated")!.data.tableId, tableId);
    assert.equal(seen.find((e) => e.type === "cart.updated")!.data.holdId, undefined);

    await table.command("checkout", {});
    await eventually(() => seen.some((e) => e.type === "order.created"), 3000, "order.created");
    const orderId = seen.find((e) => e.type === "order.created")!.data.orderId as string;

    // A diner follows only their own orders.
    const dinerFeed = await diner.feed.subscribe([`order:${orderId}`]);
    closers.push(() => dinerFeed.leave());
    const dinerSeen: FeedEvent[] = [];
    dinerFeed.onEvent((e) => dinerSeen.push(e));
    await assert.rejects(stranger.feed.subscribe([`order:${orderId}`]), (err) => code(err) === "ORDER_NOT_FOUND");
    const cancelled = await http(nodeB.url, "POST", `/api/orders/${orderId}/cancel`, { token: diner.auth.token });
    assert.equal(cancelled.status, 200);
    await eventually(() => dinerSeen.some((e) => e.type === "order.cancelled"), 3000, "order.cancelled to the diner");
    await eventually(() => seen.some((e) => e.type === "order.cancelled" && e.topic === "branch:B1"), 3000, "order.cancelled to staff");

    // Closing the table abandons the cart: the table and the branch feed both hear it.
    const tableSaw: string[] = [];
    table.onEvent((e) => tableSaw.push(e.type));
    await table.setCartLine(sku, 1);
    await table.closeTable();
    await eventually(() => seen.some((e) => e.type === "cart.abandoned" && e.topic === "branch:B1"), 3000, "cart.abandoned on the branch feed");
    await eventually(() => tableSaw.includes("cart.abandoned"), 3000, "cart.abandoned at the table");

    // The admin withdraws the grant: the subscription goes within a second, and so do the events.
    const revokedAt = Date.now();
    assert.equal((await http(nodeA.url, "DELETE", `/api/branches/B1/staff/${staff.auth.session!.userId}`, { token: admin })).status, 204);
    await eventually(() => dropped.includes("branch:B1"), 1000, "unsubscribed within a second");
    const latency = Date.now() - revokedAt;
    const before = seen.length;
    const witnessBefore = witnessSaw.length;
    await table.command("cart.set", { sku, quantity: 1 });
    // Barrier: node B relayed the event (the witness has it), then a round trip on the
    // withdrawn staff's own socket (messages are ordered) flushes anything sent to it before.
    await eventually(() => witnessSaw.slice(witnessBefore).some((e) => e.type === "cart.updated"), 3000, "cart.updated to the witness");
    await staffFeed.unsubscribe(["branch:B1"]);
    assert.equal(seen.length, before, "no events after the grant was withdrawn");
    console.log(`      grant withdrawn -> subscription dropped in ${latency} ms`);
  });
});
