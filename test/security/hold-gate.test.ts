import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, HoldfastError, MemoryStorage, type SaleConnection, type TableConnection } from "@holdfast/client-sdk";
import { adminToken } from "../support/e2e.ts";
import { http } from "../support/http.ts";
import { testRedisUrl } from "../support/services.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

/**
 * One hold gate (server/src/holds/hold-gate.ts), one case table, every way in: the same
 * cases run against `POST /api/holds` through express (an Idempotency-Key sends it
 * there), its fast path (no key), the `sale` room's `hold` and a dining table's
 * `cart.set`, on a real server driven over HTTP and the SDK. Before the gate, the dining
 * cart answered OK to every sale and limit case (it called the hold store directly) and
 * held dishes that no menu listed.
 *
 * With REDIS_URL the server runs on Redis (limits in Lua); without it, embedded.
 */
const JWT_SECRET = "security-hold-gate-secret-0123456789";

type Channel = "http" | "fast" | "sale-room" | "dining";
const CHANNELS: Channel[] = ["http", "fast", "sale-room", "dining"];

/** What a case sets up: a SKU, maybe in a sale, maybe on the branch menu. */
interface Setup {
  stock?: number;
  /** The SKU's own per-user limit. */
  perUserLimit?: number;
  /** A flash sale on the SKU. */
  sale?: { startsInMs: number; perUserLimit: number; admission: { mode: "stock" } | { mode: "rate"; perSecond: number } };
  /** The buyer waits to be admitted to the sale first. */
  admitted?: boolean;
  onMenu?: boolean;
  /** Units the buyer already holds over HTTP before the attempt. */
  heldBefore?: number;
  /** Units the buyer already has in a pending order before the attempt. */
  orderedBefore?: number;
}

interface Case {
  name: string;
  setup: Setup;
  quantity: number;
  /** Expected answer per channel ("OK" = placed); channels left out do not apply. */
  expect: Partial<Record<Channel, string>>;
}

const everywhere = (code: string) => Object.fromEntries(CHANNELS.map((c) => [c, code])) as Record<Channel, string>;
const notInSale = (code: string) => ({ http: code, fast: code, dining: code });

const UPCOMING = { startsInMs: 3_600_000, perUserLimit: 1, admission: { mode: "stock" as const } };
const OPEN_NOBODY_ADMITTED = { startsInMs: -1000, perUserLimit: 1, admission: { mode: "rate" as const, perSecond: 0.001 } };
const OPEN = { startsInMs: -1000, perUserLimit: 1, admission: { mode: "stock" as const } };

const CASES: Case[] = [
  { name: "a SKU in a sale that has not started", setup: { sale: UPCOMING, onMenu: true }, quantity: 1, expect: everywhere("SALE_NOT_OPEN") },
  { name: "an open sale, buyer not admitted", setup: { sale: OPEN_NOBODY_ADMITTED, onMenu: true }, quantity: 1, expect: everywhere("NOT_ADMITTED") },
  { name: "an admitted buyer over the sale's per-buyer limit", setup: { sale: OPEN, admitted: true, onMenu: true }, quantity: 2, expect: everywhere("HOLD_LIMIT") },
  {
    name: "the sale's per-buyer limit counted across paths (1 unit held over HTTP first)",
    setup: { sale: OPEN, admitted: true, onMenu: true, heldBefore: 1 },
    quantity: 1,
    expect: everywhere("HOLD_LIMIT"),
  },
  { name: "over the SKU's own per-user limit", setup: { perUserLimit: 2, onMenu: true }, quantity: 3, expect: notInSale("HOLD_LIMIT") },
  {
    name: "the SKU's limit counted across orders (2 in a pending order first)",
    setup: { perUserLimit: 2, onMenu: true, orderedBefore: 2 },
    quantity: 1,
    expect: notInSale("HOLD_LIMIT"),
  },
  {
    name: "the SKU's limit counted across holds and carts (2 held over HTTP first)",
    setup: { perUserLimit: 2, onMenu: true, heldBefore: 2 },
    quantity: 1,
    expect: notInSale("HOLD_LIMIT"),
  },
  { name: "a SKU on no menu", setup: { onMenu: false }, quantity: 1, expect: { http: "OK", fast: "OK", dining: "NOT_ON_MENU" } },
  { name: "a dish on the menu, within every limit", setup: { onMenu: true }, quantity: 2, expect: notInSale("OK") },
];

describe("security: every hold passes one gate (same cases over HTTP, fast path, sale room, dining cart)", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let admin: string;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    const redisUrl = await testRedisUrl(12);
    // The concurrency case sends 20 cart.set at once from one diner: more than the default
    // per-user command burst (20, with the sits), which would answer some RATE_LIMITED.
    const roomLimits = JSON.stringify({ command: { perSecond: 5, burst: 100 } });
    server = await spawnServer({ env: { JWT_SECRET, ROOM_LIMITS: roomLimits, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) }, timeoutMs: 90_000 });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(closers.map((c) => c().catch(() => undefined)));
    await server?.stop();
  });

  /** Everything one attempt needs: a fresh SKU (and sale), a fresh buyer, their sockets. */
  async function arrange(setup: Setup) {
    const sku = `gate-${randomUUID().slice(0, 8)}`;
    const stock = setup.stock ?? 20;
    let saleId: string | undefined;
    if (setup.sale) {
      saleId = `sale-${randomUUID().slice(0, 8)}`;
      const res = await http(server.url, "POST", "/api/sales", {
        token: admin,
        body: {
          saleId,
          sku,
          quantity: stock,
          perUserLimit: setup.sale.perUserLimit,
          startsAt: new Date(Date.now() + setup.sale.startsInMs).toISOString(),
          admission: setup.sale.admission,
          prequeue: "fifo",
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    } else {
      const body = { stock, priceCents: 100, ...(setup.perUserLimit ? { perUserLimit: setup.perUserLimit } : {}) };
      assert.equal((await http(server.url, "PUT", `/api/inventory/${sku}`, { token: admin, body })).status, 200);
    }
    if (setup.onMenu) assert.equal((await http(server.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: admin })).status, 200);

    const buyer = new HoldfastClient({ url: server.url, storage: new MemoryStorage() });
    await buyer.auth.guest("buyer");
    let sale: SaleConnection | undefined;
    let admissionToken: string | undefined;
    if (saleId) {
      sale = await buyer.sales.join(saleId);
      closers.push(() => sale!.close());
      if (setup.admitted) admissionToken = (await sale.waitFor("admitted", 10_000)).admissionToken;
    }
    const httpHold = (quantity: number, viaExpress: boolean) =>
      http(server.url, "POST", "/api/holds", {
        token: buyer.auth.token!,
        body: { sku, quantity, ...(saleId ? { saleId } : {}), ...(admissionToken ? { admissionToken } : {}) },
        headers: viaExpress ? { "idempotency-key": randomUUID() } : {},
      });
    if (setup.heldBefore) {
      const first = await httpHold(setup.heldBefore, true);
      assert.equal(first.status, 201, `the hold before the attempt: ${JSON.stringify(first.body)}`);
    }
    let orderId: string | undefined;
    if (setup.orderedBefore) {
      const held = await httpHold(setup.orderedBefore, true);
      const order = await http(server.url, "POST", "/api/orders", {
        token: buyer.auth.token!,
        body: { holdIds: [held.body.holdId] },
        headers: { "idempotency-key": randomUUID() },
      });
      assert.equal(order.status, 201, `the order before the attempt: ${JSON.stringify(order.body)}`);
      orderId = order.body.order.orderId;
    }
    return { sku, buyer, sale, httpHold, orderId };
  }

  async function attempt(channel: Channel, setup: Setup, quantity: number): Promise<string> {
    const { sku, buyer, sale, httpHold } = await arrange(setup);
    const answer = async (run: () => Promise<unknown>) => {
      try {
        await run();
        return "OK";
      } catch (err) {
        return HoldfastError.from(err).code;
      }
    };
    switch (channel) {
      case "http":
      case "fast": {
        const res = await httpHold(quantity, channel === "http");
        return res.status === 201 ? "OK" : String(res.body?.error?.code ?? res.status);
      }
      case "sale-room":
        return answer(() => sale!.hold(quantity));
      case "dining": {
        const tableId = `gate-${randomUUID().slice(0, 8)}`;
        const made = await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 2, options: { branchId: "B1" } } });
        assert.equal(made.status, 201);
        const table: TableConnection = await buyer.tables.join(tableId);
        closers.push(() => table.leave());
        await table.sit();
        return answer(() => table.command("cart.set", { sku, quantity }));
      }
    }
  }

  for (const c of CASES) {
    for (const channel of CHANNELS) {
      const expected = c.expect[channel];
      if (expected === undefined) continue;
      it(`${c.name}: ${channel} answers ${expected}`, async () => {
        assert.equal(await attempt(channel, c.setup, c.quantity), expected);
      });
    }
  }

  it("the per-buyer limit holds under concurrency: 30 one-unit attempts at once over the fast path and two tables hold exactly the limit", async () => {
    const { sku, buyer, httpHold } = await arrange({ perUserLimit: 3, onMenu: true, stock: 100 });
    const tables: TableConnection[] = [];
    for (let i = 0; i < 2; i++) {
      const tableId = `gate-${randomUUID().slice(0, 8)}`;
      await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 2, options: { branchId: "B1" } } });
      const table = await buyer.tables.join(tableId);
      closers.push(() => table.leave());
      await table.sit();
      tables.push(table);
    }
    // Each table's lines: one per note, so every attempt asks for one more unit.
    const attempts = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? httpHold(1, false).then((r) => (r.status === 201 ? "OK" : r.body.error.code))
        : tables[i % 3 === 1 ? 0 : 1]
            .command("cart.set", { sku, quantity: 1, note: `n${i}` })
            .then(() => "OK")
            .catch((err) => HoldfastError.from(err).code),
    );
    const answers = await Promise.all(attempts);
    assert.equal(answers.filter((a) => a === "OK").length, 3, answers.join(","));
    assert.ok(answers.every((a) => a === "OK" || a === "HOLD_LIMIT"), answers.join(","));
    const inv = (await http(server.url, "GET", `/api/inventory/${sku}`, { token: admin })).body;
    assert.equal(inv.held, 3);
  });

  it("an order's units count until the order ends: cancelling it gives the buyer's allowance back", async () => {
    const { httpHold, buyer, orderId } = await arrange({ perUserLimit: 2, onMenu: true, orderedBefore: 2 });
    assert.equal((await httpHold(1, false)).body.error?.code, "HOLD_LIMIT");
    assert.equal((await http(server.url, "POST", `/api/orders/${orderId}/cancel`, { token: buyer.auth.token! })).status, 200);
    assert.equal((await httpHold(2, false)).status, 201);
  });

  it("checkout passes the gate too: a dish taken off the menu after it was put in the cart is not ordered", async () => {
    const { sku, buyer } = await arrange({ onMenu: true });
    const tableId = `gate-${randomUUID().slice(0, 8)}`;
    await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "dining", seats: 2, options: { branchId: "B1" } } });
    const table = await buyer.tables.join(tableId);
    closers.push(() => table.leave());
    await table.sit();
    await table.command("cart.set", { sku, quantity: 1 });
    assert.equal((await http(server.url, "DELETE", `/api/branches/B1/menu/${sku}`, { token: admin })).status, 204);
    await assert.rejects(table.command("checkout", {}), (err) => HoldfastError.from(err).code === "NOT_ON_MENU");
    // Lowering or removing the line is always allowed.
    await table.command("cart.set", { sku, quantity: 0 });
  });
});
