import assert from "node:assert/strict";
import jwt from "jsonwebtoken";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, skipUnless, testRedisUrl } from "../support/services.ts";
import { adminToken, createSale, eventually, JWT_SECRET, newSaleId } from "./helpers.ts";

/**
 * Sale routes and the admission gate on POST /api/holds, over real HTTP against a real
 * server process in Redis mode (Redis DB 9, a fresh Postgres database).
 */
describe("flash sales over HTTP (Redis + Postgres)", function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let admin: string;

  before(async function () {
    skipUnless(this, Boolean(process.env.REDIS_URL), "REDIS_URL");
    skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL");
    const redisUrl = await testRedisUrl(9);
    db = await createTestDatabase("sales");
    server = await spawnServer({
      env: { REDIS_URL: redisUrl, DATABASE_URL: db!.url, JWT_SECRET, ADMISSION_TTL_SECONDS: "2", HOLD_TTL_SECONDS: "3" },
    });
    admin = adminToken();
  });

  after(async () => {
    await server?.stop();
    await db?.drop();
  });

  const get = (path: string, token?: string) => http(server.url, "GET", path, { token });
  const hold = (token: string, body: Record<string, unknown>) => http(server.url, "POST", "/api/holds", { token, body });
  const join = (token: string, saleId: string) => http(server.url, "POST", `/api/sales/${saleId}/queue`, { token });
  const ticket = async (saleId: string, token: string) => (await get(`/api/sales/${saleId}/ticket`, token)).body;
  const untilStatus = (saleId: string, token: string, status: string, ms: number, what: string) =>
    eventually(async () => (await ticket(saleId, token)).status === status, ms, what);

  /** A one-unit, stock-mode, fifo sale with buyers a then b in line; returns once a is admitted. */
  async function oneUnitStockSale() {
    const saleId = newSaleId();
    const sku = `sku-${saleId}`;
    await createSale(server.url, admin, { saleId, sku, quantity: 1, startsAt: Date.now(), admission: { mode: "stock" }, prequeue: "fifo" });
    const a = await signInGuest(server.url, "a");
    const b = await signInGuest(server.url, "b");
    await join(a.token, saleId);
    await join(b.token, saleId);
    await untilStatus(saleId, a.token, "admitted", 5000, "a admitted");
    const admissionToken: string = (await ticket(saleId, a.token)).admissionToken;
    return { saleId, sku, a, b, admissionToken };
  }

  it("admins create sales (validated); anyone reads status, stock, line and admissions", async () => {
    const guest = await signInGuest(server.url, "guest");
    const saleId = newSaleId();
    const startsAt = new Date(Date.now() + 60_000).toISOString();
    const body = { saleId, sku: `sku-${saleId}`, quantity: 5, startsAt, admission: { mode: "rate", perSecond: 10 }, prequeue: "fifo" };
    assert.equal((await http(server.url, "POST", "/api/sales", { token: guest.token, body })).status, 403);
    assert.equal((await http(server.url, "POST", "/api/sales", { body })).status, 401);
    for (const bad of [
      { ...body, quantity: 0 },
      { ...body, startsAt: "tomorrow" },
      { ...body, admission: { mode: "rate" } },
      { ...body, admission: { mode: "lottery" } },
      { ...body, endsAt: new Date(Date.now() + 1000).toISOString() },
      { ...body, prequeue: "lifo" },
      { ...body, extra: 1 },
    ]) {
      const res = await http(server.url, "POST", "/api/sales", { token: admin, body: bad });
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.body.error.code, "VALIDATION_FAILED");
    }
    const created = await createSale(server.url, admin, body);
    assert.equal(created.status, "upcoming");
    assert.deepEqual(
      { ...created.sale, createdAt: undefined },
      {
        saleId,
        sku: `sku-${saleId}`,
        quantity: 5,
        perUserLimit: 1,
        startsAt,
        endsAt: null,
        admission: { mode: "rate", perSecond: 10 },
        prequeue: "fifo",
        createdAt: undefined,
      },
    );
    assert.deepEqual([created.stockRemaining, created.queueLength, created.admitted], [5, 0, 0]);
    const dup = await http(server.url, "POST", "/api/sales", { token: admin, body });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, "CONFLICT");
    const read = await get(`/api/sales/${saleId}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.status, "upcoming");
    assert.equal((await get("/api/sales/no-such-sale")).body.error.code, "NOT_FOUND");
    assert.equal((await get("/api/sales/BAD ID")).status, 400);
    // The SKU exists with the sale's quantity as stock.
    assert.deepEqual((await get(`/api/inventory/sku-${saleId}`, guest.token)).body, { sku: `sku-${saleId}`, total: 5, sold: 0, held: 0, available: 5 });
    // Server-generated ids.
    const auto = await createSale(server.url, admin, { sku: `sku-auto-${saleId}`, quantity: 1, startsAt: Date.now() + 60_000 });
    assert.match(auto.sale.saleId, /^sale-[0-9a-f]{8}$/);
    assert.equal(auto.sale.prequeue, "random");
    assert.deepEqual(auto.sale.admission, { mode: "stock" });
  });

  it("holds on a SKU in a sale: SALE_NOT_OPEN before start, NOT_ADMITTED without a valid admission", async () => {
    const alice = await signInGuest(server.url, "alice");
    const bob = await signInGuest(server.url, "bob");
    const upcoming = newSaleId();
    await createSale(server.url, admin, { saleId: upcoming, sku: `sku-${upcoming}`, quantity: 3, startsAt: Date.now() + 60_000 });
    const early = await hold(alice.token, { sku: `sku-${upcoming}`, quantity: 1 });
    assert.equal(early.status, 409);
    assert.equal(early.body.error.code, "SALE_NOT_OPEN");

    const saleId = newSaleId();
    const sku = `sku-${saleId}`;
    await createSale(server.url, admin, { saleId, sku, quantity: 3, perUserLimit: 1, startsAt: Date.now(), admission: { mode: "stock" } });
    const none = await hold(alice.token, { sku, quantity: 1 });
    assert.equal(none.status, 403);
    assert.equal(none.body.error.code, "NOT_ADMITTED");
    assert.equal((await hold(alice.token, { sku, quantity: 1, saleId, admissionToken: "garbage" })).body.error.code, "NOT_ADMITTED");
    // A well-signed token for the right user and sale, but the line never admitted alice.
    const forged = jwt.sign({ sub: alice.userId, sale: saleId, exp: Math.floor(Date.now() / 1000) + 60 }, JWT_SECRET, {
      algorithm: "HS256",
      issuer: "holdfast",
      audience: "holdfast:admission",
    });
    assert.equal((await hold(alice.token, { sku, quantity: 1, admissionToken: forged })).body.error.code, "NOT_ADMITTED");

    // Through the line: stock mode admits at once.
    assert.equal((await join(alice.token, saleId)).status, 200);
    await untilStatus(saleId, alice.token, "admitted", 5000, "admission");
    const admitted = await ticket(saleId, alice.token);
    assert.ok(admitted.admissionToken && admitted.admittedUntil > Date.now());
    const claims = jwt.decode(admitted.admissionToken) as any;
    assert.deepEqual([claims.sub, claims.sale, claims.aud], [alice.userId, saleId, "holdfast:admission"]);
    // Alice's token does not admit bob, nor does it work for another sale.
    assert.equal((await hold(bob.token, { sku, quantity: 1, admissionToken: admitted.admissionToken })).body.error.code, "NOT_ADMITTED");
    assert.equal(
      (await hold(alice.token, { sku, quantity: 1, saleId: upcoming, admissionToken: admitted.admissionToken })).body.error.code,
      "NOT_ADMITTED",
    );
    // The per-sale limit (1): the first hold is fine, a second is HOLD_LIMIT.
    assert.equal((await hold(alice.token, { sku, quantity: 2, admissionToken: admitted.admissionToken })).body.error.code, "HOLD_LIMIT");
    const ok = await hold(alice.token, { sku, quantity: 1, saleId, admissionToken: admitted.admissionToken });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await ticket(saleId, alice.token)).status, "holding");
    assert.equal((await hold(alice.token, { sku, quantity: 1, admissionToken: admitted.admissionToken })).body.error.code, "HOLD_LIMIT");
    const view = (await get(`/api/sales/${saleId}`)).body;
    assert.deepEqual([view.status, view.stockRemaining, view.admitted], ["open", 2, 1]);
    // Other SKUs are not gated.
    await http(server.url, "PUT", `/api/inventory/free-${saleId}`, { token: admin, body: { stock: 2 } });
    assert.equal((await hold(alice.token, { sku: `free-${saleId}`, quantity: 1 })).status, 201);
  });

  it("an admission lapses when no hold comes in time, and the next in line is admitted", async () => {
    const saleId = newSaleId();
    const sku = `sku-${saleId}`;
    await createSale(server.url, admin, { saleId, sku, quantity: 1, startsAt: Date.now(), admission: { mode: "stock" }, prequeue: "fifo" });
    const a = await signInGuest(server.url, "a");
    const b = await signInGuest(server.url, "b");
    await join(a.token, saleId);
    const second = await join(b.token, saleId);
    assert.equal(second.body.status, "waiting");
    await untilStatus(saleId, a.token, "admitted", 5000, "a admitted");
    const stale = (await ticket(saleId, a.token)).admissionToken;
    assert.equal((await ticket(saleId, b.token)).position, 1);
    // ADMISSION_TTL_SECONDS=2: a lapses, b is admitted.
    await untilStatus(saleId, b.token, "admitted", 6000, "b admitted");
    assert.equal((await ticket(saleId, a.token)).status, "lapsed");
    assert.equal((await hold(a.token, { sku, quantity: 1, admissionToken: stale })).body.error.code, "NOT_ADMITTED");
    const log = await get(`/api/sales/${saleId}/admissions`, admin);
    assert.deepEqual(log.body.admissions.map((x: any) => x.userId), [a.userId, b.userId]);
    assert.equal((await get(`/api/sales/${saleId}/admissions`, a.token)).status, 403);
    // Leaving gives the entry up; joining again is a new place at the back.
    assert.equal((await http(server.url, "DELETE", `/api/sales/${saleId}/queue`, { token: a.token })).status, 204);
    assert.equal((await ticket(saleId, a.token)).status, "left");
  });

  it("stock mode: a released hold admits the next buyer", async () => {
    const { saleId, sku, a, b, admissionToken: token } = await oneUnitStockSale();
    const h = await hold(a.token, { sku, quantity: 1, admissionToken: token });
    assert.equal(h.status, 201);
    // Sold out now: b waits (told sold_out), and is not admitted while the unit is held.
    await untilStatus(saleId, b.token, "sold_out", 3000, "sold out");
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await ticket(saleId, b.token)).status, "sold_out");
    assert.equal((await http(server.url, "DELETE", `/api/holds/${h.body.holdId}`, { token: a.token })).status, 204);
    await untilStatus(saleId, b.token, "admitted", 3000, "b admitted");
  });

  it("stock mode: an expired hold admits the next buyer", async () => {
    const { saleId, sku, a, b, admissionToken: token } = await oneUnitStockSale();
    assert.equal((await hold(a.token, { sku, quantity: 1, admissionToken: token })).status, 201);
    assert.equal((await ticket(saleId, b.token)).position, 1);
    // HOLD_TTL_SECONDS=3: the unheld unit returns and b is admitted, with nobody releasing anything.
    await untilStatus(saleId, b.token, "admitted", 8000, "b admitted");
    assert.equal((await get(`/api/sales/${saleId}`)).body.stockRemaining, 1);
  });

  it("a sale that ended refuses joins and holds", async () => {
    const saleId = newSaleId();
    const sku = `sku-${saleId}`;
    await createSale(server.url, admin, { saleId, sku, quantity: 1, startsAt: Date.now() - 2000, endsAt: Date.now() + 300 });
    const a = await signInGuest(server.url, "a");
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await get(`/api/sales/${saleId}`)).body.status, "ended");
    assert.equal((await join(a.token, saleId)).body.error.code, "SALE_NOT_OPEN");
    assert.equal((await hold(a.token, { sku, quantity: 1 })).body.error.code, "SALE_NOT_OPEN");
  });
});
