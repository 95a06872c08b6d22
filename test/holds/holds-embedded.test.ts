import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { adminToken, JWT_SECRET, webhook, WEBHOOK_SECRET } from "./helpers.ts";

/** The embedded default (memory hold store, PGlite): the same flow with no services. */
describe("holds and orders in embedded mode (no Redis, no Postgres server)", function () {
  this.timeout(60_000);
  let server: ServerProcess;

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET, DATA_DIR: ":memory:" } });
  });
  after(async () => server?.stop());

  it("sets stock, holds, orders, pays, and refuses oversell", async () => {
    const admin = adminToken();
    const buyer = await signInGuest(server.url, "emb");
    assert.equal((await http(server.url, "PUT", "/api/inventory/e1", { token: admin, body: { stock: 3 } })).status, 200);
    const holds = await Promise.all(
      Array.from({ length: 10 }, () => http(server.url, "POST", "/api/holds", { token: buyer.token, body: { sku: "e1", quantity: 1 } })),
    );
    const won = holds.filter((h) => h.status === 201);
    assert.equal(won.length, 3);
    const o = await http(server.url, "POST", "/api/orders", {
      token: buyer.token,
      body: { holdIds: won.map((h) => h.body.holdId) },
      headers: { "idempotency-key": randomUUID() },
    });
    assert.equal(o.status, 201, JSON.stringify(o.body));
    const paid = await webhook(server.url, { orderId: o.body.order.orderId, outcome: "succeeded", reference: "e", amount: o.body.order.amountCents, currency: o.body.order.currency });
    assert.equal(paid.body.status, "paid");
    const inv = await http(server.url, "GET", "/api/inventory/e1", { token: buyer.token });
    assert.deepEqual(inv.body, { sku: "e1", total: 3, sold: 3, held: 0, available: 0 });
  });
});
