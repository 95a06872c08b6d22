import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, HoldfastError, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { http } from "../support/http.ts";
import { adminToken, eventually } from "../support/e2e.ts";

const JWT_SECRET = "e2e-overload-secret-0123456789abcdef";
const QUEUE = 5;
const FLOOD = 300;

describe("overload: a flood of commands on one table is refused with retry hints, never queued without bound (e2e through the SDK)", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let admin: string;
  const open: TableConnection[] = [];

  before(async () => {
    // Budgets out of the way (they would refuse the flood per user first): the table's
    // own queue bound is what this suite checks.
    const roomLimits = {
      command: { perSecond: 100_000, burst: 100_000 },
      floodStrikes: 100_000,
      socketMessagesPerSecond: 100_000,
      commandQueue: QUEUE,
    };
    server = await spawnServer({ env: { JWT_SECRET, ROOM_LIMITS: JSON.stringify(roomLimits), HOLD_TTL_SECONDS: "3600", TABLE_LEASE_SECONDS: "5" } });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave()));
    await server?.stop();
  });

  it("answers every command (done or RATE_LIMITED/UNAVAILABLE with retryAfterMs), keeps the client and the lease, and takes commands again after", async () => {
    const tableId = `o-${randomUUID().slice(0, 8)}`;
    const sku = `dish-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 4, options: { branchId: "B1" } } })).status, 201);
    assert.equal((await http(server.url, "PUT", `/api/inventory/${sku}`, { token: admin, body: { stock: 1_000_000, perUserLimit: 1_000_000, name: "Dish", priceCents: 100 } })).status, 200);
    assert.equal((await http(server.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: admin })).status, 200);
    const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
    await client.auth.guest("flooder");
    const conn = await client.tables.join(tableId);
    open.push(conn);
    await conn.sit();
    let closes = 0;
    conn.onStatus((s) => {
      if (s !== "connected") closes++;
    });

    const outcomes = await Promise.allSettled(Array.from({ length: FLOOD }, (_, i) => conn.command("cart.set", { sku, quantity: 1 + (i % 3) })));
    const refused = outcomes.filter((o) => o.status === "rejected").map((o) => HoldfastError.from((o as PromiseRejectedResult).reason));
    const done = outcomes.filter((o) => o.status === "fulfilled").length;
    assert.equal(done + refused.length, FLOOD, "every command answered");
    assert.ok(done >= 1, "some ran");
    assert.ok(refused.length >= 1, "some were refused");
    for (const e of refused) {
      assert.ok(e.code === "RATE_LIMITED" || e.code === "UNAVAILABLE", `refused as busy, not ${e.code}: ${e.message}`);
      assert.ok((e.retryAfterMs ?? 0) > 0, "with a retry hint");
    }
    assert.equal(closes, 0, "the client stayed connected");

    // The table still takes commands, and its lease is held: a command goes through.
    await eventually(async () => conn.command("cart.set", { sku, quantity: 7 }).then(() => true, () => false), undefined, "a command after the flood");
    assert.doesNotMatch(server.output(), /table lease lost/, "the lease survived the flood");
  });
});
