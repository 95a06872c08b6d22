/**
 * Many clients join a table whose room does not exist yet, all at once: the node creates
 * the room once (the others wait for that creation, not for Colyseus's create-lock
 * timeout) and every client gets in, in the same room. With REDIS_URL and DATABASE_URL
 * the server runs on them (the table's lease in Redis, its restore from Postgres: the
 * slow creation that made the other joiners time out and create duplicates).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import { adminToken } from "../support/e2e.ts";
import { http } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, flushRedisDb, testRedisUrl, uniquePrefix } from "../support/services.ts";
import { CONTINUITY_REDIS_DB } from "./helpers.ts";

const JWT_SECRET = "concurrent-create-secret-0123456789abcdef";
const JOINERS = 30;

describe("continuity: concurrent joiners of a table that has no room yet", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let redisUrl: string | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  const conns: TableConnection[] = [];

  before(async () => {
    redisUrl = await testRedisUrl(CONTINUITY_REDIS_DB);
    database = await createTestDatabase("concurrent_create");
    server = await spawnServer({
      env: {
        JWT_SECRET,
        REDIS_URL: redisUrl,
        DATABASE_URL: database?.url,
        REDIS_PREFIX: uniquePrefix("ccreate"),
        RATE_LIMITS: "off",
        // The "hosting a table" / "a second room" lines this test counts are debug lines.
        LOG_LEVEL: "debug",
      },
    });
  });

  after(async () => {
    await Promise.all(conns.map((c) => c.leave().catch(() => undefined)));
    await server?.stop();
    await database?.drop();
    if (redisUrl) await flushRedisDb(redisUrl);
  });

  it(`${JOINERS} joiners at once: one room is created and hosts them all`, async () => {
    const tableId = `cc-${randomUUID().slice(0, 8)}`;
    const created = await http(server.url, "POST", "/api/tables", { token: adminToken(JWT_SECRET), body: { tableId, kind: "dining", seats: 10 } });
    assert.equal(created.status, 201);
    const clients = await Promise.all(
      Array.from({ length: JOINERS }, async (_, i) => {
        const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
        await client.auth.guest(`cc${i}`);
        return client;
      }),
    );

    const joined = await Promise.all(clients.map((c) => c.tables.join(tableId, { spectate: true })));
    conns.push(...joined);

    const roomIds = new Set(joined.map((c) => c.room.roomId));
    assert.equal(roomIds.size, 1, `one room: ${[...roomIds].join(", ")}`);
    const lines = server.output().split("\n").filter((l) => l.includes(tableId));
    assert.equal(lines.filter((l) => l.includes("hosting a table")).length, 1, "the table was hosted once");
    assert.deepEqual(lines.filter((l) => l.includes("a second room for a hosted table")), [], "no duplicate room was created");
  });
});
