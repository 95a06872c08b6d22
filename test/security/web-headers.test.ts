/**
 * Web: security headers on every response (the demo page, the API,
 * the matchmaker), CORS closed to other sites unless allowlisted (`CORS_ORIGINS`), and
 * `/metrics` behind `METRICS_TOKEN`. Against a real server process.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { matchMaker } from "@colyseus/core";
import { restrictCors } from "../../server/src/http/security-headers.ts";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

const ALLOWED = "https://shop.example";
const EVIL = "https://evil.example";
const METRICS_TOKEN = randomBytes(24).toString("hex");

describe("security: headers, CORS allowlist, /metrics token", function () {
  this.timeout(180_000);
  let server: ServerProcess;

  before(async () => {
    server = await spawnServer({ timeoutMs: 120_000, env: { JWT_SECRET: `web-headers-${randomUUID()}`, CORS_ORIGINS: ALLOWED, METRICS_TOKEN } });
  });
  after(async () => {
    await server?.stop();
  });

  function assertSecurityHeaders(headers: Headers, what: string): void {
    const csp = headers.get("content-security-policy") ?? "";
    assert.match(csp, /(^|;)\s*script-src 'self'(;|$)/, `${what}: CSP script-src 'self' (${csp})`);
    assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP frame-ancestors`);
    assert.match(csp, /object-src 'none'/, `${what}: CSP object-src`);
    assert.equal(headers.get("x-content-type-options"), "nosniff", `${what}: nosniff`);
    assert.equal(headers.get("x-frame-options"), "DENY", `${what}: X-Frame-Options`);
    assert.equal(headers.get("referrer-policy"), "no-referrer", `${what}: Referrer-Policy`);
  }

  it("the page, the API, the hot hold path and the matchmaker all carry CSP, nosniff, frame and referrer policies", async () => {
    const { token } = await signInGuest(server.url, "headers");
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assertSecurityHeaders(page.headers, "GET /");
    assertSecurityHeaders((await fetch(`${server.url}/build/app.js`)).headers, "GET /build/app.js");
    assertSecurityHeaders((await http(server.url, "GET", "/api/tables")).headers, "GET /api/tables");
    assertSecurityHeaders((await http(server.url, "GET", "/api/nope")).headers, "404");
    const hold = await http(server.url, "POST", "/api/holds", { token, body: { sku: "ramen", quantity: 1 } });
    assertSecurityHeaders(hold.headers, "POST /api/holds (hot path)");
    const join = await http(server.url, "POST", "/matchmake/joinOrCreate/table", { token, body: { tableId: "demo-holdem", spectate: true } });
    assert.equal(join.status, 200, JSON.stringify(join.body));
    assertSecurityHeaders(join.headers, "POST /matchmake");
  });

  it("the web app has nothing a `script-src 'self'` / `style-src 'self'` CSP would block, and no innerHTML", () => {
    const publicDir = path.resolve("server/public");
    const html = readFileSync(path.join(publicDir, "index.html"), "utf8");
    for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) assert.match(tag, /\bsrc=/, `inline script: ${tag}`);
    assert.doesNotMatch(html, /<style\b/i, "inline <style>");
    assert.doesNotMatch(html, /\sstyle=/i, "style attribute");
    assert.doesNotMatch(html, /\son[a-z]+=/i, "inline event handler");
    assert.doesNotMatch(html, /javascript:/i, "javascript: URL");
    // The app's sources (the bundle holds Preact, whose code can set innerHTML for
    // dangerouslySetInnerHTML: the app must never use it).
    const sourceDir = path.resolve("web/src");
    for (const file of readdirSync(sourceDir, { recursive: true, encoding: "utf8" }).filter((f) => /\.tsx?$/.test(f))) {
      const source = readFileSync(path.join(sourceDir, file), "utf8");
      assert.doesNotMatch(source, /dangerouslySetInnerHTML|\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/, `${file} writes markup`);
      assert.doesNotMatch(source, /\sstyle=\{|\.style\.|setAttribute\("style"/, `${file} sets inline styles`);
    }
  });

  it("CORS: another site's Origin gets no CORS header (simple request, preflight, matchmaker); an allowlisted one is let in with credentials", async () => {
    const { token } = await signInGuest(server.url, "cors");
    for (const origin of [EVIL, "null"]) {
      const simple = await http(server.url, "GET", "/api/tables", { headers: { origin } });
      assert.equal(simple.status, 200);
      assert.equal(simple.headers.get("access-control-allow-origin"), null, `${origin}: GET reflects the origin`);
      assert.equal(simple.headers.get("access-control-allow-credentials"), null);
      const preflight = await fetch(`${server.url}/api/auth/session`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
      });
      assert.equal(preflight.headers.get("access-control-allow-origin"), null, `${origin}: preflight allowed`);
      const mm = await http(server.url, "POST", "/matchmake/joinOrCreate/table", { token, headers: { origin }, body: { tableId: "demo-holdem", spectate: true } });
      assert.equal(mm.headers.get("access-control-allow-origin"), null, `${origin}: matchmaker allowed`);
    }
    const allowed = await http(server.url, "GET", "/api/tables", { headers: { origin: ALLOWED } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), ALLOWED);
    assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
    assert.match(allowed.headers.get("vary") ?? "", /Origin/i);
    const preflight = await fetch(`${server.url}/api/auth/session`, {
      method: "OPTIONS",
      headers: { origin: ALLOWED, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), ALLOWED);
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/i);
  });

  it("CORS with CORS_ORIGINS unset: same origin only (no Origin is ever allowed)", () => {
    const controller = matchMaker.controller as { getCorsHeaders(h: Headers): Record<string, string>; DEFAULT_CORS_HEADERS: Record<string, string> };
    const saved = { get: controller.getCorsHeaders, defaults: controller.DEFAULT_CORS_HEADERS };
    try {
      restrictCors([]);
      assert.deepEqual(controller.DEFAULT_CORS_HEADERS, {});
      for (const origin of [EVIL, ALLOWED, "null"]) assert.deepEqual(controller.getCorsHeaders(new Headers({ origin })), {}, origin);
    } finally {
      controller.getCorsHeaders = saved.get;
      controller.DEFAULT_CORS_HEADERS = saved.defaults;
    }
  });

  it("/metrics answers only with `Authorization: Bearer <METRICS_TOKEN>`", async () => {
    const none = await http(server.url, "GET", "/metrics");
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, "UNAUTHORIZED");
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    const wrong = await http(server.url, "GET", "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN.slice(1)}x` } });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /holdfast_http_request_duration_seconds/);
    // Health and readiness stay open for load balancers.
    assert.equal((await http(server.url, "GET", "/healthz")).status, 200);
  });
});
