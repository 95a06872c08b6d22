import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { HoldfastClient, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import type { ServerProcess } from "../support/server-process.ts";
import { startServerAndChromium } from "./web-browser.ts";
import { http, signInGuest } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";

const JWT_SECRET = `browser-ops-${randomUUID()}`;
const SHOTS = path.resolve("test-results/screenshots");

/**
 * The operator console (`#/ops`) in real Chromium: an operator signs in with an admin
 * token, sees a dropped player's away countdown and the node hosting the table, releases
 * the seat (the other clients see the seat free), pauses and resumes a sale; screenshots
 * of the console at 1280 and 390 px.
 */
describe("browser: operator console (Chromium)", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const open: TableConnection[] = [];
  const problems: string[] = [];

  before(async function () {
    this.timeout(300_000);
    // A long grace: the away seat waits for the operator, not for its deadline.
    ({ server, browser } = await startServerAndChromium(this, { JWT_SECRET, SEAT_GRACE_SECONDS: "600" }));
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    mkdirSync(SHOTS, { recursive: true });
    for (const [i, ctx] of contexts.entries()) {
      for (const [j, page] of ctx.pages().entries()) {
        await page.screenshot({ path: path.join(SHOTS, `failed-ops-${i}-${j}.png`), fullPage: true }).catch(() => undefined);
      }
    }
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    for (const ctx of contexts) await ctx.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  /** The console signed in with an admin token, at `width` px. */
  async function operatorPage(width: number): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => msg.type() === "error" && problems.push(`console error: ${msg.text()}`));
    await page.goto(`${server.url}/#/ops`);
    await page.getByTestId("ops-token").fill(adminToken(JWT_SECRET, "Olga the operator"));
    await page.getByTestId("ops-token").press("Enter");
    await page.getByTestId("ops-tables").waitFor();
    return page;
  }

  async function sdkUser(name: string): Promise<HoldfastClient> {
    const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage(), heartbeatSeconds: 1 });
    await client.auth.guest(name);
    return client;
  }

  it("shows a dropped player's away countdown and hosting node; Release frees the seat for everyone", async () => {
    const admin = adminToken(JWT_SECRET);
    const tableId = `ops-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);
    const watcher = await (await sdkUser("watcher")).tables.join(tableId, { spectate: true });
    open.push(watcher);
    const seen: TableEvent[] = [];
    watcher.onEvent((e) => seen.push(e));
    const ada = await (await sdkUser("Ada")).tables.join(tableId);
    await ada.sit({ seat: 2 });
    await ada.leave(); // gone without standing: the seat is away
    await eventually(() => watcher.state.seats[2]?.status === "away", 30_000, "seat away");

    const page = await operatorPage(1280);
    const seat = page.getByTestId(`ops-seat-${tableId}-2`);
    await seat.and(page.locator('[data-status="away"]')).waitFor();
    assert.match(await seat.textContent() ?? "", /Ada/);
    assert.match((await page.getByTestId(`ops-away-${tableId}-2`).textContent()) ?? "", /^\d+:\d\d$/, "an m:ss countdown");
    const nodes = (await http(server.url, "GET", "/api/admin/nodes", { token: admin })).body.nodes;
    assert.equal((await page.getByTestId(`ops-host-${tableId}`).textContent())?.trim(), nodes[0].processId.slice(0, 8), "the hosting node");

    // Keyboard: focus the button and press Enter.
    await page.getByTestId(`ops-release-${tableId}-2`).focus();
    await page.keyboard.press("Enter");
    await seat.and(page.locator('[data-status="empty"]')).waitFor();
    await eventually(() => seen.some((e) => e.type === "seat.released" && e.data.seat === 2 && e.data.reason === "operator"), 30_000, "seat.released");
    await eventually(() => watcher.state.seats[2].status === "empty", 30_000, "seat empty for the watcher");
  });

  it("pauses and resumes a sale's admission from the console", async () => {
    const admin = adminToken(JWT_SECRET);
    const saleId = `ops-${randomUUID().slice(0, 6)}`;
    const body = { saleId, sku: `sku-${saleId}`, quantity: 3, startsAt: new Date(Date.now() + 600_000).toISOString(), admission: { mode: "stock" }, prequeue: "fifo" };
    assert.equal((await http(server.url, "POST", "/api/sales", { token: admin, body })).status, 201);
    for (const name of ["b1", "b2"]) {
      const buyer = await signInGuest(server.url, name);
      assert.equal((await http(server.url, "POST", `/api/sales/${saleId}/queue`, { token: buyer.token })).status, 200);
    }
    const page = await operatorPage(1280);
    const card = page.getByTestId(`ops-sale-${saleId}`);
    await card.waitFor();
    await eventually(async () => (await page.getByTestId(`ops-sale-queue-${saleId}`).textContent()) === "2", 30_000, "queue length 2");

    await page.getByTestId(`ops-pause-${saleId}`).click();
    await page.locator(`[data-testid="ops-sale-${saleId}"][data-paused="true"]`).waitFor();
    assert.equal((await page.getByTestId(`ops-sale-status-${saleId}`).textContent())?.trim(), "paused");
    const paused = (await http(server.url, "GET", "/api/admin/sales", { token: admin })).body.sales.find((s: { saleId: string }) => s.saleId === saleId);
    assert.equal(typeof paused.pausedAt, "number", "the pause is on the server, not only on the page");

    await page.getByTestId(`ops-resume-${saleId}`).click();
    await page.locator(`[data-testid="ops-sale-${saleId}"][data-paused="false"]`).waitFor();
    const resumed = (await http(server.url, "GET", "/api/admin/sales", { token: admin })).body.sales.find((s: { saleId: string }) => s.saleId === saleId);
    assert.equal(resumed.pausedAt, null);
  });

  it("a guest without a grant gets the operator sign-in, not the console", async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(server.url);
    await page.getByTestId("signin").click();
    await page.getByTestId("who").waitFor(); // signed in as a guest
    await page.goto(`${server.url}/#/ops`);
    await page.getByTestId("ops-signin").waitFor();
    assert.match((await page.getByTestId("ops-signin").textContent()) ?? "", /not an operator/);
    assert.equal(await page.getByTestId("ops-tables").count(), 0);
  });

  it("saves screenshots of the console at 1280 and 390 px, with no horizontal overflow and no console errors", async () => {
    // Something to show: a table with a player and an away seat, a sale with a line.
    const admin = adminToken(JWT_SECRET);
    const tableId = `shot-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);
    const sitter = await (await sdkUser("Grace")).tables.join(tableId);
    open.push(sitter);
    await sitter.sit({ seat: 0 });
    const dropped = await (await sdkUser("Linus")).tables.join(tableId);
    await dropped.sit({ seat: 3 });
    await dropped.leave();
    await eventually(() => sitter.state.seats[3]?.status === "away", 30_000, "seat away");
    const saleId = `shot-${randomUUID().slice(0, 6)}`;
    const sale = { saleId, sku: `sku-${saleId}`, quantity: 50, startsAt: new Date(Date.now() + 600_000).toISOString(), admission: { mode: "rate", perSecond: 5 }, prequeue: "fifo" };
    assert.equal((await http(server.url, "POST", "/api/sales", { token: admin, body: sale })).status, 201);
    const buyer = await signInGuest(server.url, "buyer");
    assert.equal((await http(server.url, "POST", `/api/sales/${saleId}/queue`, { token: buyer.token })).status, 200);

    mkdirSync(SHOTS, { recursive: true });
    for (const width of [1280, 390]) {
      const page = await operatorPage(width);
      await page.getByTestId("ops-nodes").locator("article").first().waitFor();
      await page.getByTestId(`ops-away-${tableId}-3`).waitFor();
      await page.getByTestId(`ops-sale-${saleId}`).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scroll at ${width} px (${overflow} px too wide)`);
      await page.screenshot({ path: path.join(SHOTS, `ops-${width}.png`), fullPage: true });
    }
    assert.deepEqual(problems, []);
  });
});
