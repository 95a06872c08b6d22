import assert from "node:assert/strict";
import { getMessageBytes, Protocol, type Client } from "@colyseus/core";
import type { TableEvent } from "@holdfast/shared";
import { EventFrames, type FrameReader } from "../../server/src/tables/event-frames.ts";
import { eventView } from "../../server/src/tables/event-views.ts";
import type { LoggedEvent } from "../../server/src/tables/table-event-log.ts";
import type { TableViewer } from "../../server/src/tables/table-viewer.ts";

/** A room client that keeps the frames it is sent. */
function fakeClient(sessionId: string): Client & { frames: Buffer[] } {
  const frames: Buffer[] = [];
  return { sessionId, frames, enqueueRaw: (data: Buffer) => frames.push(data) } as unknown as Client & { frames: Buffer[] };
}

const frameOf = (type: string, message: TableEvent | TableEvent[]) => getMessageBytes.raw(Protocol.ROOM_DATA, type, message);

const dealt = (seq: number, userId: string): LoggedEvent => ({
  seq,
  type: "holdem.hole_cards_dealt",
  at: 1000 + seq,
  data: { seat: 0, cards: ["As", "Kd"] },
  visibility: { userId, seat: 0, handNo: 1 },
});
const bet = (seq: number): LoggedEvent => ({ seq, type: "holdem.bet", at: 1000 + seq, data: { seat: 1, amount: 10 } });

describe("EventFrames: one frame per client per flush, encoded once per audience", () => {
  const alice: TableViewer = { userId: "alice", diningInsider: false };
  const bob: TableViewer = { userId: "bob", diningInsider: false };
  const spectator: TableViewer = { userId: "carol", diningInsider: false };

  it("each client gets exactly eventView's redaction of every event; equal views share one encoded buffer", () => {
    const frames = new EventFrames("holdem");
    const clients = [fakeClient("a"), fakeClient("b"), fakeClient("s1"), fakeClient("s2")];
    const viewers: Record<string, TableViewer> = { a: alice, b: bob, s1: spectator, s2: spectator };
    const events = [dealt(1, "alice"), dealt(2, "bob"), bet(3)];
    frames.add(events.slice(0, 2), clients);
    frames.add(events.slice(2), clients);
    frames.flush(clients, (id): FrameReader => ({ viewer: viewers[id], batched: true }));

    for (const client of clients) {
      assert.equal(client.frames.length, 1, `${client.sessionId}: one frame`);
      const expected = frameOf("evs", events.map((e) => eventView("holdem", e, viewers[client.sessionId])));
      assert.deepEqual(client.frames[0], expected, `${client.sessionId}: its own view`);
    }
    // Alice's frame has her cards, not Bob's; spectators see neither and share one buffer.
    assert.ok(clients[0].frames[0].includes(Buffer.from("As")));
    assert.notDeepEqual(clients[0].frames[0], clients[1].frames[0]);
    assert.equal(clients[2].frames[0], clients[3].frames[0], "spectators share the same buffer");
    assert.ok(!clients[2].frames[0].includes(Buffer.from("Kd")));
    assert.ok(frames.empty);
  });

  it("a client without batched events gets one `ev` per event; a lone event is always an `ev`", () => {
    const frames = new EventFrames("holdem");
    const old = fakeClient("old");
    const fresh = fakeClient("new");
    frames.add([bet(1), bet(2)], [old, fresh]);
    frames.flush([old, fresh], (id) => ({ viewer: spectator, batched: id === "new" }));
    assert.deepEqual(old.frames, [frameOf("ev", eventView("holdem", bet(1), spectator)), frameOf("ev", eventView("holdem", bet(2), spectator))]);
    assert.equal(fresh.frames.length, 1);

    frames.add([bet(3)], [fresh]);
    frames.flush([fresh], () => ({ viewer: spectator, batched: true }));
    assert.deepEqual(fresh.frames[1], frameOf("ev", eventView("holdem", bet(3), spectator)));
  });

  it("only clients connected when events were published receive them", () => {
    const frames = new EventFrames("holdem");
    const early = fakeClient("early");
    const late = fakeClient("late");
    frames.add([bet(1)], [early]);
    frames.add([bet(2)], [early, late]);
    frames.flush([early, late], () => ({ viewer: spectator, batched: true }));
    assert.deepEqual(late.frames, [frameOf("ev", eventView("holdem", bet(2), spectator))]);
    assert.equal(early.frames.length, 1);
    assert.deepEqual(early.frames[0], frameOf("evs", [bet(1), bet(2)].map((e) => eventView("holdem", e, spectator))));
  });

  it("dining: outsiders lose order details; a diner sees them only from the seq that seated them", () => {
    const frames = new EventFrames("dining");
    const cart = (seq: number): LoggedEvent => ({ seq, type: "cart.updated", at: seq, data: { seat: 0, line: "x", qty: 1, by: "alice", note: "no salt" } });
    const outsider = fakeClient("out");
    const diner = fakeClient("diner");
    const staff = fakeClient("staff");
    const viewers: Record<string, TableViewer> = {
      out: spectator,
      diner: { userId: "dan", diningInsider: true, diningSince: 2 },
      staff: { userId: "sam", diningInsider: true, diningSince: 0 },
    };
    const events = [cart(1), cart(2)];
    frames.add(events, [outsider, diner, staff]);
    frames.flush([outsider, diner, staff], (id) => ({ viewer: viewers[id], batched: true }));
    for (const client of [outsider, diner, staff]) {
      assert.deepEqual(client.frames[0], frameOf("evs", events.map((e) => eventView("dining", e, viewers[client.sessionId]))));
    }
    assert.ok(!outsider.frames[0].includes(Buffer.from("no salt")));
    assert.notDeepEqual(diner.frames[0], staff.frames[0]);
  });
});
