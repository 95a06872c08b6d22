import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { http } from "../support/http.ts";
import { adminToken } from "../support/e2e.ts";
import { assertNoConsoleErrors, BrowserRig, shoot, tabTo } from "./web-browser.ts";

const JWT_SECRET = `web-commerce-${randomUUID()}`;

/**
 * The dining table and the flash sale in real Chromium, with simulated payments
 * (DEMO_PAYMENTS=on): a shared cart to a paid order, and a sale from the line to a paid
 * order while the next buyer in line sees it sell out.
 */
describe("web app: dining and flash sale (Chromium)", function () {
  this.timeout(300_000);
  const rig = new BrowserRig();
  let admin: string;

  before(async function () {
    this.timeout(300_000);
    await rig.start(this, { JWT_SECRET, DEMO_PAYMENTS: "on", SEAT_GRACE_SECONDS: "120" });
    admin = adminToken(JWT_SECRET);
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed") await rig.shootAll(this.currentTest.title);
  });
  after(() => rig.stop());

  it("dining: menu with prices and stock, a shared cart with notes and who added, checkout to an order with a pay-by countdown, paid", async () => {
    const tableId = `dine-${randomUUID().slice(0, 6)}`;
    const sku = `tea-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(rig.server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 4, options: { branchId: "B1" } } })).status, 201);
    assert.equal((await http(rig.server.url, "PUT", `/api/inventory/${sku}`, { token: admin, body: { stock: 5, name: "Jasmine tea", priceCents: 350 } })).status, 200);
    assert.equal((await http(rig.server.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: admin })).status, 200);

    const ada = await rig.guest("Ada");
    const bob = await rig.guest("Bob");
    await ada.page.locator(`button[data-join="${tableId}"]`).click();
    await bob.page.locator(`button[data-join="${tableId}"]`).click();
    const item = ada.page.locator(`[data-sku="${sku}"]`);
    await item.filter({ hasText: "Jasmine tea" }).filter({ hasText: "$3.50" }).or(item.filter({ hasText: "€3.50" })).waitFor();
    await ada.page.getByTestId(`stock-${sku}`).filter({ hasText: "5 left" }).waitFor();
    await bob.page.getByTestId("seats").locator(".seat-name", { hasText: "Ada" }).waitFor();
    assert.ok(await ada.page.getByTestId("checkout").isDisabled(), "checkout is disabled on an empty cart");

    // Ada adds a large tea with a note, by keyboard; Bob sees the line, the note and who added it.
    await item.getByRole("combobox").selectOption("large");
    await item.getByRole("textbox").fill("no sugar");
    await tabTo(ada.page, `[data-testid="add-${sku}"]`);
    await ada.page.keyboard.press("Enter");
    const bobLine = bob.page.getByTestId(`line-${sku}`);
    await bobLine.filter({ hasText: "no sugar" }).filter({ hasText: "added by Ada" }).filter({ hasText: "size: large" }).waitFor();
    assert.match((await bobLine.getByTestId(`expiry-${sku}`).textContent()) ?? "", /held \d+ s/);
    await ada.page.getByTestId(`stock-${sku}`).filter({ hasText: "4 left" }).waitFor();
    // Bob raises the quantity: the same line, now 2.
    await bobLine.getByRole("button", { name: "One more Jasmine tea" }).click();
    await ada.page.getByTestId(`qty-${sku}`).filter({ hasText: "2" }).waitFor();
    await ada.page.getByTestId(`line-${sku}`).filter({ hasText: "added by you, Bob" }).or(ada.page.getByTestId(`line-${sku}`).filter({ hasText: "added by Bob, you" })).waitFor();
    assert.match((await ada.page.getByTestId("cart-total").textContent()) ?? "", /7\.00/);
    await shoot(ada.page, "dining-cart");

    // Checkout: an order with its total and a pay-by countdown; the cart starts again empty.
    await ada.page.getByTestId("checkout").click();
    const order = ada.page.getByTestId("order-box");
    await order.filter({ hasText: "waiting for payment" }).waitFor();
    assert.match((await order.getByTestId("pay-by").textContent()) ?? "", /pay within \d+:\d\d/);
    assert.match((await order.textContent()) ?? "", /7\.00/);
    await bob.page.getByTestId("events").filter({ hasText: "Ada checked out: 2 × Jasmine tea" }).waitFor();
    // The emptied cart comes as a state patch that may follow the order's reply: wait for it.
    await ada.page.locator('[data-testid="checkout"]:disabled').waitFor();
    await shoot(ada.page, "dining-order");

    // The simulated payment: paid, and the payment buttons are gone.
    await order.getByTestId("pay-ok").click();
    await order.getByTestId("order-status").filter({ hasText: "paid" }).waitFor();
    assert.equal(await order.getByTestId("pay-ok").count(), 0);
    await shoot(ada.page, "dining-paid");
    // A spectator's view of the table (no notes, no order ids).
    const sam = await rig.guest("Sam");
    await sam.page.locator(`button[data-watch="${tableId}"]`).click();
    await sam.page.getByTestId("menu").locator(`[data-sku="${sku}"]`).waitFor();
    assert.equal(await sam.page.getByTestId("checkout").isDisabled(), true);
    await shoot(sam.page, "dining-spectator");
    assertNoConsoleErrors(ada, bob, sam);
  });

  it("flash sale: pre-queue countdown, admitted -> hold -> order -> paid with each deadline; the next in line sees sold out", async () => {
    const sku = `drop-${randomUUID().slice(0, 6)}`;
    // Far enough ahead that both buyers are in the pre-queue before the start, even on a loaded machine.
    const startsAt = Date.now() + 20_000;
    const created = await http(rig.server.url, "POST", "/api/sales", {
      token: admin,
      body: { sku, quantity: 1, perUserLimit: 1, startsAt, admission: { mode: "stock" }, prequeue: "fifo", name: "Limited sneaker", priceCents: 9900 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const saleId: string = created.body.sale?.saleId ?? created.body.saleId;

    const ada = await rig.guest("Ada");
    const bob = await rig.guest("Bob");
    await ada.page.getByTestId("sale-id").fill(saleId);
    await ada.page.getByTestId("sale-id").press("Enter");
    await ada.page.getByTestId("join-sale").click();
    await ada.page.getByTestId("prequeue").waitFor();
    assert.match((await ada.page.getByTestId("sale-start").textContent()) ?? "", /^\d+:\d\d$/, "a countdown to the start");
    await shoot(ada.page, "sale-prequeue");
    await bob.page.goto(`${rig.server.url}/#/sale/${saleId}`);
    await bob.page.getByTestId("join-sale").click();
    await bob.page.getByTestId("prequeue").waitFor();

    // The start: Ada (first in a FIFO pre-queue) is admitted; Bob waits with his position.
    const hold = ada.page.getByTestId("hold");
    await hold.waitFor({ timeout: 60_000 });
    assert.match((await ada.page.getByTestId("admitted-until").textContent()) ?? "", /^\d+:\d\d$/);
    await bob.page.getByTestId("position").filter({ hasText: "number 1" }).waitFor();
    await shoot(bob.page, "sale-waiting");
    await shoot(ada.page, "sale-admitted");

    // Hold (its expiry counts down), then the order (its pay-by counts down), then pay.
    await hold.click();
    await ada.page.getByTestId("hold-expires").waitFor();
    await shoot(ada.page, "sale-holding");
    await bob.page.getByTestId("sold-out").waitFor();
    await shoot(bob.page, "sale-sold-out");
    await ada.page.getByTestId("order").click();
    const order = ada.page.getByTestId("order-box");
    await order.filter({ hasText: "waiting for payment" }).waitFor();
    assert.match((await order.getByTestId("pay-by").textContent()) ?? "", /pay within \d+:\d\d/);
    assert.match((await order.textContent()) ?? "", /99\.00/);
    await shoot(ada.page, "sale-order");
    await order.getByTestId("pay-ok").click();
    await order.getByTestId("order-status").filter({ hasText: "paid" }).waitFor();
    assert.equal(await order.getByTestId("pay-ok").count(), 0, "no payment buttons after paying");
    await shoot(ada.page, "sale-paid");

    // A reload keeps the paid order on screen.
    await ada.page.reload();
    await ada.page.getByTestId("order-status").filter({ hasText: "paid" }).waitFor();
    assertNoConsoleErrors(ada, bob);
  });

  it("the lobby's demo sale (DEMO_PAYMENTS=on) opens the sale view with the buyer already in line", async () => {
    const cy = await rig.guest("Cy");
    await cy.page.getByTestId("demo-sale").click();
    await cy.page.waitForURL(/#\/sale\//);
    await cy.page.locator('[data-testid="ticket"]:is([data-ticket-status="waiting"], [data-ticket-status="admitted"])').waitFor();
    assertNoConsoleErrors(cy);
  });
});

/**
 * A buyer admitted who does not hold in time sees that their turn passed. Its own server:
 * ADMISSION_TTL_SECONDS is short so the lapse comes soon, yet long enough (8 s) that the
 * page shows the admission first even on a loaded machine.
 */
describe("web app: a flash-sale admission that lapses (Chromium)", function () {
  this.timeout(300_000);
  const rig = new BrowserRig();
  let admin: string;

  before(async function () {
    this.timeout(300_000);
    await rig.start(this, { JWT_SECRET, ADMISSION_TTL_SECONDS: "8" });
    admin = adminToken(JWT_SECRET);
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed") await rig.shootAll(this.currentTest.title);
  });
  after(() => rig.stop());

  it("admitted, no hold: the view turns to 'your turn passed' and offers no hold", async () => {
    const sku = `lapse-${randomUUID().slice(0, 6)}`;
    const created = await http(rig.server.url, "POST", "/api/sales", {
      token: admin,
      body: { sku, quantity: 1, perUserLimit: 1, startsAt: Date.now() + 5_000, admission: { mode: "stock" }, name: "Limited cap", priceCents: 2500 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const saleId: string = created.body.sale?.saleId ?? created.body.saleId;

    const dee = await rig.guest("Dee");
    await dee.page.goto(`${rig.server.url}/#/sale/${saleId}`);
    await dee.page.getByTestId("join-sale").click();
    // Admitted first (the hold button; its deadline is not read here: on a slow machine
    // the turn may already have passed by then)...
    await dee.page.getByTestId("hold").waitFor({ timeout: 60_000 });
    // ...then, with no hold placed, the admission lapses.
    await dee.page.getByTestId("lapsed").waitFor({ timeout: 60_000 });
    assert.equal(await dee.page.getByTestId("hold").count(), 0, "no hold button once the turn passed");
    assert.equal(await dee.page.getByTestId("ticket").getAttribute("data-ticket-status"), "lapsed");
    await shoot(dee.page, "sale-lapsed");
    assertNoConsoleErrors(dee);
  });
});
