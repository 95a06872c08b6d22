import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type Browser, type BrowserContext } from "playwright-core";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import type { ServerProcess } from "../support/server-process.ts";
import { startServerAndChromium } from "./web-browser.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";

const JWT_SECRET = `web-xss-${randomUUID()}`;
const EVIL_NAME = "<img src=x onerror=window.pwn=1>";
const EVIL_NOTE = "<img src=x onerror=window.pwn=2><script>window.pwn=3</script>";

/**
 * Stored XSS in the web app: a guest whose name is markup, and a
 * cart note that is markup, are shown to another viewer as text. Two layers are checked
 * apart: the page builds no element from them (no <img>/<script> in seats or cart), and
 * no script ran (`window.pwn` stays unset). The page is served with a CSP of
 * `script-src 'self'` and still works (the viewer sees the table live). The operator
 * console too: markup player names (an operator sees every seat's name) and an operator
 * token whose name is markup show as text, and the pasted token never lands in the URL
 * or the page.
 */
describe("browser: user text is rendered as text (Chromium)", function () {
  this.timeout(180_000);
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const open: TableConnection[] = [];

  before(async function () {
    ({ server, browser } = await startServerAndChromium(this, { JWT_SECRET }));
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it("a guest named with markup and a cart note with script never run in a viewer's page", async () => {
    const admin = adminToken(JWT_SECRET);
    const tableId = `xss-${randomUUID().slice(0, 6)}`;
    const sku = `tea-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 4, options: { branchId: "B1" } } })).status, 201);
    assert.equal((await http(server.url, "PUT", `/api/inventory/${sku}`, { token: admin, body: { stock: 5, name: "Tea", priceCents: 300 } })).status, 200);
    assert.equal((await http(server.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: admin })).status, 200, "on the branch's menu");

    // The attacker: a guest with a markup name, seated, adding a line with a markup note.
    const attacker = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
    await attacker.auth.guest(EVIL_NAME);
    const conn = await attacker.tables.join(tableId);
    open.push(conn);
    await conn.sit();
    await conn.command("cart.set", { sku, quantity: 1, note: EVIL_NOTE });

    // The viewer: the demo page, seated at that table.
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    const response = await page.goto(server.url);
    const csp = response?.headers()["content-security-policy"] ?? "";
    assert.match(csp, /script-src 'self'/, "the page is served with a CSP");
    await page.getByTestId("guest-name").fill("viewer");
    await page.getByTestId("signin").click();
    // Another diner at the table ("Join" takes a free seat): notes are shown to diners (and branch staff) only.
    await page.locator(`button[data-join="${tableId}"]`).click();
    await page.getByTestId("stand").waitFor({ timeout: 20_000 });
    await page.getByTestId("cart").locator("li").first().waitFor({ timeout: 20_000 });
    await page.waitForFunction((note) => document.querySelector('[data-testid="cart"]')?.textContent?.includes(note), EVIL_NOTE, { timeout: 20_000 });
    await page.locator('[data-testid="seats"] .seat-name').nth(1).waitFor();
    // The attacker's next line arrives as an event too (the history tells it, with the note).
    await conn.command("cart.set", { sku, quantity: 2, note: EVIL_NOTE });
    await page.getByTestId("events").filter({ hasText: EVIL_NOTE }).waitFor({ timeout: 20_000 });

    // Shown as text...
    assert.ok((await page.locator('[data-testid="seats"] .seat-name').allTextContents()).includes(EVIL_NAME), "the name shows as typed");
    assert.ok((await page.getByTestId("cart").textContent())?.includes(EVIL_NOTE), "the note shows as typed");
    assert.ok((await page.getByTestId("cart").textContent())?.includes(`added by ${EVIL_NAME}`), "who added it shows as typed");
    // ...never as elements...
    const injected = await page.evaluate(() => document.querySelectorAll('main img, main script, [data-testid="error"] img').length);
    assert.equal(injected, 0, "markup from user text became elements");
    // ...and nothing ran. Barrier: an image of the same broken src, loaded now, fails; an
    // injected one (requested earlier) would have failed, and run its handler, by then.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const probe = new Image();
          probe.addEventListener("error", () => resolve());
          probe.addEventListener("load", () => resolve());
          probe.src = "x";
        }),
    );
    assert.equal(await page.evaluate(() => (window as unknown as { pwn?: number }).pwn), undefined, "user text ran script");
    assert.deepEqual(pageErrors, [], "the page works under its CSP");
  });

  it("the operator console shows markup names as text, and the operator token stays out of the URL", async () => {
    const admin = adminToken(JWT_SECRET);
    const tableId = `xss-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);
    const watcher = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
    await watcher.auth.guest("watcher");
    const watching = await watcher.tables.join(tableId, { spectate: true });
    open.push(watching);
    // Two markup-named players: one seated and connected, one away.
    for (const [seat, stay] of [[0, true], [2, false]] as const) {
      const attacker = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
      await attacker.auth.guest(EVIL_NAME);
      const conn = await attacker.tables.join(tableId);
      await conn.sit({ seat });
      if (stay) open.push(conn);
      else await conn.leave();
    }
    await eventually(() => watching.state.seats[2]?.status === "away", 30_000, "seat 2 away");

    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => msg.type() === "error" && problems.push(`console error: ${msg.text()}`));
    const token = adminToken(JWT_SECRET, EVIL_NAME);
    await page.goto(`${server.url}/#/ops`);
    await page.getByTestId("ops-token").fill(token);
    await page.getByTestId("ops-token").press("Enter");
    const away = page.getByTestId(`ops-seat-${tableId}-2`);
    await away.and(page.locator('[data-status="away"]')).waitFor();
    await page.getByTestId(`ops-seat-${tableId}-0`).and(page.locator('[data-status="active"]')).waitFor();

    assert.ok((await away.textContent())?.includes(EVIL_NAME), "the name shows as typed");
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-testid="ops"] img, [data-testid="ops"] script').length), 0, "markup became elements");
    assert.equal(await page.evaluate(() => (window as unknown as { pwn?: number }).pwn), undefined, "user text ran script");
    assert.ok(!page.url().includes(token), "the token is in the URL");
    assert.ok(!(await page.evaluate(() => document.body.innerHTML)).includes(token), "the token is in the page");
    assert.deepEqual(problems, [], "no errors in the console");
  });
});
