import assert from "node:assert/strict";
import { ReconnectingConnection } from "../../client-sdk/src/reconnecting-connection.ts";
import { eventually } from "../support/e2e.ts";

/**
 * A connection whose way back in fails until `serverBack` is set, with a backoff far
 * longer than the test: only `retryNow` (or a browser signal calling it) can bring it
 * back in time.
 */
class Flaky extends ReconnectingConnection<"connected" | "restored"> {
  attempts = 0;
  serverBack = false;
  constructor() {
    super("flaky");
    this.status = "connected";
  }
  drop(): void {
    void this.reconnect(
      600_000,
      { minDelayMs: 60_000, maxDelayMs: 60_000 },
      async () => {
        this.attempts++;
        if (!this.serverBack) throw new Error("connection refused");
      },
      () => false,
      "restored",
    );
  }
  close(): Promise<void> {
    return this.closeRoom();
  }
}

/** A stand-in for `window` and `document`: enough EventTarget for the SDK's listeners. */
function fakeBrowser() {
  const g = globalThis as Record<string, unknown>;
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: "hidden" });
  g.addEventListener = win.addEventListener.bind(win);
  g.removeEventListener = win.removeEventListener.bind(win);
  g.document = doc;
  return {
    win,
    doc,
    restore() {
      delete g.addEventListener;
      delete g.removeEventListener;
      delete g.document;
    },
  };
}

describe("reconnecting at once instead of waiting out the backoff", () => {
  it("retryNow() ends the backoff pause", async () => {
    const conn = new Flaky();
    conn.drop();
    await eventually(() => conn.attempts === 1, 2000, "first attempt");
    conn.serverBack = true;
    conn.retryNow();
    await eventually(() => conn.status === "restored", 2000, "restored without waiting 60 s");
    assert.equal(conn.attempts, 2);
    await conn.close();
  });

  it("in a browser: `online`, and a hidden tab becoming visible, try at once", async () => {
    const browser = fakeBrowser();
    try {
      const conn = new Flaky();
      conn.drop();
      await eventually(() => conn.attempts === 1, 2000, "first attempt");
      browser.win.dispatchEvent(new Event("online"));
      await eventually(() => conn.attempts === 2, 2000, "an attempt on online");
      browser.doc.dispatchEvent(new Event("visibilitychange")); // still hidden: nothing
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(conn.attempts, 2);
      conn.serverBack = true;
      browser.doc.visibilityState = "visible";
      browser.doc.dispatchEvent(new Event("visibilitychange"));
      await eventually(() => conn.status === "restored", 2000, "restored when the tab is visible again");
      assert.equal(conn.attempts, 3);
      await conn.close();
    } finally {
      browser.restore();
    }
  });

  it("a listener hears the current status when it subscribes", async () => {
    const conn = new Flaky();
    const heard: string[] = [];
    conn.onStatus((s) => heard.push(s));
    assert.deepEqual(heard, ["connected"]);
    await conn.close();
    assert.deepEqual(heard, ["connected", "closed"]);
  });
});
