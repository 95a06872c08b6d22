/**
 * A node dies with a seated player who never comes back, and nobody joins the table:
 * the surviving node adopts the table once the dead host's lease expires (its room
 * opens there, restored), marks the player away, and releases the seat at its deadline.
 * Before adoption, the table waited for a join: no room, no deadline, the seat held.
 * Everything is read over HTTP from the surviving node; no client is involved.
 * On one Redis server and on a Redis Cluster.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { adminToken } from "../../tools/src/loadtest/common.ts";
import { http, tableClients } from "../support/http.ts";
import { freePort, spawnServer, type ServerProcess } from "../support/server-process.ts";
import { REDIS_BACKENDS } from "../support/redis-backends.ts";
import { sharedServices } from "../support/services.ts";
import { eventually } from "../continuity/helpers.ts";

const REDIS_DB = 13;
const JWT_SECRET = `adoption-${randomUUID()}`;
const GRACE_SECONDS = 6;
const LEASE_SECONDS = 2;

for (const backend of REDIS_BACKENDS) describe(`adoption on ${backend}: a dead node's tables run on without anyone joining`, function () {
  this.timeout(240_000);
  let services: Awaited<ReturnType<typeof sharedServices>> | undefined;
  let nodeA: ServerProcess | undefined;
  let nodeB: ServerProcess | undefined;
  let conn: TableConnection | undefined;

  before(async function () {
    services = await sharedServices(this, "adoption", REDIS_DB, backend);
    const env = {
      ...services.env,
      JWT_SECRET,
      SEAT_GRACE_SECONDS: String(GRACE_SECONDS),
      HEARTBEAT_SECONDS: "1",
      TABLE_LEASE_SECONDS: String(LEASE_SECONDS),
    };
    const [portA, portB] = await Promise.all([freePort(), freePort()]);
    const [a, b] = await Promise.allSettled([
      spawnServer({ port: portA, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portA}` } }),
      spawnServer({ port: portB, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portB}` } }),
    ]);
    if (a.status === "fulfilled") nodeA = a.value;
    if (b.status === "fulfilled") nodeB = b.value;
    for (const r of [a, b]) if (r.status === "rejected") throw r.reason;
  });

  after(async function () {
    await conn?.leave().catch(() => undefined);
    await Promise.all([nodeA?.stop(), nodeB?.kill()]);
    await services?.cleanup();
  });

  it("kill -9 of the host: the other node adopts the table and releases the away seat at its deadline", async () => {
    const tableId = `adopt-${randomUUID().slice(0, 8)}`;
    const created = await http(nodeA!.url, "POST", "/api/tables", { token: adminToken(JWT_SECRET), body: { tableId, kind: "dining", seats: 4 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    // The player talks to node B only: once B is gone, nothing of theirs reaches node A.
    const player = new HoldfastClient({ url: nodeB!.url, storage: new MemoryStorage(), heartbeatSeconds: 1, reconnect: { minDelayMs: 200, maxDelayMs: 1000 } });
    await player.auth.guest("leaver");
    conn = await player.tables.join(tableId);
    await conn.sit({ seat: 2 });
    await eventually(async () => (await tableClients(nodeB!.url)) >= 1, 10_000, "the table's room is on node B");
    assert.equal(await tableClients(nodeA!.url), 0, "and not on node A");

    const killedAt = Date.now();
    await nodeB!.kill();

    // Adopted: node A opens the table's room (B's stale listing is swept meanwhile), and
    // holds the seat while its deadline runs.
    const table = async () => (await http(nodeA!.url, "GET", `/api/tables/${tableId}`)).body;
    await eventually(() => nodeA!.output().includes(`"tableId":"${tableId}","msg":"adopted a table`), 30_000, "node A adopts the table");
    const adoptedMs = Date.now() - killedAt;
    await eventually(async () => (await table()).live === true, 10_000, "table live on node A");
    await eventually(async () => (await table()).seated === 1, 5000, "the away seat held in the adopted room");

    // Released at its deadline by node A, nobody having joined (then, with nobody left,
    // the room closes).
    const admin = adminToken(JWT_SECRET); // the events API needs a sign-in
    const eventTypes = async () =>
      ((await http(nodeA!.url, "GET", `/api/tables/${tableId}/events?after=0&limit=100`, { token: admin })).body.events as TableEvent[]).map((e) => e.type);
    await eventually(async () => (await eventTypes()).includes("seat.released"), (GRACE_SECONDS + 20) * 1000, "seat released").catch(async (err: Error) => {
      throw new Error(`${err.message}: ${(await eventTypes()).join(",")}\nnode A:\n${nodeA!.output().slice(-3000)}`);
    });
    const releasedMs = Date.now() - killedAt;
    console.log(`      kill -9 -> adopted by node A in ${adoptedMs} ms (lease ${LEASE_SECONDS} s); seat released after ${releasedMs} ms (grace ${GRACE_SECONDS} s)`);
    assert.ok(releasedMs >= GRACE_SECONDS * 1000, "not before the grace ran out");
    const types = await eventTypes();
    assert.equal(types.at(-1), "seat.released", `away, then released: ${types.join(",")}`);
    assert.ok(types.lastIndexOf("seat.away") > types.indexOf("seat.taken"), `the adopting room marked the seat away: ${types.join(",")}`);
    assert.equal((await table()).seated, 0, "nobody holds a seat");
  });
});
