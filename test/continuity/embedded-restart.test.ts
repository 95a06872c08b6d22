/**
 * Embedded mode (no Redis, no DATABASE_URL): stop a node and start it again on the same
 * DATA_DIR; the tables that had players come back by themselves, with the seats away
 * (fresh deadlines) and the same stacks; the players' SDKs reclaim them with their seat
 * tokens, and the event log goes on without a gap. Then the same after a SIGKILL.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import jwt from "jsonwebtoken";
import { HoldfastClient, MemoryStorage, type TableConnection, type TableEvent } from "@holdfast/client-sdk";
import { http, signInGuest } from "../support/http.ts";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";
import { eventually } from "./helpers.ts";

const JWT_SECRET = `embedded-restart-${randomUUID()}`;
const GRACE_SECONDS = 120;

describe("continuity: embedded restart brings tables and seats back", function () {
  this.timeout(90_000);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-restart-"));
  let server: ServerProcess | undefined;
  let port = 0;
  const conns: TableConnection[] = [];

  const start = async () => {
    server = await spawnServer({ dataDir, port, env: { JWT_SECRET, SEAT_GRACE_SECONDS: String(GRACE_SECONDS), HEARTBEAT_SECONDS: "1" }, timeoutMs: 120_000 });
    port = server.port;
  };

  after(async () => {
    await Promise.all(conns.map((c) => c.leave().catch(() => undefined)));
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function player(name: string, storage: MemoryStorage): Promise<HoldfastClient> {
    const client = new HoldfastClient({ url: server!.url, storage, heartbeatSeconds: 1, reconnect: { minDelayMs: 50, maxDelayMs: 300 } });
    if (!(await client.auth.restore())) await client.auth.guest(name);
    return client;
  }

  /** After a restart: the table is live again, seats away with fresh deadlines, then reclaimed. */
  async function expectBack(tableId: string, seated: { storage: MemoryStorage; seat: number; stack: number; userId: string }[], restartedAt: number) {
    await eventually(
      async () => {
        const summary = (await http(server!.url, "GET", `/api/tables/${tableId}`)).body;
        return summary.live === true && summary.seated === seated.length;
      },
      20_000,
      "the table is live again, with its seated players",
    );
    const watcher = await (await player("watcher", new MemoryStorage())).tables.join(tableId, { spectate: true });
    conns.push(watcher);
    for (const s of seated) {
      const seat = watcher.state.seats[s.seat];
      assert.equal(seat.status, "away", `seat ${s.seat} is away until its player comes back`);
      assert.equal(seat.userId, s.userId);
      assert.equal(seat.stack, s.stack);
      assert.ok(seat.awayUntil >= restartedAt + GRACE_SECONDS * 1000 - 1000 && seat.awayUntil <= Date.now() + GRACE_SECONDS * 1000, "a fresh deadline");
    }
    for (const s of seated) {
      const conn = await (await player("again", s.storage)).tables.join(tableId);
      conns.push(conn);
      assert.equal(conn.seat, s.seat, "the stored seat token still works");
      await eventually(() => conn.state.seats[s.seat].status === "active", 5000, "seat active again");
    }
    const reader = await signInGuest(server!.url, "reader"); // the events API needs a sign-in
    const events = await http(server!.url, "GET", `/api/tables/${tableId}/events?after=0&limit=1000`, { token: reader.token });
    const seqs = events.body.events.map((e: TableEvent) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "the log has every seq once");
  }

  it("SIGTERM then start: tables and seats come back; SIGKILL then start: the same", async () => {
    await start();
    const admin = jwt.sign({ sub: "u_restart_admin", sid: `s_${randomUUID()}`, name: "admin", roles: ["admin"], prv: true }, JWT_SECRET, {
      algorithm: "HS256",
      issuer: "holdfast",
      audience: "holdfast:access",
      expiresIn: 3600,
    });
    const tableId = `er-${randomUUID().slice(0, 8)}`;
    const res = await http(server!.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 6 } });
    assert.equal(res.status, 201);
    const seated = [];
    // One player per table: no hand starts, so stacks stay as bought.
    const storage = new MemoryStorage();
    const alice = await player("alice", storage);
    const conn = await alice.tables.join(tableId);
    await conn.sit({ seat: 3, buyIn: 750 });
    seated.push({ storage, seat: 3, stack: 750, userId: alice.auth.session!.userId });

    await server!.stop(); // SIGTERM: drain, final snapshot
    await conn.leave();
    let restartedAt = Date.now();
    await start();
    await expectBack(tableId, seated, restartedAt);

    // Every event the log holds (expectBack read them all) is in PGlite before the kill.
    await eventually(
      async () => /^holdfast_table_archive_pending_events 0$/m.test((await http<string>(server!.url, "GET", "/metrics")).body),
      30_000,
      "the archive queue written",
    );
    await server!.kill(); // SIGKILL: no drain; the events were archived already
    for (const c of conns.splice(0)) await c.leave();
    restartedAt = Date.now();
    await start();
    await expectBack(tableId, seated, restartedAt);
  });
});
