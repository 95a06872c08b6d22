import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type Browser, type BrowserContext } from "playwright-core";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import type { ServerProcess } from "../support/server-process.ts";
import { startServerAndChromium } from "./web-browser.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";

const JWT_SECRET = `ops-xss-${randomUUID()}`;
const EVIL_NAME = "<img src=x onerror=window.pwn=1>";

/**
 * The operator console under stored XSS: player names that are markup (an operator sees
 * every seat's name), an operator token whose name is markup. Shown as text, nothing
 * runs, no console errors, and the pasted token never lands in the URL or the page.
 */
describe("browser: the operator console renders user text as text (Chromium)", function () {
  this.timeout(180_000);
  let server: ServerProcess;
  let browser: Browser;
  let context: BrowserContext | undefined;
  const open: TableConnection[] = [];

  before(async function () {
    ({ server, browser } = await startServerAndChromium(this, { JWT_SECRET }));
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
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

    context = await browser.newContext();
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
