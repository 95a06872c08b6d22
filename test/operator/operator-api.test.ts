import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { adminToken, eventually } from "../support/e2e.ts";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

const JWT_SECRET = `operator-api-${randomUUID()}`;

/**
 * The operator API (`/api/admin`) over HTTP on a real server (embedded mode): who may
 * see and do what, an away seat released through the table's room (the other clients
 * see the event), a pause that stops admission, the nodes list.
 */
describe("operator API (e2e over HTTP and the SDK)", function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let admin: string;
  const open: TableConnection[] = [];

  before(async () => {
    // A long grace: an away seat stays away until the operator releases it.
    server = await spawnServer({ env: { JWT_SECRET, SEAT_GRACE_SECONDS: "600", HEARTBEAT_SECONDS: "1" } });
    admin = adminToken(JWT_SECRET);
  });

  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    await server?.stop();
  });

  const call = (method: string, path: string, token?: string) => http(server.url, method, `/api/admin${path}`, { token });

  async function newTable(kind: "holdem" | "dining", options: Record<string, unknown> = {}): Promise<string> {
    const tableId = `op-${randomUUID().slice(0, 8)}`;
    const res = await http(server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind, seats: 4, options } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return tableId;
  }

  async function player(name: string) {
    const client = new HoldfastClient({ url: server.url, storage: new MemoryStorage(), heartbeatSeconds: 1 });
    await client.auth.guest(name);
    return client;
  }

  async function join(client: HoldfastClient, tableId: string, options: { spectate?: boolean } = {}) {
    const conn = await client.tables.join(tableId, options);
    open.push(conn);
    return conn;
  }

  /** A branch with one staff member; returns the staff member's token. */
  async function branchWithStaff(branchId: string): Promise<string> {
    assert.equal((await http(server.url, "POST", "/api/branches", { token: admin, body: { branchId, name: branchId } })).status, 201);
    const staff = await signInGuest(server.url, `staff-${branchId}`);
    const grant = await http(server.url, "PUT", `/api/branches/${branchId}/staff/${staff.userId}`, { token: admin });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    return staff.token;
  }

  /** A seated player who dropped (left without standing): their seat is away. */
  async function awaySeat(tableId: string, seat: number, watcher: TableConnection) {
    const p = await join(await player(`away-${seat}`), tableId);
    await p.sit({ seat });
    await p.leave();
    await eventually(() => watcher.state.seats[seat]?.status === "away", 30_000, `seat ${seat} away`);
  }

  it("refuses callers without a session (401) and guests without a grant (403), with contract codes", async () => {
    const guest = await signInGuest(server.url, "nobody");
    for (const path of ["/tables", "/sales", "/orders", "/nodes", "/scope"]) {
      const anonymous = await call("GET", path);
      assert.equal(anonymous.status, 401, path);
      assert.equal(anonymous.body.error.code, "UNAUTHORIZED");
      const refused = await call("GET", path, guest.token);
      assert.equal(refused.status, 403, path);
      assert.equal(refused.body.error.code, "FORBIDDEN");
    }
    const release = await call("POST", "/tables/demo-holdem/seats/0/release", guest.token);
    assert.equal(release.status, 403);
  });

  it("branch staff see and act on their branch only; sales and nodes are for admins", async () => {
    const staffA = await branchWithStaff("OPA");
    await ensureBranch("OPB");
    const ownTable = await newTable("dining", { branchId: "OPA" });
    const theirs = await newTable("dining", { branchId: "OPB" });
    await join(await player("w-own"), ownTable, { spectate: true });
    await join(await player("w-theirs"), theirs, { spectate: true });
    await eventually(async () => (await call("GET", "/tables", admin)).body.tables.length >= 2, 30_000, "two live tables");

    const scope = await call("GET", "/scope", staffA);
    assert.deepEqual(scope.body, { userId: scope.body.userId, admin: false, branches: ["OPA"] });
    const listed = await call("GET", "/tables", staffA);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.tables.map((t: { tableId: string }) => t.tableId),
      [ownTable],
    );
    const otherBranch = await call("POST", `/tables/${theirs}/close`, staffA);
    assert.equal(otherBranch.status, 403);
    assert.equal(otherBranch.body.error.code, "FORBIDDEN");
    const noBranch = await call("POST", "/tables/demo-holdem/seats/0/release", staffA);
    assert.equal(noBranch.status, 403, "a table without a branch is for admins");
    assert.equal((await call("GET", "/sales", staffA)).status, 403);
    assert.equal((await call("GET", "/nodes", staffA)).status, 403);
    assert.equal((await call("POST", "/sales/whatever/pause", staffA)).status, 403);
    const orders = await call("GET", "/orders?status=pending", staffA);
    assert.equal(orders.status, 200);
    assert.ok(orders.body.orders.every((o: { branchId: string }) => o.branchId === "OPA"));

    // Their own branch: closing the table works (nobody seated: nothing released).
    const closed = await call("POST", `/tables/${ownTable}/close`, staffA);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.deepEqual(closed.body.released, []);
  });

  async function ensureBranch(branchId: string): Promise<string> {
    const res = await http(server.url, "POST", "/api/branches", { token: admin, body: { branchId, name: branchId } });
    assert.equal(res.status, 201);
    return branchId;
  }

  it("an admin releases an away seat: the room's seat.released event reaches the others and the seat is free", async () => {
    const tableId = await newTable("holdem");
    const watcher = await join(await player("watcher"), tableId, { spectate: true });
    const seen: TableEvent[] = [];
    watcher.onEvent((e) => seen.push(e));
    const active = await join(await player("active"), tableId);
    await active.sit({ seat: 0 });
    await awaySeat(tableId, 2, watcher);

    const listed = await call("GET", "/tables", admin);
    const table = listed.body.tables.find((t: { tableId: string }) => t.tableId === tableId);
    assert.ok(table, JSON.stringify(listed.body));
    assert.equal(typeof table.hostedBy, "string");
    const away = table.live.seats[2];
    assert.equal(away.status, "away");
    assert.ok(away.awayUntil > Date.now(), "the away seat carries its deadline");
    assert.equal(table.live.seats[0].status, "active");

    const activeRelease = await call("POST", `/tables/${tableId}/seats/0/release`, admin);
    assert.equal(activeRelease.status, 409, "a connected player is not released");
    assert.equal(activeRelease.body.error.code, "CONFLICT");

    const released = await call("POST", `/tables/${tableId}/seats/2/release`, admin);
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.deepEqual(released.body.released, [2]);
    await eventually(() => seen.some((e) => e.type === "seat.released" && e.data.seat === 2 && e.data.reason === "operator"), 30_000, "seat.released");
    await eventually(() => watcher.state.seats[2].status === "empty", 30_000, "the seat empty in state");
    const again = await call("POST", `/tables/${tableId}/seats/2/release`, admin);
    assert.equal(again.status, 409, "an empty seat is not away");
  });

  it("an admin closes a table: every seat released as `closed`", async () => {
    const tableId = await newTable("holdem");
    const watcher = await join(await player("watcher2"), tableId, { spectate: true });
    const seen: TableEvent[] = [];
    watcher.onEvent((e) => seen.push(e));
    const sitter = await join(await player("sitter"), tableId);
    await sitter.sit({ seat: 1 });
    await awaySeat(tableId, 3, watcher);
    const closed = await call("POST", `/tables/${tableId}/close`, admin);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.deepEqual(closed.body.released.sort(), [1, 3]);
    await eventually(() => seen.filter((e) => e.type === "seat.released" && e.data.reason === "closed").length === 2, 30_000, "two releases");
    await eventually(() => watcher.state.seats.every((s) => s.status === "empty"), 30_000, "every seat empty");
  });

  it("validates input: bad ids and seats are VALIDATION_FAILED or SEAT_INVALID, unknown tables NOT_FOUND, idle ones CONFLICT", async () => {
    const cases: [string, string, number, string][] = [
      ["POST", "/tables/Bad%20Id/close", 400, "VALIDATION_FAILED"],
      ["POST", "/tables/demo-holdem/seats/x/release", 400, "VALIDATION_FAILED"],
      ["POST", "/tables/demo-holdem/seats/-1/release", 400, "VALIDATION_FAILED"],
      ["POST", "/tables/demo-holdem/seats/7/release", 400, "SEAT_INVALID"],
      ["POST", "/tables/no-such-table/close", 404, "NOT_FOUND"],
      ["GET", "/orders?status=shipped", 400, "VALIDATION_FAILED"],
      ["GET", "/orders?limit=0", 400, "VALIDATION_FAILED"],
      ["GET", "/tables?x=1", 400, "VALIDATION_FAILED"],
      ["POST", "/sales/NOPE!/pause", 400, "VALIDATION_FAILED"],
      ["POST", "/sales/no-such-sale/pause", 404, "NOT_FOUND"],
    ];
    for (const [method, path, status, code] of cases) {
      const res = await call(method, path, admin);
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, `${method} ${path}`);
    }
    const idle = await newTable("holdem");
    const res = await call("POST", `/tables/${idle}/close`, admin);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "CONFLICT");
  });

  it("pausing a sale stops admission (a sale beside it keeps admitting); resuming admits again", async () => {
    const paused = `op-${randomUUID().slice(0, 8)}`;
    const control = `op-${randomUUID().slice(0, 8)}`;
    // Upcoming, and paused before it starts: no admission can slip in before the pause.
    const startsAt = new Date(Date.now() + 2000).toISOString();
    for (const saleId of [paused, control]) {
      const body = { saleId, sku: `sku-${saleId}`, quantity: 5, startsAt, admission: { mode: "stock" }, prequeue: "fifo" };
      assert.equal((await http(server.url, "POST", "/api/sales", { token: admin, body })).status, 201);
    }
    const pause = await call("POST", `/sales/${paused}/pause`, admin);
    assert.equal(pause.status, 200, JSON.stringify(pause.body));
    assert.equal(typeof pause.body.pausedAt, "number");
    const again = await call("POST", `/sales/${paused}/pause`, admin);
    assert.equal(again.body.pausedAt, pause.body.pausedAt, "a repeated pause keeps the first pause's time");
    const buyers = await Promise.all(["b1", "b2", "b3"].map((n) => signInGuest(server.url, n)));
    for (const b of buyers) {
      for (const id of [paused, control]) assert.equal((await http(server.url, "POST", `/api/sales/${id}/queue`, { token: b.token })).status, 200);
    }
    const view = async (saleId: string) => (await call("GET", "/sales", admin)).body.sales.find((s: { saleId: string }) => s.saleId === saleId);
    // The admitter steps every live sale in the same pass: once the control sale admitted
    // its line, the paused one had its chances too.
    await eventually(async () => (await view(control)).admittedTotal === 3, 30_000, "control sale admits");
    const held = await view(paused);
    assert.equal(held.admittedTotal, 0, JSON.stringify(held));
    assert.equal(held.queueLength, 3);
    assert.equal(held.etaSeconds, null, "no ETA while paused");
    assert.equal(held.stockRemaining, 5);

    const resume = await call("POST", `/sales/${paused}/resume`, admin);
    assert.equal(resume.status, 200);
    assert.equal(resume.body.pausedAt, null);
    await eventually(async () => (await view(paused)).admittedTotal === 3, 30_000, "admits after resume");
  });

  it("orders by state: staff see their branch's orders only, admins every order", async () => {
    const staff = await branchWithStaff("OPO");
    const tableId = await newTable("dining", { branchId: "OPO" });
    const sku = `dish-${randomUUID().slice(0, 6)}`;
    assert.equal((await http(server.url, "PUT", `/api/inventory/${sku}`, { token: admin, body: { stock: 10, priceCents: 450 } })).status, 200);
    assert.equal((await http(server.url, "PUT", `/api/branches/OPO/menu/${sku}`, { token: admin })).status, 200);
    const diner = await join(await player("diner"), tableId);
    await diner.sit();
    await diner.command("cart.set", { sku, quantity: 2 });
    await diner.command("checkout", {});
    // An online order (no branch) beside it.
    const buyer = await signInGuest(server.url, "online");
    const hold = await http(server.url, "POST", "/api/holds", { token: buyer.token, body: { sku, quantity: 1 } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const order = await http(server.url, "POST", "/api/orders", { token: buyer.token, body: { holdIds: [hold.body.holdId] }, headers: { "idempotency-key": randomUUID() } });
    assert.equal(order.status, 201, JSON.stringify(order.body));

    const forStaff = await call("GET", "/orders?status=pending", staff);
    assert.equal(forStaff.status, 200);
    assert.deepEqual(
      forStaff.body.orders.map((o: { tableId: string; branchId: string; amountCents: number }) => [o.tableId, o.branchId, o.amountCents]),
      [[tableId, "OPO", 900]],
    );
    assert.equal(forStaff.body.counts.pending, 1);
    const forAdmin = await call("GET", "/orders?status=pending", admin);
    const ids = forAdmin.body.orders.map((o: { orderId: string }) => o.orderId);
    assert.ok(ids.includes(order.body.order.orderId) && ids.length >= 2, JSON.stringify(forAdmin.body));
    assert.equal((await call("GET", "/orders?status=paid", staff)).body.orders.length, 0);
  });

  it("lists the nodes with their health and key metrics, and orders by state", async () => {
    const res = await call("GET", "/nodes", admin);
    assert.equal(res.status, 200);
    assert.equal(res.body.nodes.length, 1, "embedded mode: one node");
    const node = res.body.nodes[0];
    for (const field of ["processId", "rooms", "clients", "eventLoopLagMs", "rssBytes", "uptimeSeconds"]) assert.ok(field in node, field);
    assert.ok(node.rssBytes > 0);
    assert.equal(node.draining, false);
    const orders = await call("GET", "/orders?status=paid&limit=10", admin);
    assert.equal(orders.status, 200);
    assert.deepEqual(Object.keys(orders.body.counts).sort(), ["cancelled", "expired", "paid", "pending"]);
    assert.ok(Array.isArray(orders.body.orders));
  });
});
