/**
 * HTTP and matchmaker errors, against a real server process: malformed URLs and bodies
 * are 400s, the matchmaker answers in the contract's shape with 4xx statuses (409 for
 * creating a live table, 404 for unknown tables, rooms, methods and room ids), client
 * mistakes are logged at info without a stack and throttled, and the room gauges never go
 * negative.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, HoldfastError, MemoryStorage } from "@holdfast/client-sdk";
import { http, signInGuest, type JsonResponse } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

/** The contract's error body, a 4xx status, and no trace of a stack. */
function assertRefusal(res: JsonResponse, status: number, code: string, what: string): void {
  const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
  assert.equal(res.status, status, `${what}: status (${text})`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, `${what}: JSON`);
  assert.equal(res.body?.error?.code, code, `${what}: code (${text})`);
  assert.equal(typeof res.body.error.message, "string");
  assert.doesNotMatch(text, /\bat \S+ \(|\.ts:\d+|node_modules|stack/i, `${what}: no stack`);
}

describe("security: errors are the client's, not 500s", function () {
  this.timeout(180_000);
  let server: ServerProcess;
  let token: string;

  before(async () => {
    server = await spawnServer({ timeoutMs: 120_000, env: { JWT_SECRET: `errors-http-${randomUUID()}` } });
    token = (await signInGuest(server.url, "errors")).token;
  });
  after(async () => {
    await server?.stop();
  });

  it("malformed percent-encoding in the path is 400 VALIDATION_FAILED", async () => {
    for (const path of ["/api/holds/%E0%A4%A", "/api/tables/%E0%A4%A", "/api/orders/%ZZ", "/%E0%A4%A", "/matchmake/joinOrCreate/%E0%A4%A"]) {
      const method = path.startsWith("/matchmake") ? "POST" : "GET";
      assertRefusal(await http(server.url, method, path, { token, body: method === "POST" ? {} : undefined }), 400, "VALIDATION_FAILED", path);
    }
  });

  it("a corrupt compressed body is 400 VALIDATION_FAILED, on express's parser and on the commerce routes' own", async () => {
    const garbage = "this is not brotli, gzip or deflate";
    for (const [path, encoding] of [
      ["/api/auth/guest", "br"],
      ["/api/auth/guest", "gzip"],
      ["/api/holds", "br"],
      ["/api/orders", "deflate"],
    ] as const) {
      const res = await http(server.url, "POST", path, { token, rawBody: garbage, headers: { "content-encoding": encoding, "idempotency-key": randomUUID() } });
      assertRefusal(res, 400, "VALIDATION_FAILED", `${path} ${encoding}`);
    }
    // The server is unharmed.
    assert.equal((await http(server.url, "GET", "/healthz")).status, 200);
  });

  it("the matchmaker answers {error:{code,message}} with 4xx: live table 409, unknown table/room/method/id 404, bad token 401, bad JSON 400", async () => {
    const mm = (path: string, body: unknown, t: string | undefined = token) => http(server.url, "POST", `/matchmake/${path}`, { token: t, body });
    const live = await mm("joinOrCreate/table", { tableId: "demo-holdem", spectate: true });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    // `create` of a live table is a conflict, of an unknown one not found; where clients may
    // not `create` at all (a matchmaker gate in front), it is FORBIDDEN. Never a 500.
    const createLive = await mm("create/table", { tableId: "demo-holdem" });
    if (createLive.status === 403) assertRefusal(createLive, 403, "FORBIDDEN", "create (not allowed)");
    else {
      assertRefusal(createLive, 409, "CONFLICT", "create a live table");
      assertRefusal(await mm("create/table", { tableId: `nope-${randomUUID().slice(0, 6)}` }), 404, "NOT_FOUND", "create an unknown table");
    }
    assertRefusal(await mm("joinOrCreate/table", { tableId: `nope-${randomUUID().slice(0, 6)}` }), 404, "NOT_FOUND", "join an unknown table");
    assertRefusal(await mm("joinOrCreate/no_such_room", {}), 404, "NOT_FOUND", "unknown room type");
    assertRefusal(await mm("explode/table", {}), 404, "NOT_FOUND", "unknown method");
    assertRefusal(await mm("joinById/doesnotexist", {}), 404, "NOT_FOUND", "unknown room id");
    assertRefusal(await mm("joinOrCreate/table", { tableId: "demo-holdem" }, "not-a-token"), 401, "UNAUTHORIZED", "bad token");
    assertRefusal(await mm("joinOrCreate/table", { tableId: 42 }), 400, "VALIDATION_FAILED", "bad options");
    const badJson = await http(server.url, "POST", "/matchmake/joinOrCreate/table", { token, rawBody: "{nope" });
    assertRefusal(badJson, 400, "VALIDATION_FAILED", "bad JSON");
    // The top-level message is what the Colyseus SDK reads: "CODE: message".
    assert.equal(badJson.body.message, `VALIDATION_FAILED: ${badJson.body.error.message}`);
  });

  it("the SDK still reads the matchmaker's codes", async () => {
    const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
    await client.auth.guest("sdk");
    await assert.rejects(client.tables.join(`nope-${randomUUID().slice(0, 6)}`), (err: unknown) => {
      assert.ok(err instanceof HoldfastError);
      assert.equal(err.code, "NOT_FOUND");
      assert.match(err.message, /does not exist/);
      return true;
    });
  });

  it("failed joins are logged at info without a stack, throttled; room gauges never go negative", async () => {
    const before = server.output().length;
    for (let i = 0; i < 15; i++) {
      const res = await http(server.url, "POST", "/matchmake/joinOrCreate/table", { token, body: { tableId: `ghost-${i}` } });
      assert.equal(res.status, 404);
    }
    const lines = server.output().slice(before).split("\n").filter(Boolean);
    // Throttled: one line per kind of mistake per 10 s (earlier tests made some too).
    const refused = lines.filter((l) => l.includes('"code":"NOT_FOUND"'));
    assert.ok(refused.length <= 2, `15 mistakes logged ${refused.length} times:\n${refused.join("\n")}`);
    const logged = server.output().split("\n").filter((l) => l.includes('"code":"NOT_FOUND"') && l.includes("does not exist"));
    assert.ok(logged.length >= 1, "an unknown table is logged (at info)");
    assert.ok(logged.every((l) => l.includes('"level":30')), "at info");
    for (const line of lines) {
      assert.doesNotMatch(line, /"stack"/, `a stack in the log: ${line.slice(0, 300)}`);
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (level) assert.ok(Number(level) <= 30, `logged above info: ${line.slice(0, 300)}`);
    }

    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    const gauges = metrics.split("\n").filter((l) => /^holdfast_(rooms|connected_clients)\{/.test(l));
    assert.ok(gauges.length > 0, "gauges exported");
    for (const line of gauges) assert.ok(Number(line.split(" ").pop()) >= 0, `negative gauge: ${line}`);
  });
});
