import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { http } from "../support/http.ts";
import { skipUnless } from "../support/services.ts";
import { adminToken } from "../support/e2e.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const JWT_SECRET = "browser-demo-secret-0123456789abcdef";
const SHOTS = path.resolve("test-results");

/**
 * The demo page in real Chromium (Debian's, driven by playwright-core): two players at
 * one Hold'em table, a reload mid-hand, a closed tab seen as `away` with a countdown, a
 * spectator who never sees a hole card, and a flash sale from the line to a paid order.
 */
describe("browser demo (Chromium)", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async function () {
    // Bundle, server and Chromium start: minutes on a loaded machine, seconds on a quiet one.
    this.timeout(300_000);
    skipUnless(this, existsSync(CHROMIUM), `Chromium at ${CHROMIUM}`);
    execFileSync(process.execPath, ["scripts/build-web.mjs"], { stdio: "ignore" });
    server = await spawnServer({ env: { JWT_SECRET, DEMO_PAYMENTS: "on", SEAT_GRACE_SECONDS: "60", TURN_SECONDS: "60" } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    mkdirSync(SHOTS, { recursive: true });
    for (const [i, ctx] of contexts.entries()) {
      for (const [j, page] of ctx.pages().entries()) {
        await page.screenshot({ path: path.join(SHOTS, `${this.currentTest.title.replace(/\W+/g, "-")}-${i}-${j}.png` ) }).catch(() => undefined);
      }
    }
  });

  after(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  async function newPage(): Promise<Page> {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on("pageerror", (err) => console.log(`      [page error] ${err.message}`));
    await page.goto(server.url);
    await page.getByTestId("signin").click();
    await page.getByTestId("table-list").locator("button").first().waitFor();
    return page;
  }

  const cardsOf = async (page: Page) => (await page.getByTestId("my-cards").locator("span").allTextContents()).filter(Boolean);

  it("two players play; a reload keeps seat and cards; a closed tab shows away with a countdown; a spectator sees no hole card", async () => {
    const admin = adminToken(JWT_SECRET);
    const tableId = `web-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4, options: { bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000 } } })).status, 201);

    const a = await newPage();
    const b = await newPage();
    const spec = await newPage();
    await spec.locator(`button[data-watch="${tableId}"]`).click();
    await spec.getByTestId("seat-1").waitFor();
    await a.locator(`button[data-join="${tableId}"]`).click();
    await a.locator('button[data-sit="1"]').click();
    await b.locator(`button[data-join="${tableId}"]`).click();
    await b.locator('button[data-sit="2"]').click();

    await a.waitForFunction(() => document.querySelectorAll('[data-testid="my-cards"] span').length === 2, undefined, { timeout: 15_000 });
    const cards = await cardsOf(a);
    assert.equal(cards.length, 2);
    await b.waitForFunction(() => document.querySelectorAll('[data-testid="my-cards"] span').length === 2);
    assert.equal(await a.getByTestId("status").textContent(), "connected");

    // The spectator sees seats and the board, never a hole card.
    await spec.getByTestId("seat-1").waitFor();
    const holeCards = [...cards, ...(await cardsOf(b))];
    const specCards = await spec.locator(".cards span").allTextContents(); // board and shown cards
    for (const card of holeCards) assert.ok(!specCards.includes(card), `spectator page shows ${card}`);
    assert.equal(await spec.getByTestId("my-cards").textContent(), "-");
    const deals = await spec.getByTestId("events").locator("li", { hasText: "hole_cards_dealt" }).allTextContents();
    assert.ok(deals.length >= 2, "the spectator's feed has the deal events");
    for (const line of deals) assert.ok(!line.includes('"cards"'), `a deal event shows cards: ${line}`);

    // Reload mid-hand: same seat, same cards.
    await a.reload();
    await a.waitForFunction(() => document.querySelectorAll('[data-testid="my-cards"] span').length === 2, undefined, { timeout: 15_000 });
    assert.deepEqual(await cardsOf(a), cards);
    assert.match((await a.getByTestId("seat-1").getAttribute("class")) ?? "", /mine/);

    // B's tab closes: A sees seat 2 away with a countdown.
    await b.close();
    await a.getByTestId("countdown-2").waitFor({ timeout: 10_000 });
    assert.match((await a.getByTestId("countdown-2").textContent()) ?? "", /away, \d+ s left/);
    assert.equal(await a.getByTestId("seat-2").getAttribute("data-status"), "away");
  });

  it("a flash sale from the line to a paid order (demo payments)", async () => {
    const buyer = await newPage();
    await buyer.locator('nav button[data-view="sale"]').click();
    await buyer.getByTestId("demo-sale").click();
    await buyer.waitForFunction(() => /pre-queue|waiting|admitted/.test(document.querySelector('[data-testid="ticket"]')?.textContent ?? ""));
    await buyer.waitForFunction(() => !(document.querySelector('[data-testid="hold"]') as HTMLButtonElement).disabled, undefined, { timeout: 30_000 });
    await buyer.getByTestId("hold").click();
    await buyer.waitForFunction(() => /holding/.test(document.querySelector('[data-testid="order-box"]')?.textContent ?? ""));
    await buyer.getByTestId("order").click();
    await buyer.waitForFunction(() => /pending/.test(document.querySelector('[data-testid="order-box"]')?.textContent ?? ""));
    await buyer.getByTestId("pay-ok").click();
    await buyer.waitForFunction(() => /paid/.test(document.querySelector('[data-testid="order-box"]')?.textContent ?? ""));
    assert.equal(await buyer.getByTestId("error").textContent(), "");
  });
});
