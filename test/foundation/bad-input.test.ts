/**
 * Bad input at the HTTP edge of a real server process: every failure is a JSON
 * `{error:{code, message}}` with a fitting status, never a stack trace or HTML, and the
 * server keeps answering. Also: tokens printed by `npm run token` work against it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { AccessTokens } from "../../server/src/identity/tokens.ts";
import { http, signInGuest, type JsonResponse } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { runEntry } from "./helpers.ts";

const SECRET = `bad-input-secret-${randomUUID()}`;

/** Every error response must be a bare JSON error body: no HTML, no stack. */
function assertCleanError(res: JsonResponse, status: number, code: string): void {
  const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
  assert.equal(res.status, status, `status for ${text}`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, "JSON content type");
  assert.equal(typeof res.body, "object", `body is JSON: ${text}`);
  assert.deepEqual(Object.keys(res.body), ["error"]);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, "string");
  assert.doesNotMatch(text, /<html|<!doctype|<pre>/i, "no HTML");
  assert.doesNotMatch(text, /\bat \S+ \(|\.ts:\d+|node_modules|stack/i, "no stack trace");
}

describe("bad input over HTTP", function () {
  let server: ServerProcess | undefined;
  const claims = () => ({ sub: `u_${randomUUID()}`, sid: `s_${randomUUID()}`, name: "mallory", roles: ["admin"] });

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET: SECRET } });
  });
  after(async () => {
    await server?.stop();
  });

  it("malformed JSON → 400 VALIDATION_FAILED", async () => {
    const res = await http(server!.url, "POST", "/api/auth/guest", { rawBody: '{"name": "ada"' });
    assertCleanError(res, 400, "VALIDATION_FAILED");
  });

  it("unknown routes → 404 NOT_FOUND as JSON (under /api and outside it)", async () => {
    assertCleanError(await http(server!.url, "GET", "/api/no-such-thing"), 404, "NOT_FOUND");
    assertCleanError(await http(server!.url, "DELETE", "/api/auth/guest"), 404, "NOT_FOUND");
    assertCleanError(await http(server!.url, "GET", "/no-such-page"), 404, "NOT_FOUND");
  });

  it("wrong types and unknown fields → 400 VALIDATION_FAILED naming the field", async () => {
    const wrongType = await http(server!.url, "POST", "/api/auth/guest", { body: { name: 123 } });
    assertCleanError(wrongType, 400, "VALIDATION_FAILED");
    assert.match(wrongType.body.error.message, /name/);
    assertCleanError(await http(server!.url, "POST", "/api/auth/guest", { body: { name: "" } }), 400, "VALIDATION_FAILED");
    assertCleanError(await http(server!.url, "POST", "/api/auth/guest", { body: { roles: ["admin"] } }), 400, "VALIDATION_FAILED");
    assertCleanError(await http(server!.url, "POST", "/api/auth/guest", { body: [1, 2] }), 400, "VALIDATION_FAILED");
  });

  it("a body over MAX_BODY_BYTES (64 KB) → 413 PAYLOAD_TOO_LARGE", async () => {
    const res = await http(server!.url, "POST", "/api/auth/guest", { body: { name: "x".repeat(65 * 1024) } });
    assertCleanError(res, 413, "PAYLOAD_TOO_LARGE");
  });

  it("a token signed with another secret → 401 UNAUTHORIZED", async () => {
    const forged = new AccessTokens("some-other-secret-0123456789").sign(claims(), new Date(Date.now() + 60_000));
    assertCleanError(await http(server!.url, "GET", "/api/auth/session", { token: forged }), 401, "UNAUTHORIZED");
  });

  it("a forged admin token for a real session (right ids, wrong secret) → 401", async () => {
    const guest = await signInGuest(server!.url, "eve");
    const forged = jwt.sign({ sub: guest.userId, sid: guest.sessionId, name: "eve", roles: ["admin"], prv: true }, "x".repeat(32), {
      algorithm: "HS256",
      issuer: "holdfast",
      audience: "holdfast:access",
      expiresIn: 60,
    });
    assertCleanError(await http(server!.url, "GET", "/api/auth/session", { token: forged }), 401, "UNAUTHORIZED");
  });

  it("an unsigned (alg: none) token → 401 UNAUTHORIZED", async () => {
    const unsigned = jwt.sign({ ...claims(), iss: "holdfast", aud: "holdfast:access" }, "", { algorithm: "none" });
    assertCleanError(await http(server!.url, "GET", "/api/auth/session", { token: unsigned }), 401, "UNAUTHORIZED");
  });

  it("an expired token signed with the right JWT_SECRET → 401 UNAUTHORIZED", async () => {
    const expired = new AccessTokens(SECRET).sign({ ...claims(), prv: true }, new Date(Date.now() - 60_000));
    const res = await http(server!.url, "GET", "/api/auth/session", { token: expired });
    assertCleanError(res, 401, "UNAUTHORIZED");
    assert.match(res.body.error.message, /expired/);
  });

  it("garbage or missing Authorization headers → 401 UNAUTHORIZED", async () => {
    for (const authorization of ["Bearer", "Bearer not.a.jwt", "Basic YWRtaW46YWRtaW4=", "Bearer a b"]) {
      const res = await http(server!.url, "GET", "/api/auth/session", { headers: { authorization } });
      assertCleanError(res, 401, "UNAUTHORIZED");
    }
  });

  it("still answers /healthz and /readyz afterwards, and logged no fault", async () => {
    assert.equal((await http(server!.url, "GET", "/healthz")).status, 200);
    assert.equal((await http(server!.url, "GET", "/readyz")).status, 200);
    assert.equal(server!.proc.exitCode, null, "still running");
    assert.doesNotMatch(server!.output(), /unhandled error in HTTP request/);
  });

  describe("npm run token", function () {
    it("prints an admin token the server accepts, provisioned on first use and revocable", async () => {
      const run = await runEntry("server/src/cli/token.ts", ["--admin", "--name", "ops"], { JWT_SECRET: SECRET });
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split("\n");
      assert.equal(lines.length, 1, "stdout is just the token");
      const token = lines[0];

      const session = await http(server!.url, "GET", "/api/auth/session", { token });
      assert.equal(session.status, 200, JSON.stringify(session.body));
      assert.deepEqual(session.body.roles, ["admin"]);
      assert.equal(session.body.name, "ops");
      assert.equal(session.body.source, "database", "first use records the session");
      assert.equal((await http(server!.url, "GET", "/api/auth/session", { token })).status, 200);

      assert.equal((await http(server!.url, "POST", "/api/auth/logout", { token })).status, 204);
      assertCleanError(await http(server!.url, "GET", "/api/auth/session", { token }), 401, "UNAUTHORIZED");
    });

    it("without --admin prints a token with no roles; --user-id sets the subject", async () => {
      const run = await runEntry("server/src/cli/token.ts", ["--user-id", "u_loadtest_1"], { JWT_SECRET: SECRET });
      assert.equal(run.code, 0, run.stderr);
      const session = await http(server!.url, "GET", "/api/auth/session", { token: run.stdout.trim() });
      assert.equal(session.status, 200);
      assert.equal(session.body.userId, "u_loadtest_1");
      assert.deepEqual(session.body.roles, []);
    });
  });
});
