import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";
import { LatencyHistogram } from "../../tools/src/loadtest/latency.ts";

const JWT_SECRET = "e2e-storm-secret-0123456789abcdef";
const CLIENTS = 200;
const TABLES = 20;

/**
 * 200 seated clients over 20 tables lose their connections at the same instant (the
 * proxy resets every socket: no close frame) and must all be seated again.
 * Prints drop-to-restored p50/p99/max.
 */
describe("reconnect storm: 200 seated clients over 20 tables drop at once", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let proxy: TcpProxy;
  const conns: TableConnection[] = [];

  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET, SEAT_GRACE_SECONDS: "60", RATE_LIMITS: "off" } });
    proxy = await startTcpProxy(server.port);
  });

  after(async () => {
    await Promise.all(conns.map((c) => c.leave()));
    await proxy?.close();
    await server?.stop();
  });

  it("restores every seat", async () => {
    const admin = adminToken(JWT_SECRET);
    const tableIds: string[] = [];
    for (let t = 0; t < TABLES; t++) {
      const tableId = `storm-${t}-${randomUUID().slice(0, 6)}`;
      // Dining tables: seats only, so no hands start and the state stays still.
      const res = await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 10 } });
      assert.equal(res.status, 201);
      tableIds.push(tableId);
    }
    const perTable = CLIENTS / TABLES;
    for (let batch = 0; batch < CLIENTS; batch += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async (_, k) => {
          const i = batch + k;
          const client = new HoldfastClient({ url: proxy.url, storage: new MemoryStorage(), reconnect: { minDelayMs: 50, maxDelayMs: 1000 } });
          await client.auth.guest(`p${i}`);
          const conn = await client.tables.join(tableIds[i % TABLES]);
          await conn.sit({ seat: Math.floor(i / TABLES) % perTable });
          conns.push(conn);
        }),
      );
    }
    assert.equal(conns.length, CLIENTS);

    const restoredAt = new Map<TableConnection, number>();
    for (const c of conns) c.onStatus((s) => s === "restored" && restoredAt.set(c, Date.now()));
    const droppedAt = Date.now();
    const dropped = proxy.dropAll();
    assert.ok(dropped >= CLIENTS, `dropped ${dropped} sockets`);

    await eventually(() => restoredAt.size === CLIENTS, 60_000, `${CLIENTS} clients restored`).catch(() => undefined);
    assert.equal(restoredAt.size, CLIENTS, `${restoredAt.size}/${CLIENTS} restored`);
    for (const c of conns) {
      assert.notEqual(c.seat, null);
      const seat = c.state.seats[c.seat!];
      assert.equal(seat.status, "active");
    }
    const times = new LatencyHistogram([...restoredAt.values()].map((t) => t - droppedAt));
    console.log(`      drop -> restored for ${CLIENTS} clients: p50 ${times.at(50)} ms, p99 ${times.at(99)} ms, max ${times.at(100)} ms`);
  });
});
