/**
 * One error boundary (server/src/error-boundary.ts): Postgres away during joins is an infrastructure
 * fault, answered UNAVAILABLE (503: retry), never UNAUTHORIZED (final for the SDK), with
 * its cause logged once per window instead of dropped; the SDK keeps trying through the
 * outage and is back in its seat when Postgres returns, both from its reconnect loop and
 * from a page refresh (a fresh join that reclaims a stored seat).
 *
 * Postgres sits behind a TCP proxy (test/support/tcp-proxy.ts) that the test cuts: open
 * connections reset, new ones refused, as when the database host goes away.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import { adminToken, eventually } from "../support/e2e.ts";
import { http } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, skipUnless } from "../support/services.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

const JWT_SECRET = `errors-unavailable-${randomUUID()}`;
/** Session lookups are cached this long (memory cache, verified tokens): then they need Postgres. */
const SESSION_CACHE_TTL_SECONDS = 1;

describe("security: Postgres away during joins -> UNAVAILABLE, and the SDK rides it out", function () {
  this.timeout(180_000);
  let database: { url: string; drop(): Promise<void> } | undefined;
  let pgProxy: TcpProxy;
  let clientProxy: TcpProxy;
  let server: ServerProcess;
  const open: TableConnection[] = [];
  // The SDK's matchmaker calls, counted (Colyseus's client uses the global fetch): the
  // test's barriers that the SDK had its tries, and was answered, during the outage.
  const matchmake = { tried: 0, unavailable: 0 };
  const realFetch = globalThis.fetch;

  before(async function () {
    globalThis.fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.includes("/matchmake/")) return realFetch(input, init);
      matchmake.tried++;
      const res = await realFetch(input, init);
      if (res.status === 503) matchmake.unavailable++;
      return res;
    };
    skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL (Postgres behind a proxy the test cuts)");
    database = await createTestDatabase("errors_unavailable");
    const target = new URL(database!.url);
    pgProxy = await startTcpProxy(Number(target.port || 5432));
    target.hostname = "127.0.0.1";
    target.port = String(pgProxy.port);
    server = await spawnServer({
      timeoutMs: 120_000,
      env: { JWT_SECRET, DATABASE_URL: target.toString(), SESSION_CACHE_TTL_SECONDS: String(SESSION_CACHE_TTL_SECONDS), SEAT_GRACE_SECONDS: "120" },
    });
    // The players reach the server through a proxy too, so the test can drop their sockets.
    clientProxy = await startTcpProxy(server.port);
  });

  after(async () => {
    globalThis.fetch = realFetch;
    pgProxy?.setPaused(false);
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    await server?.stop();
    await clientProxy?.close();
    await pgProxy?.close();
    await database?.drop();
  });

  function cutPostgres(): void {
    pgProxy.setPaused(true);
    pgProxy.dropAll();
  }

  /** Cuts Postgres, then waits until the session's cached lookup is over and it needs Postgres again. */
  async function cutPostgresOnceSessionNeedsIt(token: string): Promise<void> {
    cutPostgres();
    await eventually(
      async () => (await http(server.url, "GET", "/api/auth/session", { token })).status === 503,
      SESSION_CACHE_TTL_SECONDS * 1000,
      "the cached session to lapse",
    );
  }

  const client = (storage = new MemoryStorage()) =>
    new HoldfastClient({ url: clientProxy.url, storage, reconnect: { minDelayMs: 100, maxDelayMs: 400 } });

  const unavailableLines = () => server.output().split("\n").filter((l) => l.includes("backend unavailable"));

  it("a seated player's rejoin is answered UNAVAILABLE (not UNAUTHORIZED) while Postgres is away; the SDK is back in its seat when it returns", async () => {
    const tableId = `unavail-${randomUUID().slice(0, 6)}`;
    const admin = adminToken(JWT_SECRET);
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);

    const player = client();
    await player.auth.guest("steady");
    const conn = await player.tables.join(tableId);
    open.push(conn);
    const { seat } = await conn.sit();
    const statuses: string[] = [];
    conn.onStatus((s) => statuses.push(s));

    await cutPostgresOnceSessionNeedsIt(player.auth.token!);

    // The join itself, as the matchmaker answers it.
    const direct = await http(server.url, "POST", "/matchmake/joinOrCreate/table", { token: player.auth.token, body: { tableId, spectate: true } });
    assert.equal(direct.status, 503, JSON.stringify(direct.body));
    assert.equal(direct.body.error.code, "UNAVAILABLE");
    // HTTP goes through the same boundary: 503 with Retry-After, not 500 or 401.
    const session = await http(server.url, "GET", "/api/auth/session", { token: player.auth.token });
    assert.equal(session.status, 503, JSON.stringify(session.body));
    assert.equal(session.body.error.code, "UNAVAILABLE");
    assert.ok(session.headers.get("retry-after"), "Retry-After");

    // The player's socket drops; its first tries (the reconnection token) cannot get
    // through either, so it goes to the matchmaker with its seat token, into the outage.
    clientProxy.setPaused(true);
    clientProxy.dropAll();
    await eventually(() => conn.status === "reconnecting", 10_000, "reconnecting");
    const before = matchmake.tried;
    await eventually(() => matchmake.tried > before, 10_000, "the reconnection token tried, the matchmaker next");
    clientProxy.setPaused(false);
    // Barrier: several matchmaker answers (UNAVAILABLE) reached the SDK; a final one would have stopped it.
    const answered = matchmake.unavailable;
    await eventually(() => matchmake.unavailable >= answered + 3, 30_000, "the SDK answered UNAVAILABLE three times");
    assert.equal(conn.status, "reconnecting", `gave up during the outage: ${statuses.join(" -> ")}`);

    pgProxy.setPaused(false);
    await eventually(() => conn.status === "restored", 60_000, "restored after Postgres returns");
    assert.equal(conn.seat, seat, "same seat");
    assert.ok(!statuses.includes("lost"), statuses.join(" -> "));

    // The cause was logged, throttled (not once per attempt), without a stack.
    const lines = unavailableLines();
    assert.ok(lines.length >= 1, "the cause is logged");
    assert.ok(lines.length <= 6, `logged ${lines.length} times:\n${lines.join("\n")}`);
    for (const line of lines) {
      assert.match(line, /"cause":\{/, line);
      assert.doesNotMatch(line, /"stack"/, line);
    }
    assert.doesNotMatch(server.output(), /"code":"UNAUTHORIZED"/, "an outage was reported as UNAUTHORIZED");
  });

  it("a page refresh during the outage (a fresh join reclaiming a stored seat) waits for Postgres instead of failing", async () => {
    const tableId = `refresh-${randomUUID().slice(0, 6)}`;
    const admin = adminToken(JWT_SECRET);
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 4 } })).status, 201);
    const storage = new MemoryStorage();
    const tab = client(storage);
    await tab.auth.guest("refresher");
    const first = await tab.tables.join(tableId);
    const { seat } = await first.sit();
    await first.leave(); // the tab closes; the seat is kept for its grace

    await cutPostgresOnceSessionNeedsIt(tab.auth.token!);
    const reopened = client(storage);
    assert.ok(await reopened.auth.restore());
    let settled = false;
    const answered = matchmake.unavailable;
    const joining = reopened.tables.join(tableId).finally(() => (settled = true));
    // Barrier: the join was answered UNAVAILABLE several times and is still waiting.
    await eventually(() => matchmake.unavailable >= answered + 3, 30_000, "the join answered UNAVAILABLE three times");
    assert.equal(settled, false, "the join gave up during the outage");

    pgProxy.setPaused(false);
    const conn = await joining;
    open.push(conn);
    assert.equal(conn.seat, seat, "the stored seat is reclaimed");
  });
});
