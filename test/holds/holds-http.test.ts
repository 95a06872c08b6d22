import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { eventually } from "../support/e2e.ts";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, skipUnless, testRedisUrl } from "../support/services.ts";
import { adminToken, JWT_SECRET, pool, webhook, WEBHOOK_SECRET } from "./helpers.ts";

/**
 * Inventory, holds, orders and payments over real HTTP against a real server process in
 * Redis mode (Redis DB 5, a fresh Postgres database).
 */
describe("holds and orders over HTTP (Redis + Postgres)", function () {
  this.timeout(90_000);
  let server: ServerProcess;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let redisUrl: string | undefined;
  let admin: string;
  let alice: { token: string; userId: string };
  let bob: { token: string; userId: string };
  const ORDER_TTL = 3;

  before(async function () {
    skipUnless(this, Boolean(process.env.REDIS_URL), "REDIS_URL");
    skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL");
    redisUrl = await testRedisUrl(5);
    db = await createTestDatabase("holds");
    server = await spawnServer({
      env: {
        REDIS_URL: redisUrl,
        DATABASE_URL: db!.url,
        RATE_LIMITS: "off",
        JWT_SECRET,
        PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
        HOLD_TTL_SECONDS: "120",
        ORDER_TTL_SECONDS: String(ORDER_TTL),
      },
    });
    admin = adminToken();
    alice = await signInGuest(server.url, "alice");
    bob = await signInGuest(server.url, "bob");
  });

  after(async () => {
    await server?.stop();
    await db?.drop();
  });

  const put = (sku: string, body: unknown) => http(server.url, "PUT", `/api/inventory/${sku}`, { token: admin, body });
  const inv = async (sku: string) => (await http(server.url, "GET", `/api/inventory/${sku}`, { token: alice.token })).body;
  const hold = (token: string, sku: string, quantity = 1, headers: Record<string, string> = {}) =>
    http(server.url, "POST", "/api/holds", { token, body: { sku, quantity }, headers });
  const order = (token: string, holdIds: string[], key = randomUUID()) =>
    http(server.url, "POST", "/api/orders", { token, body: { holdIds }, headers: { "idempotency-key": key } });

  async function pendingOrder(sku: string, quantity = 2) {
    const h = await hold(alice.token, sku, quantity);
    assert.equal(h.status, 201, JSON.stringify(h.body));
    const o = await order(alice.token, [h.body.holdId]);
    assert.equal(o.status, 201, JSON.stringify(o.body));
    return o.body.order;
  }

  it("admin sets stock; guests may not; counters read back", async () => {
    assert.equal((await http(server.url, "PUT", "/api/inventory/s-basic", { token: alice.token, body: { stock: 5 } })).status, 403);
    assert.equal((await put("s-basic", { stock: -1 })).body.error.code, "VALIDATION_FAILED");
    const r = await put("s-basic", { stock: 5, name: "Basic", priceCents: 1200 });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { sku: "s-basic", total: 5, sold: 0, held: 0, available: 5 });
    assert.equal((await http(server.url, "GET", "/api/inventory/none", { token: alice.token })).status, 404);
    assert.equal((await hold(alice.token, "s-basic", 0)).body.error.code, "VALIDATION_FAILED");
    assert.equal((await hold(alice.token, "none", 1)).status, 404);
  });

  it("10,000 hold attempts, 200 in flight, on stock 500: exactly 500 held, then all released", async () => {
    await put("s-rush", { stock: 500, perUserLimit: 1000 });
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => signInGuest(server.url, `buyer${i}`)));
    const results = await pool(10_000, 200, (i) => hold(users[i % users.length].token, "s-rush", 1));
    const won = results.filter((r) => r.status === 201);
    const other = results.filter((r) => r.status !== 201);
    assert.equal(won.length, 500);
    assert.ok(other.every((r) => r.status === 409 && r.body.error.code === "SOLD_OUT"), "every loser is SOLD_OUT");
    assert.deepEqual(await inv("s-rush"), { sku: "s-rush", total: 500, sold: 0, held: 500, available: 0 });
    const released = await pool(won.length, 200, (i) =>
      http(server.url, "DELETE", `/api/holds/${won[i].body.holdId}`, { token: admin }),
    );
    assert.ok(released.every((r) => r.status === 204));
    assert.deepEqual(await inv("s-rush"), { sku: "s-rush", total: 500, sold: 0, held: 0, available: 500 });
  });

  it("holds: owner or admin only, idempotent release, per-user limit", async () => {
    await put("s-own", { stock: 10, perUserLimit: 3 });
    const h = await hold(alice.token, "s-own", 2);
    assert.equal(h.status, 201);
    assert.match(h.body.holdId, /^h_[0-9a-f]{16}_s-own$/);
    assert.equal((await hold(alice.token, "s-own", 2)).body.error.code, "HOLD_LIMIT");
    const mine = await http(server.url, "GET", `/api/holds/${h.body.holdId}`, { token: alice.token });
    assert.equal(mine.body.status, "active");
    assert.equal((await http(server.url, "GET", `/api/holds/${h.body.holdId}`, { token: bob.token })).body.error.code, "HOLD_NOT_FOUND");
    assert.equal((await http(server.url, "DELETE", `/api/holds/${h.body.holdId}`, { token: bob.token })).status, 404);
    assert.equal((await http(server.url, "GET", `/api/holds/garbage`, { token: alice.token })).status, 404);
    assert.equal((await order(bob.token, [h.body.holdId])).body.error.code, "HOLD_NOT_FOUND");
    assert.equal((await http(server.url, "DELETE", `/api/holds/${h.body.holdId}`, { token: alice.token })).status, 204);
    assert.equal((await http(server.url, "DELETE", `/api/holds/${h.body.holdId}`, { token: alice.token })).status, 204);
    assert.equal((await http(server.url, "GET", `/api/holds/${h.body.holdId}`, { token: admin })).body.status, "released");
    assert.equal((await inv("s-own")).available, 10);
  });

  it("idempotent holds and orders: same body replays, different body is 422", async () => {
    await put("s-idem", { stock: 10 });
    const key = randomUUID();
    const h1 = await hold(alice.token, "s-idem", 1, { "idempotency-key": key });
    const h2 = await hold(alice.token, "s-idem", 1, { "idempotency-key": key });
    assert.equal(h1.status, 201);
    assert.deepEqual(h2.body, h1.body);
    assert.equal(h2.headers.get("idempotent-replayed"), "true");
    assert.equal((await hold(alice.token, "s-idem", 2, { "idempotency-key": key })).body.error.code, "IDEMPOTENCY_CONFLICT");
    assert.equal((await inv("s-idem")).held, 1, "the replay reserved nothing");
    // The same key is another user's own key.
    assert.equal((await hold(bob.token, "s-idem", 2, { "idempotency-key": key })).status, 201);

    const okey = randomUUID();
    const o1 = await order(alice.token, [h1.body.holdId], okey);
    const o2 = await order(alice.token, [h1.body.holdId], okey);
    assert.equal(o1.status, 201);
    assert.equal(o2.status, 201);
    assert.equal(o2.body.order.orderId, o1.body.order.orderId);
    const h3 = await hold(alice.token, "s-idem", 1);
    assert.equal((await order(alice.token, [h3.body.holdId], okey)).body.error.code, "IDEMPOTENCY_CONFLICT");
    const noKey = await http(server.url, "POST", "/api/orders", { token: alice.token, body: { holdIds: [h3.body.holdId] } });
    assert.equal(noKey.body.error.code, "VALIDATION_FAILED");
  });

  it("order happy path: holds consumed, paid by webhook, sold raised, redelivery answered the same", async () => {
    await put("s-pay", { stock: 10, priceCents: 500 });
    await put("s-pay2", { stock: 10 });
    const a = await hold(alice.token, "s-pay", 2);
    const b = await hold(alice.token, "s-pay2", 1);
    const o = await order(alice.token, [a.body.holdId, b.body.holdId]);
    assert.equal(o.status, 201);
    assert.equal(o.body.order.status, "pending");
    assert.deepEqual(o.body.order.items, [
      { sku: "s-pay", quantity: 2 },
      { sku: "s-pay2", quantity: 1 },
    ]);
    assert.ok(o.body.payment.expiresAt && o.body.payment.durationMinutes >= 1);
    assert.equal((await http(server.url, "GET", `/api/holds/${a.body.holdId}`, { token: alice.token })).body.status, "consumed");
    assert.deepEqual(await inv("s-pay"), { sku: "s-pay", total: 10, sold: 0, held: 0, available: 8 });
    const orderId = o.body.order.orderId;
    assert.equal((await http(server.url, "GET", `/api/orders/${orderId}`, { token: bob.token })).body.error.code, "ORDER_NOT_FOUND");
    const paid = await webhook(server.url, { orderId, outcome: "succeeded", reference: "pay_1", amount: 1000, currency: "EUR" });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.status, "paid");
    assert.deepEqual(await inv("s-pay"), { sku: "s-pay", total: 10, sold: 2, held: 0, available: 8 });
    const again = await webhook(server.url, { orderId, outcome: "succeeded", reference: "pay_1", amount: 1000, currency: "EUR" });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, paid.body);
    assert.equal((await inv("s-pay")).sold, 2, "redelivery sold nothing more");
    const wrong = await webhook(server.url, { orderId, outcome: "failed", reference: "pay_1", amount: 1000, currency: "EUR" });
    assert.equal(wrong.status, 409);
    assert.equal(wrong.body.error.code, "ORDER_STATE_CONFLICT");
    assert.equal((await http(server.url, "POST", `/api/orders/${orderId}/cancel`, { token: alice.token })).status, 409);
    const list = await http(server.url, "GET", "/api/orders", { token: alice.token });
    assert.ok(list.body.orders.some((x: any) => x.orderId === orderId && x.status === "paid"));
    const adminList = await http(server.url, "GET", "/api/orders?status=paid", { token: admin });
    assert.ok(adminList.body.orders.some((x: any) => x.orderId === orderId));
    assert.ok((await http(server.url, "GET", "/api/orders", { token: bob.token })).body.orders.every((x: any) => x.userId === bob.userId));
  });

  it("payment failed: cancelled, stock returned once, redelivery 200, success afterwards 409", async () => {
    await put("s-fail", { stock: 4 });
    const o = await pendingOrder("s-fail", 3);
    assert.equal((await inv("s-fail")).available, 1);
    const failed = await webhook(server.url, { orderId: o.orderId, outcome: "failed", reference: "pay_2", amount: 0, currency: "EUR" });
    assert.equal(failed.body.status, "cancelled");
    assert.equal(failed.body.cancelReason, "payment_failed");
    assert.equal((await webhook(server.url, { orderId: o.orderId, outcome: "failed", reference: "pay_2", amount: 0, currency: "EUR" })).status, 200);
    assert.deepEqual(await inv("s-fail"), { sku: "s-fail", total: 4, sold: 0, held: 0, available: 4 });
    assert.equal((await webhook(server.url, { orderId: o.orderId, outcome: "succeeded", reference: "pay_2", amount: 0, currency: "EUR" })).body.error.code, "ORDER_STATE_CONFLICT");
    const unknown = await webhook(server.url, { orderId: `o_${randomUUID()}`, outcome: "succeeded", reference: "x", amount: 0, currency: "EUR" });
    assert.equal(unknown.body.error.code, "ORDER_NOT_FOUND");
  });

  it("cancel by owner returns stock; strangers get 404; a second cancel is 409", async () => {
    await put("s-cancel", { stock: 5 });
    const o = await pendingOrder("s-cancel", 2);
    assert.equal((await http(server.url, "POST", `/api/orders/${o.orderId}/cancel`, { token: bob.token })).status, 404);
    const c = await http(server.url, "POST", `/api/orders/${o.orderId}/cancel`, { token: alice.token });
    assert.equal(c.status, 200);
    assert.equal(c.body.status, "cancelled");
    assert.equal((await inv("s-cancel")).available, 5);
    assert.equal((await http(server.url, "POST", `/api/orders/${o.orderId}/cancel`, { token: alice.token })).body.error.code, "ORDER_STATE_CONFLICT");
    assert.equal((await inv("s-cancel")).available, 5);
  });

  it("bad, missing and stale signatures are 401 SIGNATURE_INVALID", async () => {
    await put("s-sig", { stock: 5 });
    const o = await pendingOrder("s-sig", 1);
    const body = { orderId: o.orderId, outcome: "succeeded", reference: "p", amount: 0, currency: "EUR" };
    assert.equal((await webhook(server.url, body, { secret: "wrong" })).body.error.code, "SIGNATURE_INVALID");
    assert.equal((await webhook(server.url, body, { t: Math.floor(Date.now() / 1000) - 400 })).body.error.code, "SIGNATURE_INVALID");
    assert.equal((await webhook(server.url, body, { signature: "t=1,v1=zz" })).status, 401);
    const unsigned = await http(server.url, "POST", "/api/payments/webhook", { body });
    assert.equal(unsigned.body.error.code, "SIGNATURE_INVALID");
    // The signature covers the raw bytes: the same JSON re-spaced does not verify.
    const raw = JSON.stringify(body);
    const { signPayload } = await import("../../server/src/orders/payment-signature.ts");
    const tampered = await http(server.url, "POST", "/api/payments/webhook", {
      rawBody: raw.replace("succeeded", "failed"),
      headers: { "x-holdfast-signature": signPayload(WEBHOOK_SECRET, raw) },
    });
    assert.equal(tampered.status, 401);
    assert.equal((await http(server.url, "GET", `/api/orders/${o.orderId}`, { token: alice.token })).body.status, "pending");
  });

  it(`expires unpaid orders after ORDER_TTL_SECONDS and returns their stock exactly once`, async () => {
    await put("s-exp", { stock: 6 });
    const o = await pendingOrder("s-exp", 4);
    assert.equal((await inv("s-exp")).available, 2);
    const status = async (orderId: string) => (await http(server.url, "GET", `/api/orders/${orderId}`, { token: alice.token })).body.status;
    await eventually(async () => (await status(o.orderId)) === "expired", ORDER_TTL * 1000, "the order expired");
    assert.deepEqual(await inv("s-exp"), { sku: "s-exp", total: 6, sold: 0, held: 0, available: 6 });
    const late = await webhook(server.url, { orderId: o.orderId, outcome: "succeeded", reference: "late", amount: 0, currency: "EUR" });
    assert.equal(late.status, 410, "a payment after expiry is refused: the provider refunds");
    assert.equal(late.body.error.code, "ORDER_EXPIRED");
    // The sweeper passes again (a later order expires too): still no second return.
    await put("s-exp-later", { stock: 1 });
    const later = await pendingOrder("s-exp-later", 1);
    await eventually(async () => (await status(later.orderId)) === "expired", ORDER_TTL * 1000, "a later order expired");
    assert.equal((await inv("s-exp")).available, 6, "no second return");
  });

  it("Redis FLUSHDB mid-sale: counters rebuilt from Postgres, never above stock", async () => {
    const TOTAL = 100;
    await put("s-flush", { stock: TOTAL, perUserLimit: 1000 });
    const buyers = await Promise.all(Array.from({ length: 5 }, (_, i) => signInGuest(server.url, `f${i}`)));
    const first = await pool(60, 20, (i) => hold(buyers[i % 5].token, "s-flush", 1));
    const firstHolds = first.filter((r) => r.status === 201).map((r, i) => ({ id: r.body.holdId, token: buyers[i % 5].token }));
    assert.equal(firstHolds.length, 60);
    // Orders of 1 unit each: 10 paid, 10 left pending.
    const orders = [];
    for (let i = 0; i < 20; i++) {
      const h = await hold(alice.token, "s-flush", 1);
      orders.push((await order(alice.token, [h.body.holdId])).body.order);
    }
    for (const o of orders.slice(0, 10)) await webhook(server.url, { orderId: o.orderId, outcome: "succeeded", reference: o.orderId, amount: o.amountCents, currency: o.currency });
    const r = new Redis(redisUrl!);
    await r.flushdb();
    r.disconnect();
    // Sale goes on while and after the counters are rebuilt.
    const after = await pool(300, 50, (i) => hold(buyers[i % 5].token, "s-flush", 1));
    const wonAfter = after.filter((x) => x.status === 201).length;
    const pg0 = new pg.Client({ connectionString: db!.url });
    await pg0.connect();
    const { rows } = await pg0.query(
      `SELECT i.sold, COALESCE((SELECT SUM(oi.quantity) FROM order_items oi JOIN orders o USING (order_id)
         WHERE oi.sku = i.sku AND o.status = 'pending'), 0)::int AS pending FROM inventory i WHERE sku = 's-flush'`,
    );
    await pg0.end();
    const { sold, pending } = rows[0];
    assert.equal(sold, 10);
    // Pending orders may have expired meanwhile (short ORDER_TTL), returning their stock.
    assert.ok(sold + pending + wonAfter <= TOTAL, `sold ${sold} + pending ${pending} + new holds ${wonAfter} <= ${TOTAL}`);
    const counts = await inv("s-flush");
    assert.equal(counts.held, wonAfter);
    assert.equal(counts.available, TOTAL - sold - pending - wonAfter);
    // Holds from before the flush are gone, not resurrected.
    assert.equal((await http(server.url, "GET", `/api/holds/${firstHolds[0].id}`, { token: admin })).status, 404);
  });
});
