/**
 * Two server processes sharing Redis and Postgres. A table hosted on node B survives
 * node B: a SIGKILL (restore from snapshot + log on node A) and a SIGTERM drain (final
 * snapshot, 4503, rejoin through the matchmaker). Players are seated again on node A
 * with the same seat and stack, and each SDK's event feed has no gap and no duplicate.
 * Then two nodes race `joinOrCreate` for new tables: never two live rooms for one table.
 * On one Redis server and on a Redis Cluster (there without the drain, which asks
 * nothing more of Redis than the kill, and with a shorter race).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { Client as ColyseusClient, type Room } from "@colyseus/sdk";
import { HoldfastClient, HoldfastError, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { http, signInGuest, tableClients as clientsAt } from "../support/http.ts";
import { freePort, spawnServer, type ServerProcess } from "../support/server-process.ts";
import { REDIS_BACKENDS } from "../support/redis-backends.ts";
import { sharedServices } from "../support/services.ts";
import { eventually, MULTINODE_REDIS_DB } from "../continuity/helpers.ts";

const JWT_SECRET = `multinode-${randomUUID()}`;

/** Table clients on a node (which node hosts the room). */
const tableClients = (node: ServerProcess) => clientsAt(node.url);

interface Player {
  client: HoldfastClient;
  conn: TableConnection;
  seat: number;
  stack: number;
  feed: TableEvent[];
  errors: HoldfastError[];
  snapshots: number;
}

function assertGapFree(p: Player): void {
  const seqs = p.feed.map((e) => e.seq);
  for (let i = 1; i < seqs.length; i++) {
    assert.equal(seqs[i], seqs[i - 1] + 1, `feed of seat ${p.seat} has no gap or duplicate: ${seqs.join(",")}`);
  }
  assert.deepEqual(p.errors.map((e) => e.message), [], `seat ${p.seat} reported no errors`);
  assert.equal(p.snapshots, 0, "the missed events were sent, not a snapshot");
}

for (const backend of REDIS_BACKENDS) describe(`multi-node continuity (two processes, shared ${backend} and Postgres)`, function () {
  this.timeout(120_000);
  let services: { env: Record<string, string>; cleanup(): Promise<void> } | undefined;
  let env: Record<string, string>;
  let nodeA: ServerProcess | undefined;
  let nodeB: ServerProcess | undefined;
  let portB = 0;
  const players: Player[] = [];
  const rooms: Room[] = [];
  let admin = "";

  before(async function () {
    services = await sharedServices(this, "multinode", MULTINODE_REDIS_DB, backend);
    env = {
      ...services.env,
      JWT_SECRET,
      SEAT_GRACE_SECONDS: "60",
      HEARTBEAT_SECONDS: "1",
      TABLE_LEASE_SECONDS: "3",
      TABLE_SNAPSHOT_EVERY: "5",
    };
    const portA = await freePort();
    portB = await freePort();
    [nodeA, nodeB] = await Promise.all([
      spawnServer({ port: portA, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portA}` } }),
      spawnServer({ port: portB, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portB}` } }),
    ]);
    admin = jwt.sign({ sub: "u_mn_admin", sid: `s_${randomUUID()}`, name: "admin", roles: ["admin"], prv: true }, JWT_SECRET, {
      algorithm: "HS256",
      issuer: "holdfast",
      audience: "holdfast:access",
      expiresIn: 3600,
    });
  });

  after(async function () {
    await Promise.all(players.map((p) => p.conn.leave().catch(() => undefined)));
    await Promise.all(rooms.map((r) => (r.connection?.isOpen ? r.leave(true).catch(() => undefined) : undefined)));
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await services?.cleanup();
  });

  async function newTable(kind: "holdem" | "dining" = "dining", seats = 6): Promise<string> {
    const tableId = `mn-${randomUUID().slice(0, 8)}`;
    const res = await http(nodeA!.url, "POST", "/api/tables", { token: admin, body: { tableId, kind, seats } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return tableId;
  }

  /** Opens the table's room on node B (a spectator asks B; B has fewest rooms or ties). */
  async function hostOnB(tableId: string): Promise<Room> {
    const { token } = await signInGuest(nodeB!.url, "host");
    const colyseus = new ColyseusClient(nodeB!.url);
    colyseus.auth.token = token;
    const room = await colyseus.joinOrCreate("table", { tableId, spectate: true });
    room.onMessage("*", () => undefined);
    rooms.push(room);
    return room;
  }

  /** Seats `n` players; their SDKs talk to node A's matchmaker (node B may die). */
  async function seatPlayers(tableId: string, n: number, firstStack: number, firstSeat = 0): Promise<Player[]> {
    const seated: Player[] = [];
    for (let i = firstSeat; i < firstSeat + n; i++) {
      const client = new HoldfastClient({ url: nodeA!.url, storage: new MemoryStorage(), heartbeatSeconds: 1, reconnect: { minDelayMs: 50, maxDelayMs: 500 } });
      await client.auth.guest(`p${i}`);
      const conn = await client.tables.join(tableId);
      const p: Player = { client, conn, seat: i, stack: firstStack + (i - firstSeat) * 10, feed: [], errors: [], snapshots: 0 };
      conn.onEvent((e) => p.feed.push(e));
      conn.onError((e) => p.errors.push(e));
      conn.onSnapshot(() => p.snapshots++);
      await conn.sit(p.stack > 0 ? { seat: i, buyIn: p.stack } : { seat: i });
      seated.push(p);
      players.push(p);
    }
    return seated;
  }

  async function assertSeatedAgain(seated: Player[], what: string): Promise<number> {
    const started = Date.now();
    await eventually(() => seated.every((p) => p.conn.status === "restored"), 30_000, `${what}: every player restored`);
    for (const p of seated) {
      await eventually(() => p.conn.state.seats[p.seat]?.status === "active", 5000, `${what}: seat ${p.seat} active`);
      const seat = p.conn.state.seats[p.seat];
      assert.equal(p.conn.seat, p.seat, "same seat");
      assert.equal(seat.userId, p.client.auth.session!.userId, "same player");
      assert.equal(seat.stack, p.stack, "same stack");
    }
    // Everyone's feed reaches the table's seq with nothing missing.
    const seq = seated[0].conn.state.seq;
    await eventually(() => seated.every((p) => p.conn.lastSeq === p.conn.state.seq), 5000, "feeds caught up");
    for (const p of seated) assertGapFree(p);
    return Date.now() - started + 0 * seq;
  }

  it("kill -9 of the node hosting a table: every player is seated again via node A, same seat and stack, gap-free feed", async () => {
    const tableId = await newTable("holdem");
    await hostOnB(tableId);
    const seated = await seatPlayers(tableId, 4, 500);
    assert.ok((await tableClients(nodeB!)) >= 5, "the table lives on node B");
    // More events than TABLE_SNAPSHOT_EVERY: the restore starts from a snapshot.
    const extra = await seatPlayers(tableId, 1, 900, 5);
    await extra[0].conn.stand();
    await eventually(() => seated.every((p) => p.conn.lastSeq >= 6), 5000, "everyone saw the stand");
    const seqBefore = seated[0].conn.lastSeq;

    const killedAt = Date.now();
    await nodeB!.kill();
    await assertSeatedAgain(seated, "after kill -9");
    const restoredMs = Date.now() - killedAt;
    console.log(`      kill -9 → every seat restored on node A in ${restoredMs} ms`);
    assert.ok((await tableClients(nodeA!)) >= seated.length, "the table lives on node A now");
    for (const p of seated) {
      const types = p.feed.filter((e) => e.seq > seqBefore).map((e) => e.type);
      assert.ok(types.includes("seat.away") && types.includes("seat.returned"), `seat ${p.seat} saw away/returned: ${types}`);
    }
    const events = await http(nodeA!.url, "GET", `/api/tables/${tableId}/events?after=0&limit=1000`, { token: admin });
    const seqs = events.body.events.map((e: TableEvent) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "the log has every seq once");
  });

  /** A fresh node B on the same port and address (the previous one is gone). */
  async function restartB(): Promise<void> {
    await nodeB?.kill();
    nodeB = await spawnServer({ port: portB, env: { ...env, PUBLIC_ADDRESS: `127.0.0.1:${portB}` } });
  }

  if (backend === "redis") it("SIGTERM drain of the node hosting a table: clients get 4503, rejoin on node A, same seat and stack, gap-free feed", async () => {
    await restartB();
    const tableId = await newTable("dining");
    await hostOnB(tableId);
    const seated = await seatPlayers(tableId, 3, 0);
    assert.ok((await tableClients(nodeB!)) >= 4, "the table lives on node B");
    for (const p of seated) p.stack = 0; // dining tables have no stacks
    const closeCodes: number[] = [];
    for (const p of seated) p.conn.room.onLeave((code: number) => closeCodes.push(code));

    const readyDuringDrain = (async () => {
      await new Promise((r) => setTimeout(r, 30));
      return (await http(nodeB!.url, "GET", "/readyz").catch(() => ({ status: 0 }))).status;
    })();
    const stopped = nodeB!.stop();
    await assertSeatedAgain(seated, "after drain");
    await stopped;
    assert.deepEqual(closeCodes, [4503, 4503, 4503], "drained with 4503, not Colyseus's 4001");
    assert.ok([503, 0].includes(await readyDuringDrain), "readyz is 503 while draining");
    assert.equal(nodeB!.proc.exitCode, 0, `node B exited cleanly:\n${nodeB!.output().slice(-2000)}`);
  });

  const races = backend === "redis" ? 50 : 20;
  it(`two nodes racing joinOrCreate for one new table, ${races} times: never two live rooms`, async () => {
    if (nodeB?.proc.exitCode !== null || nodeB?.proc.signalCode !== null) await restartB();
    const [ua, ub] = await Promise.all([signInGuest(nodeA!.url, "racer-a"), signInGuest(nodeB!.url, "racer-b")]);
    const ca = new ColyseusClient(nodeA!.url);
    ca.auth.token = ua.token;
    const cb = new ColyseusClient(nodeB!.url);
    cb.auth.token = ub.token;
    let sameRoom = 0;
    const roomsPerNode = { a: 0, b: 0 };
    for (let i = 0; i < races; i++) {
      const tableId = await newTable("dining");
      const [ra, rb] = await Promise.all([
        ca.joinOrCreate("table", { tableId, spectate: true }),
        cb.joinOrCreate("table", { tableId, spectate: true }),
      ]);
      const listed = await http(nodeA!.url, "GET", `/api/tables/${tableId}`);
      assert.equal(listed.body.live, true);
      if (ra.roomId === rb.roomId) sameRoom++;
      if (ra.roomId !== rb.roomId) assert.fail(`iteration ${i}: two live rooms for ${tableId}: ${ra.roomId} and ${rb.roomId}`);
      await Promise.all([ra.leave(true), rb.leave(true)]);
    }
    assert.equal(sameRoom, races);
    void roomsPerNode;
  });
});
