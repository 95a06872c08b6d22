/**
 * A newcomer's first run: `npm start` with nothing configured (no Redis, no Postgres,
 * no JWT_SECRET) must come up on embedded defaults and serve the identity API,
 * health, readiness and metrics.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import jwt from "jsonwebtoken";
import { http } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

describe("embedded start (no REDIS_URL, no DATABASE_URL)", function () {
  let dataDir: string;
  let server: ServerProcess | undefined;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-newcomer-"));
    // No JWT_SECRET either, even if the runner's environment has one.
    server = await spawnServer({ dataDir, env: { JWT_SECRET: undefined } });
  });

  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("says it is using a random per-process JWT secret and embedded Postgres", () => {
    const out = server!.output();
    assert.match(out, /JWT_SECRET is not set/);
    assert.match(out, /embedded postgres \(PGlite\) ready/);
    assert.match(out, /"redis":false,"db":"embedded"[^\n]*holdfast node listening/);
  });

  it("GET /healthz answers 200", async () => {
    const res = await http(server!.url, "GET", "/healthz");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ok: true });
  });

  it("GET /readyz answers 200 {redis:{ok,ms}, db:{ok,ms}, draining:false}", async () => {
    const res = await http(server!.url, "GET", "/readyz");
    assert.equal(res.status, 200);
    const { redis, db, draining } = res.body;
    assert.equal(draining, false);
    for (const [name, probe] of [["redis", redis], ["db", db]] as const) {
      assert.equal(probe?.ok, true, `${name}.ok`);
      assert.equal(typeof probe.ms, "number", `${name}.ms`);
      assert.ok(Number.isFinite(probe.ms) && probe.ms >= 0, `${name}.ms = ${probe.ms}`);
      console.log(`      readyz ${name} probe: ${probe.ms} ms`);
    }
  });

  it("guest sign-in, session read-back, logout, then the token is refused", async () => {
    const signIn = await http(server!.url, "POST", "/api/auth/guest", { body: { name: "newcomer" } });
    assert.equal(signIn.status, 201);
    const { userId, name, token, sessionId, expiresAt } = signIn.body;
    assert.equal(name, "newcomer");
    assert.match(userId, /^u_/);
    assert.match(sessionId, /^s_/);
    assert.ok(Date.parse(expiresAt) > Date.now() + 6 * 86_400_000, "session lives about 7 days by default");

    // The access token is an HS256 JWT with sub, sid, name and roles.
    const decoded = jwt.decode(token, { complete: true }) as jwt.Jwt & { payload: jwt.JwtPayload };
    assert.equal(decoded.header.alg, "HS256");
    assert.equal(decoded.payload.sub, userId);
    assert.equal(decoded.payload.sid, sessionId);
    assert.equal(decoded.payload.name, "newcomer");
    assert.deepEqual(decoded.payload.roles, []);

    const session = await http(server!.url, "GET", "/api/auth/session", { token });
    assert.equal(session.status, 200);
    assert.ok(["cache", "database"].includes(session.body.source), `source ${session.body.source}`);
    assert.deepEqual(
      { ...session.body, source: undefined },
      { userId, name, roles: [], sessionId, expiresAt, source: undefined },
    );

    const logout = await http(server!.url, "POST", "/api/auth/logout", { token });
    assert.equal(logout.status, 204);
    assert.equal(logout.body, undefined, "204 has no body");

    for (const [method, route] of [["GET", "/api/auth/session"], ["POST", "/api/auth/logout"]] as const) {
      const refused = await http(server!.url, method, route, { token });
      assert.equal(refused.status, 401, `${method} ${route} after logout`);
      assert.equal(refused.body?.error?.code, "UNAUTHORIZED");
    }
  });

  it("GET /api/auth/session without a token answers 401 UNAUTHORIZED", async () => {
    const res = await http(server!.url, "GET", "/api/auth/session");
    assert.equal(res.status, 401);
    assert.equal(res.body?.error?.code, "UNAUTHORIZED");
  });

  it("GET /metrics is Prometheus text with the HTTP duration histogram by route pattern", async () => {
    const res = await http(server!.url, "GET", "/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    assert.match(res.body, /# TYPE holdfast_http_request_duration_seconds histogram/);
    assert.match(res.body, /^holdfast_table_archive_pending_events \d+$/m, "the archive queue's length");
    assert.match(res.body, /holdfast_http_request_duration_seconds_count\{[^}]*route="\/api\/auth\/session"[^}]*\} \d+/);
    assert.match(res.body, /holdfast_process_cpu_seconds_total/);
  });

  it("keeps its data in DATA_DIR: a restart applies no migrations again", async () => {
    assert.match(server!.output(), /migrations applied/);
    await server!.stop();
    server = await spawnServer({ dataDir, env: { JWT_SECRET: undefined } });
    assert.doesNotMatch(server.output(), /migrations applied/);
    assert.equal((await http(server.url, "GET", "/readyz")).status, 200);
  });
});
