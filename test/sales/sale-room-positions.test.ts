import assert from "node:assert/strict";
import { HoldfastClient, MemoryStorage, type SaleConnection } from "@holdfast/client-sdk";
import { Redis } from "ioredis";
import { positionOf } from "../../server/src/sales/sale-room.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { createTestDatabase, skipUnless, testRedisUrl } from "../support/services.ts";
import { createSale, adminToken, eventually, JWT_SECRET, newSaleId, pool } from "./helpers.ts";

describe("sale room positions: worked out from orders, not read per client", () => {
  it("positionOf: one past the head's order, exact at the head, capped by the line, rising with the order", () => {
    const stats = { headOrder: 11, length: 5 };
    assert.equal(positionOf(11, stats), 1);
    assert.equal(positionOf(13, stats), 3);
    assert.equal(positionOf(40, stats), 5, "never more than the line's length");
    assert.equal(positionOf(10, stats), 0, "the head has passed it: not waiting any more");
    assert.equal(positionOf(12, { headOrder: 0, length: 0 }), 0);
  });

  describe("through a server (Redis, Postgres, the SDK)", function () {
    this.timeout(120_000);
    let server: ServerProcess;
    let db: { url: string; drop(): Promise<void> } | undefined;
    let redis: Redis;
    let admin: string;
    let open: SaleConnection[] = [];

    before(async function () {
      skipUnless(this, Boolean(process.env.REDIS_URL), "REDIS_URL");
      skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL");
      const redisUrl = (await testRedisUrl(10))!;
      redis = new Redis(redisUrl);
      db = await createTestDatabase("sale_positions");
      server = await spawnServer({ env: { REDIS_URL: redisUrl, DATABASE_URL: db!.url, JWT_SECRET, ADMISSION_TTL_SECONDS: "2" } });
      admin = adminToken();
    });

    afterEach(async () => {
      await Promise.all(open.map((c) => c.close().catch(() => undefined)));
      open = [];
    });

    after(async () => {
      await server?.stop();
      await db?.drop();
      redis?.disconnect();
    });

    async function enter(name: string, saleId: string): Promise<SaleConnection> {
      const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
      await client.auth.guest(name);
      const conn = await client.sales.join(saleId);
      open.push(conn);
      return conn;
    }

    /** Commands Redis ran (those inside Lua scripts included, one each), by name. */
    async function commandStats(): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const line of (await redis.info("commandstats")).split("\n")) {
        const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
        if (m) out.set(m[1], Number(m[2]));
      }
      return out;
    }

    /**
     * Redis commands per second while `conns` wait, over a window in which every client
     * got at least one fresh ticket (the room refreshes each one every 3 s, so the window
     * spans several ticks).
     */
    async function waitingCost(conns: SaleConnection[]): Promise<{ perSecond: number; zrank: number }> {
      const before = await commandStats();
      const t0 = Date.now();
      const seen = new Set<number>();
      const listeners = conns.map((c, i) => c.onTicket(() => seen.add(i)));
      try {
        await eventually(() => seen.size === conns.length, 20_000, "every client refreshed");
        await eventually(() => Date.now() - t0 >= 3500, 5000, "a window of several ticks");
      } finally {
        for (const off of listeners) off();
      }
      const after = await commandStats();
      const seconds = (Date.now() - t0) / 1000;
      let total = 0;
      for (const [name, calls] of after) if (name !== "info") total += calls - (before.get(name) ?? 0);
      return { perSecond: total / seconds, zrank: (after.get("zrank") ?? 0) - (before.get("zrank") ?? 0) };
    }

    it("a sale room's Redis work per tick does not grow with its waiting clients", async () => {
      const saleId = newSaleId();
      await createSale(server.url, admin, { saleId, sku: `sku-${saleId}`, quantity: 1, startsAt: Date.now() + 3_600_000, prequeue: "fifo" });
      const few = await pool(5, 5, (i) => enter(`few${i}`, saleId));
      await Promise.all(few.map((c) => c.waitForTicket((t) => t.position > 0)));
      const small = await waitingCost(few);
      const more = await pool(40, 10, (i) => enter(`more${i}`, saleId));
      await Promise.all(more.map((c) => c.waitForTicket((t) => t.position > 0)));
      const large = await waitingCost([...few, ...more]);
      assert.equal(small.zrank + large.zrank, 0, "no place in line is looked up per client while nobody moves");
      // Reading every client's place twice a second would add 2 x 40 commands a second.
      assert.ok(
        large.perSecond < small.perSecond + 20,
        `Redis commands/s with 45 waiting ${large.perSecond.toFixed(1)} vs 5 waiting ${small.perSecond.toFixed(1)}`,
      );
    });

    it("with leavers, places never put anyone behind a later joiner, are exact at the head, and admission follows the join order", async () => {
      const saleId = newSaleId();
      const startsAt = Date.now() + 15_000;
      await createSale(server.url, admin, {
        saleId,
        sku: `sku-${saleId}`,
        quantity: 100,
        startsAt,
        admission: { mode: "rate", perSecond: 2 },
        prequeue: "fifo",
      });
      // Paused until the checks below are done: on a loaded machine the joins can outlast
      // the sale's lead, and no admission may move the line before they are made.
      const operate = async (action: "pause" | "resume") => {
        const res = await fetch(`${server.url}/api/admin/sales/${saleId}/${action}`, { method: "POST", headers: { authorization: `Bearer ${admin}` } });
        assert.equal(res.status, 200, `${action}: ${await res.text()}`);
      };
      await operate("pause");
      const N = 12;
      const conns: SaleConnection[] = [];
      for (let i = 0; i < N; i++) conns.push(await enter(`p${i}`, saleId)); // one at a time: the join order is known
      // Every third buyer (the very first among them) leaves the line.
      const leavers = new Set(conns.map((_, i) => i).filter((i) => i % 3 === 0));
      for (const i of leavers) await conns[i].leave();
      const stayers = conns.filter((_, i) => !leavers.has(i));

      // Before the start: the head is exact although the first to join left; everyone
      // else is shown at least at its true place, never ahead of an earlier joiner.
      await eventually(() => stayers[0].ticket?.position === 1, 5000, "the first stayer shown at the head");
      await eventually(() => stayers.every((c) => c.ticket?.status === "waiting" && c.ticket.position > 0), 5000, "everyone placed");
      assert.ok(stayers.every((c) => c.ticket?.status === "waiting"), "checked before anyone was admitted");
      const positions = stayers.map((c) => c.ticket!.position);
      positions.forEach((p, i) => {
        assert.ok(p >= i + 1, `stayer ${i} shown at ${p}, truly at ${i + 1}`);
        // Equal at worst: past the head's order the place is capped by the line's length.
        if (i > 0) assert.ok(p >= positions[i - 1], `stayer ${i} shown at ${p}, ahead of stayer ${i - 1} at ${positions[i - 1]}`);
      });

      // While the line moves: no stayer is ever shown ahead of an earlier one still
      // waiting, and admissions (their deadlines) follow the join order.
      const violations: string[] = [];
      const admittedUntil: number[] = [];
      stayers.forEach((c, i) =>
        c.onTicket((t) => {
          if (t.status === "admitted" && admittedUntil[i] === undefined) admittedUntil[i] = t.admittedUntil!;
          if (t.status !== "waiting") return;
          for (let j = 0; j < i; j++) {
            const earlier = stayers[j].ticket;
            if (earlier?.status === "waiting" && earlier.position > t.position) violations.push(`${i} at ${t.position}, ${j} at ${earlier.position}`);
          }
        }),
      );
      await operate("resume");
      await eventually(() => admittedUntil.filter((x) => x !== undefined).length === stayers.length, 60_000, "every stayer admitted");
      assert.deepEqual(violations, []);
      for (let i = 1; i < stayers.length; i++) assert.ok(admittedUntil[i] >= admittedUntil[i - 1], `stayer ${i} admitted after stayer ${i - 1}`);
    });
  });
});
