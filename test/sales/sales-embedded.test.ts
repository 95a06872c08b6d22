import assert from "node:assert/strict";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { adminToken, createSale, eventually, JWT_SECRET, newSaleId } from "./helpers.ts";

/** Flash sales in the embedded default (memory queue store, memory lease, PGlite): no Redis, no Postgres. */
describe("flash sales in embedded mode", function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let admin: string;

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, ADMISSION_TTL_SECONDS: "2" } });
    admin = adminToken();
  });

  after(async () => server?.stop());

  it("line, admission, lapse, hold with the admission token, NOT_ADMITTED without", async () => {
    const saleId = newSaleId();
    const sku = `sku-${saleId}`;
    await createSale(server.url, admin, { saleId, sku, quantity: 1, startsAt: Date.now(), admission: { mode: "stock" }, prequeue: "fifo" });
    const a = await signInGuest(server.url, "a");
    const b = await signInGuest(server.url, "b");
    const ticket = (token: string) => http(server.url, "GET", `/api/sales/${saleId}/ticket`, { token }).then((r) => r.body);
    assert.equal((await http(server.url, "POST", `/api/sales/${saleId}/queue`, { token: a.token })).status, 200);
    assert.equal((await http(server.url, "POST", `/api/sales/${saleId}/queue`, { token: b.token })).body.position, 2);
    await eventually(async () => (await ticket(a.token)).status === "admitted", 5000, "a admitted");
    await eventually(async () => (await ticket(b.token)).status === "admitted", 6000, "a lapses, b admitted");
    assert.equal((await ticket(a.token)).status, "lapsed");
    const none = await http(server.url, "POST", "/api/holds", { token: b.token, body: { sku, quantity: 1 } });
    assert.equal(none.body.error.code, "NOT_ADMITTED");
    const ok = await http(server.url, "POST", "/api/holds", { token: b.token, body: { sku, quantity: 1, admissionToken: (await ticket(b.token)).admissionToken } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const view = (await http(server.url, "GET", `/api/sales/${saleId}`)).body;
    assert.deepEqual([view.status, view.stockRemaining, view.admitted], ["sold_out", 0, 2]);
  });
});
