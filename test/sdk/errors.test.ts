import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ClientErrorCode, HoldfastClient, HoldfastError, MemoryStorage } from "@holdfast/client-sdk";
import { ReconnectingConnection } from "../../client-sdk/src/reconnecting-connection.ts";

/** A server that answers every request with `status` and `body` (a stand-in for a newer or failing server). */
async function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function failure(p: Promise<unknown>): Promise<HoldfastError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HoldfastError, `a HoldfastError, not ${String(err)}`);
    return err;
  }
  return assert.fail("expected a failure");
}

describe("SDK errors: codes as sent, retryable decided by the code", () => {
  it("keeps a code this SDK does not know (a newer server) instead of collapsing it", async () => {
    const srv = await answering(409, { error: { code: "TABLE_ON_FIRE", message: "the table is on fire" } });
    try {
      const err = await failure(new HoldfastClient({ url: srv.url, storage: new MemoryStorage() }).tables.list());
      assert.equal(err.code, "TABLE_ON_FIRE");
      assert.equal(err.message, "the table is on fire");
      assert.equal(err.status, 409);
      assert.equal(err.retryable, false);
    } finally {
      await srv.close();
    }
  });

  it("an unknown code with a 503 is retryable (the status decides when the code cannot)", async () => {
    const srv = await answering(503, { error: { code: "MAINTENANCE_WINDOW", message: "back soon" } });
    try {
      const err = await failure(new HoldfastClient({ url: srv.url, storage: new MemoryStorage() }).tables.list());
      assert.equal(err.code, "MAINTENANCE_WINDOW");
      assert.equal(err.retryable, true);
    } finally {
      await srv.close();
    }
  });

  it("UNAVAILABLE and RATE_LIMITED are retryable after a pause (Retry-After when sent); other answers are not", async () => {
    const srv = await answering(429, { error: { code: "RATE_LIMITED", message: "slow down" } }, { "retry-after": "7" });
    try {
      const err = await failure(new HoldfastClient({ url: srv.url, storage: new MemoryStorage() }).tables.list());
      assert.equal(err.code, "RATE_LIMITED");
      assert.equal(err.retryable, true);
      assert.equal(err.retryAfterMs, 7000);
    } finally {
      await srv.close();
    }
    const unavailable = new HoldfastError("UNAVAILABLE", "redis is down", { status: 503 });
    assert.equal(unavailable.retryable, true);
    assert.ok(unavailable.retryAfterMs! > 0);
    assert.equal(new HoldfastError("SEAT_TAKEN", "seat 3 is taken", { status: 409 }).retryable, false);
    assert.equal(new HoldfastError("INTERNAL", "internal error", { status: 500 }).retryable, false);
  });

  it("a server that cannot be reached is DISCONNECTED (retryable), not a server's UNAVAILABLE", async () => {
    const srv = await answering(200, {});
    await srv.close(); // nothing listens there any more
    const err = await failure(new HoldfastClient({ url: srv.url, storage: new MemoryStorage() }).tables.list());
    assert.equal(err.code, ClientErrorCode.DISCONNECTED);
    assert.equal(err.disconnected, true);
    assert.equal(err.retryable, true);
  });

  it("room replies and join failures keep their codes as sent", () => {
    const rejected = Object.assign(new Error("request rejected"), { name: "rejected", reason: { code: "BRAND_NEW_CODE", message: "new" } });
    assert.equal(HoldfastError.from(rejected).code, "BRAND_NEW_CODE");
    const join = Object.assign(new Error("SEAT_TOKEN_SOMETHING_NEW: nope"), { name: "ServerError", code: 403 });
    const e = HoldfastError.from(join);
    assert.equal(e.code, "SEAT_TOKEN_SOMETHING_NEW");
    assert.equal(e.message, "nope");
    assert.equal(e.status, 403);
    assert.equal(HoldfastError.from(new Error("connection closed before a response was received.")).code, ClientErrorCode.DISCONNECTED);
  });

  describe("command(): only a command without an answer is sent again", () => {
    /** A connected ReconnectingConnection over a fake room whose requests fail as told. */
    class Probe extends ReconnectingConnection<"connected"> {
      sent = 0;
      constructor(fail: () => unknown) {
        super("probe");
        this.status = "connected";
        this.room = {
          request: async () => {
            this.sent++;
            const reason = fail();
            if (reason) throw reason;
            return { ok: true };
          },
        } as never;
      }
    }

    it("a server's UNAVAILABLE answer reaches the caller at once (retryable), without a re-send", async () => {
      const probe = new Probe(() => Object.assign(new Error("request rejected"), { name: "rejected", reason: { code: "UNAVAILABLE", message: "moving" } }));
      const err = await failure(probe.command("act", { action: "check" }));
      assert.equal(err.code, "UNAVAILABLE");
      assert.equal(err.retryable, true);
      assert.equal(probe.sent, 1);
    });

    it("a dropped request (no answer) is sent again with the same cid", async () => {
      let n = 0;
      const cids: unknown[] = [];
      const probe = new Probe(() => (n++ === 0 ? new Error("connection closed before a response was received.") : null));
      const request = probe.room.request;
      probe.room.request = ((type: string, payload: { cid?: string }) => {
        cids.push(payload.cid);
        return request(type, payload);
      }) as never;
      assert.deepEqual(await probe.command("act", { action: "check" }), { ok: true });
      assert.equal(probe.sent, 2);
      assert.equal(cids[0], cids[1]);
    });
  });
});
