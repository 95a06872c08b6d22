import assert from "node:assert/strict";
import { HoldfastClient, HoldfastError, MemoryStorage, type SaleConnection, type Ticket } from "@holdfast/client-sdk";
import { http } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, skipUnless, testRedisUrl } from "../support/services.ts";
import { adminToken, createSale, eventually, JWT_SECRET, newSaleId, pool } from "./helpers.ts";

const ADMISSION_TTL = 3;

/**
 * Flash sales end to end: a real server process (Redis DB 10, a fresh Postgres
 * database) driven through the client SDK's `sales.join`.
 */
describe("flash sales (e2e through the SDK)", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let admin: string;
  let open: SaleConnection[] = [];

  before(async function () {
    skipUnless(this, Boolean(process.env.REDIS_URL), "REDIS_URL");
    skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL");
    const redisUrl = await testRedisUrl(10);
    db = await createTestDatabase("sales_e2e");
    server = await spawnServer({
      env: { REDIS_URL: redisUrl, DATABASE_URL: db!.url, JWT_SECRET, ADMISSION_TTL_SECONDS: String(ADMISSION_TTL), HOLD_TTL_SECONDS: "120" },
    });
    admin = adminToken();
  });

  afterEach(async () => {
    await Promise.all(open.map((c) => c.close().catch(() => undefined)));
    open = [];
  });

  after(async () => {
    await server?.stop();
    await db?.drop();
  });

  async function buyer(name: string, storage = new MemoryStorage()): Promise<HoldfastClient> {
    const client = new HoldfastClient({ url: server.url, storage });
    if (!(await client.auth.restore())) await client.auth.guest(name);
    return client;
  }

  async function enter(client: HoldfastClient, saleId: string): Promise<SaleConnection> {
    const conn = await client.sales.join(saleId);
    open.push(conn);
    return conn;
  }

  const inventory = async (sku: string) => (await http(server.url, "GET", `/api/inventory/${sku}`, { token: admin })).body;

  it("200 buyers, stock 20, rate mode, fifo: positions fall, admission follows join order, exactly 20 held, the rest told sold out", async () => {
    const N = 200;
    const STOCK = 20;
    const clients = await pool(N, 20, (i) => buyer(`b${i}`));
    const saleId = newSaleId();
    const sku = `sku-${saleId}`;
    const startsAt = Date.now() + 12_000;
    await createSale(server.url, admin, { saleId, sku, quantity: STOCK, startsAt, admission: { mode: "rate", perSecond: 40 }, prequeue: "fifo" });

    interface Record_ {
      positions: number[];
      statuses: string[];
      first?: Ticket;
      admittedAt?: number;
      held?: boolean;
      holdError?: string;
      soldOutAt?: number;
    }
    const records: Record_[] = clients.map(() => ({ positions: [], statuses: [] }));
    const conns: SaleConnection[] = [];
    // One at a time, so the join order is known.
    for (let i = 0; i < N; i++) {
      const conn = await enter(clients[i], saleId);
      const rec = records[i];
      const onTicket = (t: Ticket) => {
        rec.first ??= t;
        if (t.position > 0) rec.positions.push(t.position);
        if (rec.statuses.at(-1) !== t.status) rec.statuses.push(t.status);
        if (t.status === "sold_out") rec.soldOutAt ??= Date.now();
        if (t.status === "admitted" && rec.admittedAt === undefined) {
          rec.admittedAt = Date.now();
          conn.hold(1).then(
            () => (rec.held = true),
            (err: HoldfastError) => (rec.holdError = err.code),
          );
        }
      };
      conn.onTicket(onTicket);
      if (conn.ticket) onTicket(conn.ticket);
      conns.push(conn);
    }
    assert.ok(Date.now() < startsAt, "every buyer joined the pre-queue before the start");
    // In a fifo pre-queue the position is the join order, from the first ticket on.
    await eventually(() => records.every((r) => r.first), 5000, "first tickets");
    records.forEach((r, i) => {
      assert.equal(r.first!.status, "waiting");
      assert.equal(r.first!.prequeue, true);
      assert.equal(r.first!.position, i + 1, `buyer ${i} first position`);
    });
    await eventually(() => conns[0].state.queueLength === N, 3000, "queueLength in the room state");
    assert.equal(conns[0].state.status, "upcoming");

    await eventually(() => records.filter((r) => r.held).length === STOCK, 30_000, "20 holds");
    // Everyone never admitted is told sold out.
    await eventually(() => records.every((r) => r.held || r.admittedAt !== undefined || r.soldOutAt !== undefined), 10_000, "sold out told");
    const told = records.filter((r) => r.soldOutAt !== undefined && r.admittedAt === undefined).map((r) => r.soldOutAt!);
    console.log(`      sold_out reached ${told.length} waiting buyers within ${Math.max(...told) - Math.min(...told)} ms of each other`);
    await new Promise((r) => setTimeout(r, 1000)); // any late hold attempt would show now

    const held = records.filter((r) => r.held).length;
    assert.equal(held, STOCK, "exactly the stock is held");
    assert.deepEqual(await inventory(sku), { sku, total: STOCK, sold: 0, held: STOCK, available: 0 });
    for (const r of records.filter((x) => x.holdError)) assert.equal(r.holdError, "SOLD_OUT");
    // Each waiting buyer's position never went up.
    records.forEach((r, i) => {
      for (let k = 1; k < r.positions.length; k++) assert.ok(r.positions[k] <= r.positions[k - 1], `buyer ${i} positions ${r.positions}`);
    });
    // Fairness (fifo): the admission log is the join order.
    const log = (await http(server.url, "GET", `/api/sales/${saleId}/admissions`, { token: admin })).body.admissions as { userId: string; joinSeq: number }[];
    const order = clients.map((c) => c.auth.session!.userId);
    assert.ok(log.length >= STOCK);
    assert.deepEqual(log.map((a) => a.userId), order.slice(0, log.length), "admitted in join order");
    const inversions = log.filter((a, k) => k > 0 && a.joinSeq < log[k - 1].joinSeq).length;
    assert.equal(inversions, 0);
    // The first 20 in line got the stock.
    assert.deepEqual(records.map((r, i) => (r.held ? i : -1)).filter((i) => i >= 0), Array.from({ length: STOCK }, (_, i) => i));
    const view = (await http(server.url, "GET", `/api/sales/${saleId}`)).body;
    assert.equal(view.status, "sold_out");
    assert.equal(conns[N - 1].ticket?.status, "sold_out");
  });

  it("a second tab of the same user shares one place; a refresh keeps it; leave gives it up", async () => {
    const saleId = newSaleId();
    await createSale(server.url, admin, { saleId, sku: `sku-${saleId}`, quantity: 1, startsAt: Date.now() + 60_000, prequeue: "fifo" });
    const others = await Promise.all([buyer("x"), buyer("y")]);
    await enter(others[0], saleId);
    const storage = new MemoryStorage();
    const tab1 = await buyer("alice", storage);
    const tab2 = await buyer("alice", storage); // same session, another tab
    assert.equal(tab1.auth.session!.userId, tab2.auth.session!.userId);
    const c1 = await enter(tab1, saleId);
    const c2 = await enter(tab2, saleId);
    const t1 = await c1.waitForTicket((t) => t.position > 0);
    const t2 = await c2.waitForTicket((t) => t.position > 0);
    assert.equal(t1.position, 2);
    assert.equal(t2.position, 2);
    await enter(others[1], saleId);
    await eventually(() => c1.state.queueLength === 3, 3000, "line of 3 (not 4)");
    // Refresh: the tab closes and comes back with the stored session.
    await c1.close();
    const again = await enter(await buyer("alice", storage), saleId);
    assert.equal((await again.waitForTicket((t) => t.position > 0)).position, 2);
    await again.leave();
    await eventually(() => c2.ticket?.status === "left", 3000, "the other tab sees the place given up");
    await eventually(() => c2.state.queueLength === 2, 3000, "line of 2");
    const back = await enter(await buyer("alice", storage), saleId);
    assert.equal((await back.waitForTicket((t) => t.position > 0)).position, 3, "a new place at the back");
  });

  it("joining an unknown sale fails NOT_FOUND, an ended one SALE_NOT_OPEN, with the SDK's HoldfastError", async () => {
    const client = await buyer("z");
    await assert.rejects(client.sales.join("no-such-sale"), (err: HoldfastError) => err instanceof HoldfastError && err.code === "NOT_FOUND");
    const saleId = newSaleId();
    await createSale(server.url, admin, { saleId, sku: `sku-${saleId}`, quantity: 1, startsAt: Date.now() - 1000, endsAt: Date.now() + 200 });
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(client.sales.join(saleId), (err: HoldfastError) => err.code === "SALE_NOT_OPEN");
    assert.equal((await client.sales.get(saleId)).status, "ended");
  });

  it("an admitted buyer who does not hold lapses, and the next is admitted", async () => {
    const saleId = newSaleId();
    await createSale(server.url, admin, { saleId, sku: `sku-${saleId}`, quantity: 1, startsAt: Date.now(), admission: { mode: "stock" }, prequeue: "fifo" });
    const a = await enter(await buyer("a"), saleId);
    const b = await enter(await buyer("b"), saleId);
    const admitted = await a.waitFor("admitted", 5000);
    assert.ok(admitted.admissionToken);
    assert.ok(admitted.admittedUntil! - Date.now() <= ADMISSION_TTL * 1000 + 500);
    assert.equal((await b.waitForTicket((t) => t.position === 1)).status, "waiting");
    await a.waitFor("lapsed", (ADMISSION_TTL + 3) * 1000);
    await b.waitFor("admitted", 3000);
    await assert.rejects(a.hold(1), (err: HoldfastError) => err.code === "NOT_ADMITTED");
    const h = await b.hold(1);
    assert.equal(h.quantity, 1);
    await b.waitFor("holding", 3000);
  });

  it("NOT_ADMITTED over HTTP and in the room until admitted; the room's admission token works over HTTP", async () => {
    const saleId = newSaleId();
    const sku = `sku-${saleId}`;
    await createSale(server.url, admin, { saleId, sku, quantity: 5, startsAt: Date.now(), admission: { mode: "stock" }, prequeue: "fifo", perUserLimit: 1 });
    // Five units in stock mode: five admitted at once; the sixth waits.
    const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => buyer(`n${i}`)));
    const conns: SaleConnection[] = [];
    for (const c of clients) conns.push(await enter(c, saleId));
    await conns[0].waitFor("admitted", 5000);
    const waiting = await conns[5].waitForTicket((t) => t.status === "waiting" && t.position === 1, 5000);
    assert.equal(waiting.admissionToken, undefined);
    await assert.rejects(conns[5].hold(1), (err: HoldfastError) => err.code === "NOT_ADMITTED");
    const noToken = await http(server.url, "POST", "/api/holds", { token: clients[5].auth.token, body: { sku, quantity: 1 } });
    assert.equal(noToken.status, 403);
    assert.equal(noToken.body.error.code, "NOT_ADMITTED");
    // Buyer 0's token, from its room ticket, places a hold over HTTP; buyer 5 cannot use it.
    const token = conns[0].ticket!.admissionToken!;
    const stolen = await http(server.url, "POST", "/api/holds", { token: clients[5].auth.token, body: { sku, quantity: 1, admissionToken: token } });
    assert.equal(stolen.body.error.code, "NOT_ADMITTED");
    const mine = await http(server.url, "POST", "/api/holds", { token: clients[0].auth.token, body: { sku, quantity: 1, saleId, admissionToken: token } });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    await conns[0].waitFor("holding", 3000);
    // The same cid twice through the room is one hold.
    const cid = "same-cid";
    const [r1, r2] = await Promise.all([conns[1].command("hold", { quantity: 1 }, cid), conns[1].command("hold", { quantity: 1 }, cid)]);
    assert.deepEqual(r1, r2);
    assert.equal((await inventory(sku)).held, 2);
  });

  it("oversell through the sale room: stock 10, 300 admitted buyers, 900 hold attempts in flight: exactly 10 held", async () => {
    const S = 10;
    const N = 300;
    const saleId = newSaleId();
    const sku = `sku-${saleId}`;
    // Buyers sign in first: the sale's 8 s lead is for entering the line only (admissions
    // lapse after ADMISSION_TTL, so every buyer must be in line before the start).
    const clients = await pool(N, 25, (i) => buyer(`o${i}`));
    await createSale(server.url, admin, {
      saleId,
      sku,
      quantity: S,
      perUserLimit: 5,
      startsAt: Date.now() + 8000,
      admission: { mode: "rate", perSecond: 100_000 },
      prequeue: "random",
    });
    const conns = await pool(N, 25, (i) => enter(clients[i], saleId));
    // Every buyer is in the line exactly once, whichever sale room instance they landed in
    // (on a loaded machine the sale may have started and admitted some of them already).
    const view = await fetch(`${server.url}/api/sales/${saleId}`).then((r) => r.json());
    assert.equal(view.queueLength + view.admitted, N, JSON.stringify(view));
    await Promise.all(conns.map((c) => c.waitFor("admitted", 20_000)));
    const attempts = conns.flatMap((c) => [c.hold(1), c.hold(1), c.hold(1)]);
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === "fulfilled").length;
    const codes = new Set(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code));
    assert.equal(won, S, "exactly S holds");
    assert.deepEqual([...codes], ["SOLD_OUT"]);
    assert.deepEqual(await inventory(sku), { sku, total: S, sold: 0, held: S, available: 0 });
  });
});
