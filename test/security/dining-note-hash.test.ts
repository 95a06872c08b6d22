/**
 * Security: a dining line's note is for the table's diners and branch
 * staff, but its line key was `{cart}:{sku}:{options hash}:{sha256(note) prefix}`, and
 * the line key is public (events API, live events, the cart state). Anyone signed in
 * could confirm a guessed note ("allergic to peanuts") by hashing it. The note part of a
 * line key must not be derivable from the note.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableEvent } from "@holdfast/client-sdk";
import { serverForSuite } from "../support/suite-server.ts";
import { http, signInGuest } from "../support/http.ts";
import { eventually } from "../support/e2e.ts";

/** What anyone can compute from a guessed note (the old line key's last part). */
const guessHash = (note: string) => createHash("sha256").update(JSON.stringify(note)).digest("hex").slice(0, 12);

describe("security: a dining note cannot be guessed from the public line key", function () {
  this.timeout(60_000);
  const suite = serverForSuite("security-note-hash");

  it("the line key an outsider sees carries no hash of the note; the same line is still one line", async () => {
    const tableId = `sec-n-${randomUUID().slice(0, 8)}`;
    const sku = `soup-${randomUUID().slice(0, 6)}`;
    const note = "allergic to peanuts";
    assert.equal((await http(suite.url, "POST", "/api/tables", { token: suite.admin, body: { tableId, kind: "dining", seats: 4, options: { branchId: "B1" } } })).status, 201);
    assert.equal((await http(suite.url, "PUT", `/api/inventory/${sku}`, { token: suite.admin, body: { stock: 10, name: "Soup", priceCents: 800 } })).status, 200);
    assert.equal((await http(suite.url, "PUT", `/api/branches/B1/menu/${sku}`, { token: suite.admin })).status, 200);

    const client = new HoldfastClient({ url: suite.url, storage: new MemoryStorage() });
    await client.auth.guest("dina");
    const diner = await client.tables.join(tableId);
    suite.track(diner);
    await diner.sit();
    await diner.setCartLine(sku, 1, { note });
    await diner.setCartLine(sku, 2, { note }); // the same line, raised
    const lines = () => (diner.state as unknown as { dining: { lines: { lineKey: string; quantity: number }[] } }).dining.lines;
    await eventually(() => lines()[0]?.quantity === 2, 10_000, "the line raised to 2");
    assert.equal(lines().length, 1, "one line for one (dish, options, note)");

    const stranger = await signInGuest(suite.url, "eve");
    const res = await http(suite.url, "GET", `/api/tables/${tableId}/events?after=0&limit=1000`, { token: stranger.token });
    assert.equal(res.status, 200);
    const updates = (res.body.events as TableEvent[]).filter((e) => e.type === "cart.updated");
    assert.equal(updates.length, 2);
    assert.equal(updates[0].data.lineKey, updates[1].data.lineKey, "both changes address the same line");
    assert.equal(updates[0].data.note, undefined, "the note itself is hidden");
    const lineKey = String(updates[0].data.lineKey);
    assert.ok(!lineKey.includes(guessHash(note)), `the public line key ${lineKey} confirms the guess "${note}"`);
  });
});
