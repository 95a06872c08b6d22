/**
 * Security: a dining table's order details belong to the party that was there (events
 * API, dining privacy). A diner sees order ids, buyer ids and notes only of events
 * since they sat down; a stranger who sits after an earlier party checked out and left,
 * then asks `resync {lastSeq: 0}` or reads the events API, sees that party's dishes only.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { TableEvent } from "@holdfast/client-sdk";
import { serverForSuite } from "../support/suite-server.ts";
import { http } from "../support/http.ts";
import { eventually } from "../support/e2e.ts";


describe("security: a dining party's details are not shown to the next party", function () {
  this.timeout(60_000);
  const suite = serverForSuite("security-dining-party");

  const diner = (name: string, tableId: string) => suite.player(name, tableId);

  const eventsFor = async (tableId: string, token: string) => {
    const res = await http(suite.url, "GET", `/api/tables/${tableId}/events?after=0&limit=1000`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.events as TableEvent[];
  };

  it("party 1 orders with a note and leaves; a stranger who sits later gets no note, buyer id or order id of theirs", async () => {
    const tableId = `sec-party-${randomUUID().slice(0, 8)}`;
    const sku = `stew-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(suite.url, "POST", "/api/tables", { token: suite.admin, body: { tableId, kind: "dining", seats: 4, options: { branchId: "B1" } } })).status, 201);
    assert.equal((await http(suite.url, "PUT", `/api/inventory/${sku}`, { token: suite.admin, body: { stock: 10, name: "Stew", priceCents: 900 } })).status, 200);
    await http(suite.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: suite.admin }); // menus come with the hold gate

    const first = await diner("first", tableId);
    await first.conn.sit();
    await first.conn.setCartLine(sku, 2, { note: "allergic to peanuts, room 12" });
    const order = await first.conn.checkout();
    assert.equal(typeof order.orderId, "string");
    // Party 1 still sees its own order in the history.
    const forFirst = await eventsFor(tableId, first.token);
    assert.equal(forFirst.find((e) => e.type === "order.created")?.data.orderId, order.orderId);
    await first.conn.stand();
    await first.conn.leave();

    const stranger = await diner("stranger", tableId);
    await stranger.conn.sit();
    const leaks = (what: unknown) => {
      // Who sat where is public (seat events); who ordered what, and what they wrote, is not.
      const list = (what as { events?: TableEvent[] }).events ?? [];
      const text = JSON.stringify({ ...(what as object), events: list.filter((e) => !e.type.startsWith("seat.")) });
      return ["peanuts", first.userId, order.orderId].filter((secret) => text.includes(secret));
    };

    const reply = (await stranger.conn.room.request("resync", { lastSeq: 0 })) as { events: TableEvent[] };
    assert.ok(reply.events.some((e) => e.type === "order.created"), "the earlier order is listed (without its details)");
    assert.deepEqual(leaks(reply), [], `resync: ${JSON.stringify(reply)}`);

    const listed = await eventsFor(tableId, stranger.token);
    assert.ok(listed.some((e) => e.type === "cart.updated"), "the earlier cart is listed (without its details)");
    assert.deepEqual(leaks({ events: listed }), [], `events API: ${JSON.stringify(listed)}`);

    const cart = () => (stranger.conn.state as unknown as { dining: { lastOrderId?: string } }).dining;
    await eventually(() => cart() !== undefined, 5000, "the cart state");
    assert.ok(!cart().lastOrderId, `the stranger's cart state shows ${cart().lastOrderId}`);

    // The stranger's own party: its notes and buyer are shown to it.
    await stranger.conn.setCartLine(sku, 1, { note: "no onions" });
    const own = (await eventsFor(tableId, stranger.token)).filter((e) => e.type === "cart.updated").at(-1)!;
    assert.deepEqual([own.data.note, own.data.by], ["no onions", stranger.userId]);

    // Staff still see every party's details.
    const forAdmin = await eventsFor(tableId, suite.admin);
    assert.equal(forAdmin.find((e) => e.type === "order.created")?.data.orderId, order.orderId);
    assert.equal(forAdmin.find((e) => e.type === "cart.updated")?.data.note, "allergic to peanuts, room 12");
  });
});
