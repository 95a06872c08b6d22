/**
 * The HTTP rate limits (server/src/http/rate-limits.ts), wired into a tiny express app
 * the way app.ts wires them, against the memory limiter and the Redis one, with one
 * test body for both.
 */
import assert from "node:assert/strict";
import express from "express";
import { DEFAULT_RATE_LIMITS, type RateLimitClass, type RateLimitRule } from "../../server/src/config.ts";
import { errorHandler } from "../../server/src/http/errors-middleware.ts";
import { RateLimits } from "../../server/src/http/rate-limits.ts";
import { RedisKeys } from "../../server/src/redis/keys.ts";
import { http } from "../support/http.ts";
import { uniquePrefix } from "../support/services.ts";
import { keysUnder, REDIS_BACKENDS } from "../support/redis-backends.ts";
import { listen, redisForSuite, silentLogger } from "./helpers.ts";

type Rules = Record<RateLimitClass, RateLimitRule> | null;
type MakeLimits = (rules: Rules) => RateLimits;

const SIGNIN_POINTS = 3;
const RULES: Rules = { ...DEFAULT_RATE_LIMITS, signin: { points: SIGNIN_POINTS, durationSeconds: 60 } };

/** An app with one route per class, mounted like the real one, plus the real error handler. */
async function appWith(limits: RateLimits) {
  const app = express();
  app.set("trust proxy", "loopback");
  app.post("/signin", limits.middleware("signin"), (_req, res) => void res.status(201).json({ ok: true }));
  app.get("/other", limits.middleware("default"), (_req, res) => void res.json({ ok: true }));
  app.use(errorHandler(silentLogger()));
  return listen(app);
}

function rateLimitContract(getMake: () => MakeLimits): void {
  const servers: { close(): Promise<void> }[] = [];
  const start = async (rules: Rules) => {
    const s = await appWith(getMake()(rules));
    servers.push(s);
    return s.url;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it(`allows ${SIGNIN_POINTS} sign-ins, then answers 429 RATE_LIMITED with Retry-After and RateLimit-*`, async () => {
    const url = await start(RULES);
    for (let i = 1; i <= SIGNIN_POINTS; i++) {
      const ok = await http(url, "POST", "/signin");
      assert.equal(ok.status, 201, `request ${i}`);
      assert.equal(ok.headers.get("ratelimit-limit"), String(SIGNIN_POINTS));
      assert.equal(ok.headers.get("ratelimit-remaining"), String(SIGNIN_POINTS - i));
      assert.equal(ok.headers.get("ratelimit-policy"), `${SIGNIN_POINTS};w=60`);
    }
    const limited = await http(url, "POST", "/signin");
    assert.equal(limited.status, 429);
    assert.equal(limited.body?.error?.code, "RATE_LIMITED");
    assert.equal(typeof limited.body.error.message, "string");
    assert.match(limited.headers.get("content-type") ?? "", /application\/json/);
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(limited.headers.get("ratelimit-limit"), String(SIGNIN_POINTS));
    assert.equal(limited.headers.get("ratelimit-remaining"), "0");
    const reset = Number(limited.headers.get("ratelimit-reset"));
    assert.ok(reset >= 1 && reset <= 60, `RateLimit-Reset ${reset}`);
  });

  it("counts each route class separately", async () => {
    const url = await start(RULES);
    for (let i = 0; i <= SIGNIN_POINTS; i++) await http(url, "POST", "/signin");
    assert.equal((await http(url, "POST", "/signin")).status, 429);
    const other = await http(url, "GET", "/other");
    assert.equal(other.status, 200);
    assert.equal(other.headers.get("ratelimit-limit"), String(DEFAULT_RATE_LIMITS.default.points));
  });

  it("RATE_LIMITS=off (no rules) lets everything through without headers", async () => {
    const url = await start(null);
    for (let i = 0; i < SIGNIN_POINTS * 3; i++) {
      const res = await http(url, "POST", "/signin");
      assert.equal(res.status, 201);
      assert.equal(res.headers.get("ratelimit-limit"), null);
    }
  });
}

describe("rate limits contract", function () {
  describe("memory", function () {
    rateLimitContract(() => (rules) => new RateLimits(rules, { keys: new RedisKeys(uniquePrefix("rl")) }, silentLogger()));
  });

  for (const backend of REDIS_BACKENDS) describe(backend, function () {
    const prefix = uniquePrefix("rate-limits");
    const suite = redisForSuite(prefix, "Redis rate limiter", backend);
    let n = 0;
    // A fresh key prefix per limiter set, all under `prefix` for cleanup.
    const make: MakeLimits = (rules) =>
      new RateLimits(rules, { redis: suite.redis, keys: new RedisKeys(`${prefix}${++n}:`) }, silentLogger());

    rateLimitContract(() => make);

    it("keeps its counters in Redis under the key prefix", async function () {
      const keys = new RedisKeys(`${prefix}keys:`);
      const s = await appWith(new RateLimits(RULES, { redis: suite.redis, keys }, silentLogger()));
      try {
        assert.equal((await http(s.url, "POST", "/signin")).status, 201);
        const found = await keysUnder(suite.redis, `${prefix}keys:`);
        assert.ok(found.some((k) => k.startsWith(keys.rateLimit("signin"))), `keys: ${found.join(", ")}`);
      } finally {
        await s.close();
      }
    });

    it("two nodes sharing Redis share one budget", async function () {
      const keys = new RedisKeys(`${prefix}shared:`);
      const a = await appWith(new RateLimits(RULES, { redis: suite.redis, keys }, silentLogger()));
      const b = await appWith(new RateLimits(RULES, { redis: suite.redis, keys }, silentLogger()));
      try {
        const statuses: number[] = [];
        for (let i = 0; i <= SIGNIN_POINTS; i++) statuses.push((await http(i % 2 ? b.url : a.url, "POST", "/signin")).status);
        assert.deepEqual(statuses, [...Array(SIGNIN_POINTS).fill(201), 429]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
});
