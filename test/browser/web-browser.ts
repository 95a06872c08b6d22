import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { skipUnless } from "../support/services.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Every view at both widths the app is laid out for (gitignored: test-results/). */
export const SCREENSHOTS = path.resolve("test-results/screenshots");
export const WIDTHS = [1280, 390] as const;

/** Generous: a page on a loaded 2-core machine may take seconds to answer. */
export const UI_TIMEOUT_MS = 30_000;

/**
 * What every browser suite starts with: skips (with the reason) when there is no
 * Chromium, bundles the web app as `npm run build` would, then starts one server
 * (embedded mode, `env` on top) and one headless Chromium.
 */
export async function startServerAndChromium(ctx: Mocha.Context, env: Record<string, string>): Promise<{ server: ServerProcess; browser: Browser }> {
  skipUnless(ctx, existsSync(CHROMIUM), `Chromium at ${CHROMIUM}`);
  execFileSync(process.execPath, ["scripts/build-web.mjs"], { stdio: "ignore" });
  const server = await spawnServer({ timeoutMs: 120_000, env });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  return { server, browser };
}

/** A page of the web app in its own browser context (own storage: another person), with its console watched. */
export interface AppPage {
  /** Who this is (in error messages). */
  label: string;
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

/**
 * One server (embedded mode) and one Chromium for a browser suite: bundles the web app
 * first, as `npm run build` would.
 */
export class BrowserRig {
  server!: ServerProcess;
  browser!: Browser;
  private readonly pages: AppPage[] = [];

  async start(ctx: Mocha.Context, env: Record<string, string>): Promise<void> {
    ({ server: this.server, browser: this.browser } = await startServerAndChromium(ctx, env));
  }

  async stop(): Promise<void> {
    for (const p of this.pages) await p.context.close().catch(() => undefined);
    await this.browser?.close().catch(() => undefined);
    await this.server?.stop();
  }

  /** A new visitor at `hash` (own context), desktop width. */
  async open(hash = "#/", label = "visitor"): Promise<AppPage> {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    const app: AppPage = { label, page, context, errors: [] };
    watchConsole(app, page);
    this.pages.push(app);
    await page.goto(`${this.server.url}/${hash}`);
    return app;
  }

  /** Another tab of the same visitor (same storage). */
  async newTab(app: AppPage, hash: string): Promise<Page> {
    const page = await app.context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    watchConsole(app, page);
    await page.goto(`${this.server.url}/${hash}`);
    return page;
  }

  /** A new visitor signed in as a guest named `name`, in the lobby. */
  async guest(name: string): Promise<AppPage> {
    const app = await this.open("#/", name);
    await app.page.getByTestId("guest-name").fill(name);
    await app.page.getByTestId("signin").click();
    await app.page.getByTestId("signed-in-name").filter({ hasText: name }).waitFor();
    return app;
  }

  /** Screenshots of every page that is still open (on a failure). */
  async shootAll(title: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [i, app] of this.pages.entries()) {
      for (const [j, page] of app.context.pages().entries()) {
        await page.screenshot({ path: path.join(SCREENSHOTS, `failed-${title.replace(/\W+/g, "-")}-${i}-${j}.png`), fullPage: true }).catch(() => undefined);
      }
    }
  }
}

function watchConsole(app: AppPage, page: Page): void {
  page.on("console", (msg) => {
    if (msg.type() === "error") app.errors.push(`${app.label}: console: ${msg.text()} (${page.url()})`);
  });
  page.on("pageerror", (err) => app.errors.push(`${app.label}: page: ${err.message} (${page.url()})`));
}

/** Saves `page` at both widths as `<name>-<width>.png`, then puts the desktop width back. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    // Let the layout settle at the new width (a frame), then check nothing overflows sideways.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `${name} at ${width} px overflows sideways by ${overflow} px`);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Presses Tab until an element matching `selector` has the focus (keyboard use); fails after `maxTabs`. */
export async function tabTo(page: Page, selector: string, maxTabs = 60): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
  }
  assert.fail(`${selector} cannot be reached with Tab`);
}

/** No console errors or uncaught exceptions on any of these pages. */
export function assertNoConsoleErrors(...apps: AppPage[]): void {
  assert.deepEqual(
    apps.flatMap((a) => a.errors),
    [],
    "console errors",
  );
}
