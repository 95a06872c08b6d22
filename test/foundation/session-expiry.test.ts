import assert from "node:assert/strict";
import { LocalPresence } from "@colyseus/core";
import { SessionRevocations } from "../../server/src/identity/session-revocations.ts";
import { createLogger } from "../../server/src/logger.ts";
import { eventually } from "../support/e2e.ts";

/**
 * Sockets end with their session: SessionRevocations closes every tracked socket of a
 * session with 4401 when its `expiresAt` passes, on its own (no message needed), with one
 * timer per session. The end-to-end check is test/security/commerce-integrity.test.ts.
 */
describe("session expiry closes tracked sockets", () => {
  let revocations: SessionRevocations;

  beforeEach(async () => {
    revocations = new SessionRevocations(new LocalPresence(), "revocations", createLogger("silent"));
    await revocations.start();
  });

  afterEach(() => revocations.stop());

  function socket() {
    const closed: { code: number; reason: string }[] = [];
    return { closed, close: (code: number, reason: string) => void closed.push({ code, reason }) };
  }

  it("closes every socket of the session with 4401 at expiresAt, with one timer per session", async () => {
    const a = socket();
    const b = socket();
    const other = socket();
    const at = Date.now() + 150;
    revocations.track("s1", a, at);
    revocations.track("s1", b, at);
    revocations.track("s2", other, Date.now() + 60_000);
    assert.equal(revocations.expiryTimerCount, 2);
    await eventually(() => a.closed.length === 1 && b.closed.length === 1, 3000, "both sockets closed");
    assert.ok(Date.now() >= at);
    assert.deepEqual(a.closed[0], { code: 4401, reason: "session expired" });
    assert.equal(other.closed.length, 0, "another session is untouched");
    assert.equal(revocations.expiryTimerCount, 1);
  });

  it("an already expired session is closed at once; an untracked socket is not closed later", async () => {
    const late = socket();
    revocations.track("s1", late, Date.now() - 1);
    await eventually(() => late.closed.length === 1, 1000, "closed at once");
    const gone = socket();
    const untrack = revocations.track("s2", gone, Date.now() + 100);
    untrack();
    assert.equal(revocations.expiryTimerCount, 0, "the last socket's timer goes with it");
    // Barrier: a later-expiring session's socket closes; timers run in deadline order, so
    // the untracked socket's timer (had it survived) would have fired first.
    const probe = socket();
    revocations.track("s3", probe, Date.now() + 150);
    await eventually(() => probe.closed.length === 1, 3000, "the later session closed");
    assert.equal(gone.closed.length, 0);
  });

  it("a logout still closes at once, and clears the session's timer", async () => {
    const s = socket();
    revocations.track("s1", s, Date.now() + 60_000);
    await revocations.publishRevoked(["s1"]);
    assert.deepEqual(s.closed, [{ code: 4401, reason: "session revoked" }]);
    assert.equal(revocations.expiryTimerCount, 0);
  });
});
