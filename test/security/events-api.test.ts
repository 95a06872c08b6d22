/**
 * Security: `GET /api/tables/:id/events`. It needs a sign-in, and
 * each caller gets what the room would show them: its own hole cards only (by user, not
 * by seat), and on a dining table order ids, buyer ids and notes only for the table's
 * diners and its branch staff.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { serverForSuite } from "../support/suite-server.ts";
import { http, signInGuest } from "../support/http.ts";
import { eventually } from "../support/e2e.ts";
import { holdemOf } from "./viewer-records.ts";


describe("security: the table events API", function () {
  this.timeout(60_000);
  const suite = serverForSuite("security-events");

  const player = (name: string, tableId: string) => suite.player(name, tableId);

  const events = async (tableId: string, token?: string) => {
    const res = await http(suite.url, "GET", `/api/tables/${tableId}/events?after=0&limit=1000`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.events as TableEvent[];
  };

  it("answers 401 without a sign-in; a signed-in caller sees its own hole cards and nobody else's", async () => {
    const tableId = `sec-${randomUUID().slice(0, 8)}`;
    const created = await http(suite.url, "POST", "/api/tables", {
      token: suite.admin,
      body: { tableId, kind: "holdem", seats: 4, options: { smallBlind: 5, bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000, turnSeconds: 60 } },
    });
    assert.equal(created.status, 201);
    const a = await player("amy", tableId);
    const b = await player("ben", tableId);
    await a.conn.sit({ seat: 0, buyIn: 500 });
    await b.conn.sit({ seat: 1, buyIn: 500 });
    await eventually(() => holdemOf(a.conn).seats[0]?.holeCards.length === 2 && holdemOf(b.conn).seats[1]?.holeCards.length === 2, 10_000, "deal");
    const aCards = holdemOf(a.conn).seats[0].holeCards;
    const bCards = holdemOf(b.conn).seats[1].holeCards;

    const anonymous = await http(suite.url, "GET", `/api/tables/${tableId}/events?after=0`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error.code, "UNAUTHORIZED");

    const stranger = await signInGuest(suite.url, "eve");
    const seenByStranger = await events(tableId, stranger.token);
    assert.ok(seenByStranger.some((e) => e.type === "holdem.hole_cards_dealt"), "the deals are listed (without cards)");
    const text = JSON.stringify(seenByStranger);
    for (const card of [...aCards, ...bCards]) assert.ok(!text.includes(`"${card}"`), `${card} shown to a stranger`);
    assert.ok(!text.includes('"deck"') && !text.includes('"tokenId"'));

    const seenByA = (await events(tableId, a.token)).filter((e) => e.type === "holdem.hole_cards_dealt");
    assert.deepEqual(seenByA.find((e) => e.data.seat === 0)?.data.cards, aCards, "A sees its own cards");
    assert.equal(seenByA.find((e) => e.data.seat === 1)?.data.cards, undefined, "A does not see B's cards");
  });

  it("dining: order ids, buyer ids and notes only for the table's diners and its branch staff (events API and room)", async () => {
    const tableId = `sec-d-${randomUUID().slice(0, 8)}`;
    const sku = `soup-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(suite.url, "POST", "/api/tables", { token: suite.admin, body: { tableId, kind: "dining", seats: 4, options: { branchId: "B1" } } })).status, 201);
    assert.equal((await http(suite.url, "PUT", `/api/inventory/${sku}`, { token: suite.admin, body: { stock: 10, name: "Soup", priceCents: 800 } })).status, 200);
    // A dining cart takes only dishes on its branch's menu (the hold gate).
    await http(suite.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: suite.admin });
    const staff = await signInGuest(suite.url, "sam");
    const grant = await http(suite.url, "PUT", `/api/branches/B1/staff/${staff.userId}`, { token: suite.admin });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    const stranger = await signInGuest(suite.url, "eve");
    // In the room too: a watching stranger and a watching member of the branch's staff.
    const watch = async (token: string) => {
      const client = new HoldfastClient({ url: suite.url, storage: new MemoryStorage() });
      await client.auth.useToken(token);
      const conn = await client.tables.join(tableId, { spectate: true });
      suite.track(conn);
      const seen: TableEvent[] = [];
      conn.onEvent((e) => seen.push(e));
      return { conn, seen };
    };
    const strangerInRoom = await watch(stranger.token);
    const staffInRoom = await watch(staff.token);

    const diner = await player("dina", tableId);
    await diner.conn.sit();
    await diner.conn.setCartLine(sku, 2, { note: "no coriander, table by the window" });
    await diner.conn.checkout();
    await diner.conn.setCartLine(sku, 1, { note: "extra spicy" }); // the next cart: a line in the state

    const insiderFields = (list: TableEvent[]) => {
      const updated = list.find((e) => e.type === "cart.updated")!.data;
      const order = list.find((e) => e.type === "order.created")!.data;
      return { note: updated.note, by: updated.by, orderId: order.orderId, buyer: order.by, items: order.items };
    };
    const forDiner = insiderFields(await events(tableId, diner.token));
    assert.equal(forDiner.note, "no coriander, table by the window");
    assert.equal(forDiner.by, diner.userId);
    assert.equal(typeof forDiner.orderId, "string");
    assert.deepEqual(insiderFields(await events(tableId, staff.token)), forDiner, "branch staff see what diners see");
    assert.deepEqual(insiderFields(await events(tableId, suite.admin)), forDiner, "admins too");

    const forStranger = await events(tableId, stranger.token);
    const shown = insiderFields(forStranger);
    assert.deepEqual(shown, { note: undefined, by: undefined, orderId: undefined, buyer: undefined, items: forDiner.items }, "a stranger sees dishes only");
    // Who sits where is public at every table (the room's seats show it); who ordered what is not.
    const text = JSON.stringify(forStranger.filter((e) => !e.type.startsWith("seat.")));
    assert.ok(!text.includes(diner.userId) && !text.includes(String(forDiner.orderId)) && !text.includes("coriander"), text);

    // The room: live events and the cart state follow the same rule. Events arrive at once,
    // state patches at the patch rate: wait for the next cart's line (quantity 1), since the
    // first cart's line (quantity 2) is also one line.
    type Cart = { lastOrderId?: string; lines: { sku: string; quantity: number; note?: string; addedBy?: string[] }[] };
    const cartOf = (c: TableConnection) => (c.state as unknown as { dining: Cart }).dining;
    await eventually(() => staffInRoom.seen.filter((e) => e.type === "cart.updated").length >= 2 && cartOf(staffInRoom.conn).lines[0]?.quantity === 1, 5000, "staff see the cart");
    await eventually(() => strangerInRoom.seen.filter((e) => e.type === "cart.updated").length >= 2 && cartOf(strangerInRoom.conn).lines[0]?.quantity === 1, 5000, "the stranger sees the cart");
    assert.deepEqual(insiderFields(staffInRoom.seen), forDiner, "staff in the room see the details");
    assert.equal(cartOf(staffInRoom.conn).lines[0].note, "extra spicy");
    assert.equal(cartOf(staffInRoom.conn).lastOrderId, forDiner.orderId);
    assert.deepEqual(insiderFields(strangerInRoom.seen), shown, "a stranger in the room sees what the API shows it");
    const line = cartOf(strangerInRoom.conn).lines[0];
    assert.deepEqual([line.sku, line.quantity], [sku, 1], "the stranger sees the dish");
    assert.ok(!line.note && !(line.addedBy ?? []).length && !cartOf(strangerInRoom.conn).lastOrderId, `the stranger's cart state: ${JSON.stringify(cartOf(strangerInRoom.conn))}`);
  });
});
