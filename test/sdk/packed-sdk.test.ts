import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { http as request } from "../support/http.ts";
import { adminToken } from "../support/e2e.ts";
import { skipUnless } from "../support/services.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const JWT_SECRET = "packed-sdk-secret-0123456789abcdef";
const PAYMENT_WEBHOOK_SECRET = "packed-sdk-webhook-secret";

/** The environment a user's process gets: no tsx, no workspace conditions. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/** Runs a command to completion; resolves with its output, rejects with it on a non-zero exit. */
function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      if (err) reject(new Error(`${path.basename(file)} ${args.join(" ")} failed (${err.message}):\n${out}`));
      else resolve(out);
    });
  });
}

/**
 * The SDK as a user gets it: `npm pack` (which builds dist/ through `prepack`), the
 * tarball installed into a scratch project outside the workspace (`@colyseus/sdk` comes
 * from the registry), then the examples of examples/ run from there with plain `node`,
 * and the browser example bundled by esbuild from there and driven in Chromium, all
 * against a real server.
 */
describe("the packed SDK, installed from its tarball into a project outside the workspace", function () {
  this.timeout(600_000);
  let scratch: string;
  let server: ServerProcess;
  let admin: string;
  const node = process.execPath; // Node 22+ (the suite runs on it)

  before(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "holdfast-sdk-user-"));
    // The build `prepack` runs, then the pack itself (its JSON on stdout, unmixed with the build's log).
    execFileSync("npm", ["run", "build", "-w", "client-sdk"], { cwd: ROOT, stdio: "pipe", env: userEnv({}) });
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "-w", "client-sdk", "--ignore-scripts", "--pack-destination", scratch, "--json"], { cwd: ROOT, encoding: "utf8", env: userEnv({}) }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts") && files.includes("dist/index.js.map"), files.join(", "));
    assert.ok(!files.some((f) => f.startsWith("src/")), "the tarball ships the build, not the sources");
    writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "sdk-user", private: true, type: "module" }));
    execFileSync("npm", ["install", path.join(scratch, packed[0].filename), "--no-audit", "--no-fund", "--prefer-offline", "--silent"], {
      cwd: scratch,
      stdio: "pipe",
      env: userEnv({}),
    });
    cpSync(path.join(ROOT, "examples"), path.join(scratch, "examples"), { recursive: true });
    server = await spawnServer({ env: { JWT_SECRET, PAYMENT_WEBHOOK_SECRET }, timeoutMs: 90_000 });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("installs with @colyseus/sdk as its only dependency, and plain node imports both entry points", async () => {
    const installed = JSON.parse(readFileSync(path.join(scratch, "node_modules/@holdfast/client-sdk/package.json"), "utf8"));
    assert.deepEqual(Object.keys(installed.dependencies), ["@colyseus/sdk"]);
    assert.ok(!existsSync(path.join(scratch, "node_modules/@holdfast/shared")), "the private shared package is bundled in, not installed");
    const out = await run(
      node,
      ["--input-type=module", "-e", 'const m = await import("@holdfast/client-sdk"); const n = await import("@holdfast/client-sdk/node"); console.log(typeof m.HoldfastClient, m.ErrorCode.SEAT_TAKEN, typeof n.FileStorage)'],
      scratch,
      userEnv({}),
    );
    assert.equal(out.trim(), "function SEAT_TAKEN function");
  });

  it("its .d.ts stands alone: a TypeScript consumer typechecks against the installed package", async () => {
    for (const file of ["index.d.ts", "node.d.ts"]) {
      const dts = readFileSync(path.join(scratch, "node_modules/@holdfast/client-sdk/dist", file), "utf8");
      assert.doesNotMatch(dts, /from ['"](@holdfast\/shared|zod)|import\(['"](@holdfast\/shared|zod)/, `${file} imports from the private package`);
    }
    writeFileSync(
      path.join(scratch, "consumer.ts"),
      [
        'import { HoldfastClient, HoldfastError, type HoldemTableEvent, type CheckoutOrder } from "@holdfast/client-sdk";',
        "// Would compile against `any` types too: the expected errors below prove the types are real.",
        '// @ts-expect-error: not a hold\'em action',
        'const wrongAction = (t: Awaited<ReturnType<HoldfastClient["tables"]["join"]>>) => t.act("dance"); void wrongAction;',
        'const client = new HoldfastClient({ url: "http://localhost:2567" });',
        'const table = await client.tables.join<HoldemTableEvent>("demo-holdem");',
        'table.onEvent((e) => { if (e.type === "holdem.turn_started") { const seat: number = e.data.seat; void seat; } });',
        '// @ts-expect-error: a turn_started event has no cards',
        'table.onEvent((e) => { if (e.type === "holdem.turn_started") void e.data.cards; });',
        'const order: CheckoutOrder | null = null; void order;',
        'const reply = await table.command("resync", { lastSeq: 0 }); const n: number = reply.toSeq; void n;',
        "try { await table.act(\"call\"); } catch (err) { if (err instanceof HoldfastError && err.retryable) console.log(err.code); }",
        "",
      ].join("\n"),
    );
    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    await run(node, [tsc, "--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--skipLibCheck", "--types", "node", "--typeRoots", path.join(ROOT, "node_modules/@types"), "consumer.ts"], scratch, userEnv({}));
  });

  it("runs the table quickstart (docs/tables.md) with plain node", async () => {
    const out = await run(node, ["examples/table-quickstart.mjs"], scratch, userEnv({ HOLDFAST_URL: server.url }));
    assert.match(out, /sitting in seat \d/);
    assert.match(out, /status: connected/);
    assert.match(out, /seat\.taken/);
  });

  it("two Hold'em bots (docs/holdem.md) play three hands heads-up and stand up", async () => {
    const tableId = `bots-${randomUUID().slice(0, 6)}`;
    assert.equal((await request(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 2 } })).status, 201);
    const env = (name: string) => userEnv({ HOLDFAST_URL: server.url, TABLE: tableId, NAME: name, HANDS: "3" });
    const [ada, bo] = await Promise.all([
      run(node, ["examples/holdem-bot.mjs"], scratch, env("ada"), 180_000),
      run(node, ["examples/holdem-bot.mjs"], scratch, env("bo"), 180_000),
    ]);
    for (const out of [ada, bo]) {
      assert.match(out, /played 3 hands/);
      assert.equal((out.match(/^hand \d: seat \d wins \d+$/gm) ?? []).length >= 3, true, out);
      assert.doesNotMatch(out, /act refused/, out);
    }
    const events = (await request(server.url, "GET", `/api/tables/${tableId}/events?after=0&limit=500`, { token: admin })).body.events as { type: string }[];
    assert.equal(events.filter((e) => e.type === "holdem.hand_ended").length, 3);
  });

  it("runs the HTTP examples (README, docs/operations.md, docs/flash-sales.md, docs/holds-and-orders.md) and the flash-sale buyer", async () => {
    const sh = (script: string, env: Record<string, string>, cwd = scratch) => run("bash", [path.join(scratch, "examples/http", script)], cwd, userEnv({ HOLDFAST_URL: server.url, ...env }));
    const tried = await sh("try-it.sh", {});
    assert.match(tried, /"userId":"[^"]+"/);
    assert.match(tried, /"source":"(cache|database)"/);
    const ops = await sh("admin-token.sh", { JWT_SECRET }, ROOT); // `npm run token` needs the checkout
    assert.match(ops, /"roles":\["admin"\]/);
    const created = await sh("create-sale.sh", { ADMIN: admin });
    assert.equal(JSON.parse(created).sale.saleId, "sneakers", created);
    const bought = await run(node, ["examples/flash-sale-buyer.mjs"], scratch, userEnv({ HOLDFAST_URL: server.url, SALE: "sneakers" }));
    const [, orderId, amountCents] = /order: (o_[0-9a-f-]+) pending (\d+) EUR/.exec(bought) ?? [];
    assert.ok(orderId, bought);
    const paid = JSON.parse(await sh("pay-order.sh", { ORDER_ID: orderId, AMOUNT_CENTS: amountCents, PAYMENT_WEBHOOK_SECRET }));
    assert.equal(paid.status, "paid");
  });

  describe("the browser example, bundled from the installed package by esbuild, in Chromium", () => {
    let browser: Browser;
    let app: string;

    before(async function () {
      skipUnless(this, existsSync(CHROMIUM), `Chromium at ${CHROMIUM}`);
      const bundle = await build({
        entryPoints: [path.join(scratch, "examples/browser/main.js")],
        absWorkingDir: scratch,
        bundle: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        minify: true,
        write: false,
        logLevel: "silent",
      });
      app = bundle.outputFiles[0].text;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        // LocalNetworkAccessChecks: a page served through `route` has no address Chromium
        // knows, counts as public, and would be refused its WebSocket to 127.0.0.1.
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-features=LocalNetworkAccessChecks"],
      });
    });

    after(async () => {
      await browser?.close();
    });

    it("signs in, sits; a second tab of the same browser takes the seat and the first says replaced", async () => {
      const tableId = `web-${randomUUID().slice(0, 6)}`;
      assert.equal((await request(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);
      const html = readFileSync(path.join(scratch, "examples/browser/index.html"), "utf8");
      const context = await browser.newContext();
      try {
        // The page and its bundle are served at the server's origin (same origin: no CORS needed).
        await context.route(`${server.url}/example/**`, (route) => {
          const js = route.request().url().includes("/app.js");
          return route.fulfill({ status: 200, contentType: js ? "text/javascript" : "text/html", body: js ? app : html });
        });
        const errors: string[] = [];
        const tab1 = await context.newPage();
        tab1.on("pageerror", (err) => errors.push(err.message));
        await tab1.goto(`${server.url}/example/index.html?table=${tableId}&name=ann`);
        await tab1.locator("#status", { hasText: "connected" }).waitFor({ timeout: 15_000 }).catch(async (err) => {
          throw new Error(`${err.message}\npage errors: ${errors.join("; ")}\npage: ${await tab1.content()}`);
        });
        await tab1.locator("#sit").click();
        await tab1.locator("#seat", { hasText: /^seat \d$/ }).waitFor();
        const seat = await tab1.locator("#seat").textContent();
        await tab1.locator("#seats", { hasText: "ann 1000" }).waitFor();
        await tab1.locator("#events li", { hasText: "seat.taken" }).first().waitFor();

        // Same browser, same localStorage: the new tab reclaims the stored seat.
        const tab2 = await context.newPage();
        tab2.on("pageerror", (err) => errors.push(err.message));
        await tab2.goto(`${server.url}/example/index.html?table=${tableId}`);
        await tab2.locator("#status", { hasText: "connected" }).waitFor();
        assert.equal(await tab2.locator("#seat").textContent(), seat);
        await tab1.locator("#status", { hasText: "replaced" }).waitFor({ timeout: 10_000 });
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  });
});
