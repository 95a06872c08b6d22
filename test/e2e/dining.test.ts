import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, HoldfastError, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";

const JWT_SECRET = "e2e-dining-secret-0123456789abcdef";
const HOLD_TTL = 4;


interface CartView {
  cartNo: number;
  status: string;
  lastOrderId: string;
  lines: { lineKey: string; sku: string; quantity: number; note: string; addedBy: string[]; expiresAt: number }[];
}
const cart = (c: TableConnection) => (c.state as unknown as { dining: CartView }).dining;
const code = (err: unknown) => HoldfastError.from(err).code;

describe("dining tables: shared cart with stock holds (e2e through the SDK)", function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let admin: string;
  const open: TableConnection[] = [];

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, HOLD_TTL_SECONDS: String(HOLD_TTL) } });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave()));
    await server?.stop();
  });

  async function setup() {
    const tableId = `d-${randomUUID().slice(0, 8)}`;
    const sku = `ramen-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 4, options: { branchId: "B1" } } })).status, 201);
    assert.equal((await http(server.url, "PUT", `/api/inventory/${sku}`, { token: admin, body: { stock: 5, name: "Ramen", priceCents: 1200 } })).status, 200);
    assert.equal((await http(server.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: admin })).status, 200, "on the branch's menu");
    const diners = [];
    for (const name of ["ada", "bo"]) {
      const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
      await client.auth.guest(name);
      const conn = await client.tables.join(tableId);
      await conn.sit();
      open.push(conn);
      diners.push({ client, conn });
    }
    const inventory = async () => (await http(server.url, "GET", `/api/inventory/${sku}`, { token: admin })).body as { held: number; available: number; sold: number };
    return { tableId, sku, a: diners[0], b: diners[1], inventory };
  }

  it("holds only the difference, shows every change to the table, and answers SOLD_OUT without touching the cart", async () => {
    const { sku, a, b, inventory } = await setup();
    const seenByB: TableEvent[] = [];
    b.conn.onEvent((e) => seenByB.push(e));

    await a.conn.command("cart.set", { sku, quantity: 2 });
    await eventually(() => seenByB.some((e) => e.type === "cart.updated"), 3000, "cart.updated at b");
    await eventually(() => cart(b.conn).lines.length === 1, 3000, "line in b's state");
    assert.equal(cart(b.conn).lines[0].quantity, 2);
    assert.equal((seenByB.find((e) => e.type === "cart.updated")!.data as Record<string, unknown>).holdId, undefined, "hold ids stay on the server");
    assert.deepEqual(await inventory().then((i) => [i.held, i.available]), [2, 3]);

    await b.conn.command("cart.set", { sku, quantity: 3, note: "no egg" }); // another line: same dish, other note
    assert.deepEqual(await inventory().then((i) => [i.held, i.available]), [5, 0]);
    await assert.rejects(a.conn.command("cart.set", { sku, quantity: 3 }), (err) => code(err) === "SOLD_OUT");
    await eventually(() => cart(a.conn).lines.length === 2, 2000, "two lines");
    assert.equal(cart(a.conn).lines.find((l) => l.note === "")!.quantity, 2, "the failed change left the line as it was");

    await a.conn.command("cart.set", { sku, quantity: 1 }); // down by one: one unit back
    assert.deepEqual(await inventory().then((i) => [i.held, i.available]), [4, 1]);
    await assert.rejects(a.conn.command("cart.set", { sku: "bad sku!", quantity: 1 }), (err) => code(err) === "VALIDATION_FAILED");
  });

  it("checkout turns the cart's holds into one pending order; close abandons the next cart and returns its stock", async () => {
    const { sku, a, b, inventory } = await setup();
    const seen: TableEvent[] = [];
    a.conn.onEvent((e) => seen.push(e));
    await a.conn.command("cart.set", { sku, quantity: 2 });
    await b.conn.command("cart.set", { sku, quantity: 1, options: { spicy: true } });
    const checkedOut = await b.conn.checkout();
    await eventually(() => seen.some((e) => e.type === "order.created"), 3000, "order.created");
    const created = seen.find((e) => e.type === "order.created")!;
    const orderId = created.data.orderId as string;
    // checkout() answers with the order it made: id, items, total (3 x 1200), payment deadline.
    assert.equal(checkedOut.orderId, orderId);
    assert.equal(checkedOut.amountCents, 3600);
    assert.equal(checkedOut.currency, "EUR");
    assert.deepEqual(checkedOut.items, [{ sku, quantity: 3 }]);
    const order = await http(server.url, "GET", `/api/orders/${orderId}`, { token: b.client.auth.token });
    assert.equal(order.status, 200);
    assert.equal(order.body.status, "pending");
    assert.equal(order.body.amountCents, 3600);
    assert.equal(checkedOut.expiresAt, order.body.expiresAt);
    assert.equal(order.body.items.reduce((n: number, i: { quantity: number }) => n + i.quantity, 0), 3);
    await eventually(() => cart(a.conn).lines.length === 0 && cart(a.conn).cartNo === 2, 3000, "fresh cart");
    assert.equal((await inventory()).held, 0);
    await assert.rejects(a.conn.command("checkout", {}), (err) => code(err) === "ILLEGAL_ACTION");

    await a.conn.command("cart.set", { sku, quantity: 1 });
    assert.equal((await inventory()).held, 1);
    await a.conn.command("close", {});
    await eventually(() => seen.some((e) => e.type === "cart.abandoned"), 3000, "cart.abandoned");
    const inv = await inventory();
    assert.equal(inv.held, 0);
    assert.equal(inv.available, 2, "5 in stock, 3 in the pending order");
  });

  it("two diners changing the same line at once: the hold equals the final quantity", async () => {
    const { sku, a, b, inventory } = await setup();
    // Interleaved, concurrent sets of one line; the room applies them one at a time.
    const replies = await Promise.all([
      a.conn.setCartLine(sku, 1),
      b.conn.setCartLine(sku, 3),
      a.conn.setCartLine(sku, 2),
      b.conn.setCartLine(sku, 4),
    ]);
    // Replies come before the state patch that shows them: wait for the last command's seq.
    const lastSeq = Math.max(...replies.map((r) => r.seq));
    await eventually(() => a.conn.state.seq >= lastSeq && cart(a.conn).lines.length === 1, 2000, "the last set in the state");
    const final = cart(a.conn).lines[0].quantity;
    assert.equal((await inventory()).held, final, "held stock equals the line's final quantity");
    assert.equal(cart(a.conn).lines[0].addedBy.length, 2, "both diners are recorded on the line");
  });

  it("a dish with stock 3, two tables asking for 2 each: one gets SOLD_OUT, stock never negative", async () => {
    const first = await setup();
    const second = await setup();
    const sku = first.sku;
    assert.equal((await http(server.url, "PUT", `/api/inventory/${sku}`, { token: admin, body: { stock: 3 } })).status, 200);
    const results = await Promise.allSettled([first.a.conn.setCartLine(sku, 2), second.a.conn.setCartLine(sku, 2)]);
    const failed = results.filter((r) => r.status === "rejected");
    assert.equal(failed.length, 1);
    assert.equal(code((failed[0] as PromiseRejectedResult).reason), "SOLD_OUT");
    const inv = await first.inventory();
    assert.deepEqual([inv.held, inv.available], [2, 1]);
  });

  it("a line whose hold expired leaves the cart, and its stock is holdable again", async () => {
    const { sku, a, inventory } = await setup();
    await a.conn.command("cart.set", { sku, quantity: 5 });
    assert.equal((await inventory()).available, 0);
    await eventually(() => cart(a.conn).lines.length === 1, 2000, "line");
    await eventually(() => cart(a.conn).lines.length === 0, (HOLD_TTL + 3) * 1000, "line expired");
    assert.equal((await inventory()).available, 5);
  });
});
