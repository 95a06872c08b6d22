import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { http, signInGuest, type JsonResponse } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { adminToken, JWT_SECRET } from "./helpers.ts";

/**
 * `POST /api/holds` has a lean hot path (server/src/holds/holds-fast-path.ts) for plain
 * JSON bodies; anything else goes the general express route. Both must answer alike:
 * the same inputs are sent both ways (a content type parameter the hot path does not
 * take sends a request the general way) and the answers compared.
 */
describe("POST /api/holds hot path answers like the general route", function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let limited: ServerProcess | undefined;
  let token: string;

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, DATA_DIR: ":memory:", RATE_LIMITS: "off" } });
    const admin = adminToken();
    assert.equal((await http(server.url, "PUT", "/api/inventory/fp1", { token: admin, body: { stock: 1000, perUserLimit: 1000 } })).status, 200);
    token = (await signInGuest(server.url, "fast")).token;
  });
  after(async () => {
    await server?.stop();
    await limited?.stop();
  });

  const FAST = "application/json";
  const GENERAL = "application/json; x-route=general";
  /** `auth` null: no Authorization header. */
  const post = (url: string, contentType: string, rawBody: string, auth: string | null = token, headers: Record<string, string> = {}) =>
    http(url, "POST", "/api/holds", { token: auth ?? undefined, rawBody, headers: { "content-type": contentType, ...headers } });
  const summary = (r: JsonResponse) => ({ status: r.status, code: r.body?.error?.code, message: r.body?.error?.message });

  const cases: [label: string, body: string, auth?: string][] = [
    ["bad JSON", "{sku:", undefined],
    ["an empty body", "", undefined],
    ["null", "null", undefined],
    ["an array", "[]", undefined],
    ["a string", '"fp1"', undefined],
    ["an unknown field", JSON.stringify({ sku: "fp1", quantity: 1, extra: true }), undefined],
    ["quantity 0", JSON.stringify({ sku: "fp1", quantity: 0 }), undefined],
    ["quantity 1.5", JSON.stringify({ sku: "fp1", quantity: 1.5 }), undefined],
    ["quantity as a string", JSON.stringify({ sku: "fp1", quantity: "1" }), undefined],
    ["a bad sku", JSON.stringify({ sku: "fp 1", quantity: 1 }), undefined],
    ["an unknown sku", JSON.stringify({ sku: "nope", quantity: 1 }), undefined],
    ["too many units", JSON.stringify({ sku: "fp1", quantity: 1001 }), undefined],
    ["no token", JSON.stringify({ sku: "fp1", quantity: 1 }), ""],
    ["a forged token", JSON.stringify({ sku: "fp1", quantity: 1 }), "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"],
    ["no token and bad JSON (JSON is checked first)", "{", ""],
  ];
  for (const [label, body, auth] of cases) {
    it(`${label}: same status, code and message both ways`, async () => {
      const a = auth === "" ? null : (auth ?? token);
      const fast = await post(server.url, FAST, body, a);
      const general = await post(server.url, GENERAL, body, a);
      assert.notEqual(fast.status, 201);
      assert.deepEqual(summary(fast), summary(general));
      assert.equal(fast.headers.get("content-type"), "application/json; charset=utf-8");
    });
  }

  it("places a hold both ways with the same response shape and headers", async () => {
    const body = JSON.stringify({ sku: "fp1", quantity: 2 });
    for (const ct of [FAST, "application/json; charset=UTF-8", GENERAL]) {
      const r = await post(server.url, ct, body);
      assert.equal(r.status, 201, `${ct}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(Object.keys(r.body).sort(), ["expiresAt", "holdId", "quantity", "sku"]);
      assert.match(r.body.holdId, /^h_[0-9a-f]{16}_fp1$/);
      assert.equal(r.body.quantity, 2);
      assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
      // The same front-door headers as on every route: CORS closed by default, CSP and co.
      assert.equal(r.headers.get("access-control-allow-origin"), null, "CORS is same-origin only by default");
      assert.match(r.headers.get("content-security-policy") ?? "", /script-src 'self'/, "security headers as on every route");
      // Which way answered: only express's res.json adds an ETag.
      assert.equal(r.headers.has("etag"), ct === GENERAL, `${ct} went the ${ct === GENERAL ? "general" : "hot"} way`);
    }
    // A UTF-8 BOM is dropped like the body parser does.
    assert.equal((await post(server.url, FAST, `\uFEFF${body}`)).status, 201);
    const inv = await http(server.url, "GET", "/api/inventory/fp1", { token });
    assert.equal(inv.body.held, 8);
  });

  it("times hot-path requests into the same metrics series as express routes", async () => {
    const count = async (status: number) => {
      const text: string = (await http(server.url, "GET", "/metrics")).body;
      const re = new RegExp(`^holdfast_http_request_duration_seconds_count\\{method="POST",route="/api/holds",status="${status}"\\} (\\d+)`, "m");
      return Number(re.exec(text)?.[1] ?? 0);
    };
    const [ok, bad] = [await count(201), await count(400)];
    assert.equal((await post(server.url, FAST, JSON.stringify({ sku: "fp1", quantity: 1 }))).status, 201);
    assert.equal((await post(server.url, FAST, "{")).status, 400);
    assert.equal(await count(201), ok + 1);
    assert.equal(await count(400), bad + 1);
  });

  it("passes requests with an Idempotency-Key to the general route (replays work)", async () => {
    const key = randomUUID();
    const body = JSON.stringify({ sku: "fp1", quantity: 1 });
    const first = await post(server.url, FAST, body, token, { "idempotency-key": key });
    const again = await post(server.url, FAST, body, token, { "idempotency-key": key });
    assert.equal(first.status, 201);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    const other = await post(server.url, FAST, JSON.stringify({ sku: "fp1", quantity: 2 }), token, { "idempotency-key": key });
    assert.equal(other.body.error.code, "IDEMPOTENCY_CONFLICT");
  });

  it("a body over the limit is 413 both ways", async () => {
    const big = JSON.stringify({ sku: "fp1", quantity: 1, pad: "x".repeat(2_000_000) });
    assert.deepEqual(summary(await post(server.url, FAST, big)), summary(await post(server.url, GENERAL, big)));
    assert.equal((await post(server.url, FAST, big)).status, 413);
  });

  it("a revoked session is refused at once, also after the token was cached", async () => {
    const user = await signInGuest(server.url, "leaver");
    const body = JSON.stringify({ sku: "fp1", quantity: 1 });
    assert.equal((await post(server.url, FAST, body, user.token)).status, 201);
    assert.equal((await post(server.url, FAST, body, user.token)).status, 201);
    assert.equal((await http(server.url, "POST", "/api/auth/logout", { token: user.token })).status, 204);
    const after = await post(server.url, FAST, body, user.token);
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, "UNAUTHORIZED");
  });

  it("charges the holds rate limit like the general route (bad JSON is not charged)", async () => {
    limited = await spawnServer({ env: { JWT_SECRET, DATA_DIR: ":memory:", RATE_LIMITS: JSON.stringify({ holds: { points: 3, durationSeconds: 60 } }) } });
    assert.equal((await http(limited.url, "PUT", "/api/inventory/fp2", { token: adminToken(), body: { stock: 100, perUserLimit: 100 } })).status, 200);
    const user = await signInGuest(limited.url, "limited");
    const body = JSON.stringify({ sku: "fp2", quantity: 1 });
    assert.equal((await post(limited.url, FAST, "{", user.token)).status, 400);
    for (let i = 1; i <= 3; i++) {
      const r = await post(limited.url, i === 2 ? GENERAL : FAST, body, user.token);
      assert.equal(r.status, 201, `hold ${i}: ${JSON.stringify(r.body)}`);
      assert.equal(r.headers.get("ratelimit-remaining"), String(3 - i));
      assert.equal(r.headers.get("ratelimit-limit"), "3");
    }
    for (const ct of [FAST, GENERAL]) {
      const r = await post(limited.url, ct, body, user.token);
      assert.equal(r.status, 429, ct);
      assert.equal(r.body.error.code, "RATE_LIMITED");
      assert.ok(Number(r.headers.get("retry-after")) >= 1);
    }
    // The limit comes before authentication, on both ways.
    assert.equal((await post(limited.url, FAST, body, null)).status, 429);
  });
});
