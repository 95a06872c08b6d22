import assert from "node:assert/strict";
import { AppError, ErrorCode } from "../../server/src/errors.ts";
import { CommandReplies } from "../../server/src/rooms/command-replies.ts";
import { decideSeat, evolveSeat, publicSeatEventData, type SeatCommand } from "../../server/src/tables/seat-decider.ts";
import { initialTable, type TableModel } from "../../server/src/tables/table-model.ts";

/** Decides and folds, as the room does; throws the AppError a command is refused with. */
function run(model: TableModel, command: SeatCommand): TableModel {
  const decided = decideSeat(model, command);
  if (decided instanceof AppError) throw decided;
  return decided.reduce((m, e) => ({ ...evolveSeat(m, e), seq: m.seq + 1 }), model);
}
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as AppError).code;
  }
  return "no error";
};

describe("seat decider (pure)", () => {
  const sit = (userId: string, seat?: number): SeatCommand => ({ type: "sit", userId, name: userId, seat, stack: 500, tokenId: `tok-${userId}` });

  it("sits, refuses a taken seat, a second seat, a bad index and a full table", () => {
    let t = initialTable("t1", "holdem", 2);
    t = run(t, sit("ann", 1));
    assert.deepEqual(
      { user: t.seats[1].userId, status: t.seats[1].status, stack: t.seats[1].stack, token: t.seats[1].tokenId, seq: t.seq },
      { user: "ann", status: "active", stack: 500, token: "tok-ann", seq: 1 },
    );
    assert.equal(codeOf(() => run(t, sit("bob", 1))), "SEAT_TAKEN");
    assert.equal(codeOf(() => run(t, sit("ann", 0))), "ALREADY_SEATED");
    assert.equal(codeOf(() => run(t, sit("bob", 7))), "SEAT_INVALID");
    t = run(t, sit("bob")); // first empty seat
    assert.equal(t.seats[0].userId, "bob");
    assert.equal(codeOf(() => run(t, sit("cy"))), "TABLE_FULL");
  });

  it("an operator releases an away seat only, and closing releases every occupied seat", () => {
    let t = initialTable("t1", "holdem", 3);
    t = run(t, sit("ann", 0));
    t = run(t, sit("bob", 1));
    t = run(t, { type: "drop", userId: "bob", awayUntil: 5000 });
    assert.equal(codeOf(() => run(t, { type: "release", seat: 0 })), "CONFLICT", "an active seat");
    assert.equal(codeOf(() => run(t, { type: "release", seat: 2 })), "CONFLICT", "an empty seat");
    assert.equal(codeOf(() => run(t, { type: "release", seat: 3 })), "SEAT_INVALID");
    const released = decideSeat(t, { type: "release", seat: 1 });
    assert.deepEqual(released, [{ type: "seat.released", data: { seat: 1, userId: "bob", reason: "operator" } }]);
    const closed = decideSeat(t, { type: "close" });
    assert.deepEqual(
      (closed as { data: unknown }[]).map((e) => e.data),
      [
        { seat: 0, userId: "ann", reason: "closed" },
        { seat: 1, userId: "bob", reason: "closed" },
      ],
    );
    assert.ok(run(t, { type: "close" }).seats.every((s) => s.status === "empty"));
  });

  it("drop makes a seat away with its deadline, return makes it active, repeats change nothing", () => {
    let t = run(initialTable("t1", "dining", 3), sit("ann", 2));
    t = run(t, { type: "drop", userId: "ann", awayUntil: 12_345 });
    assert.deepEqual([t.seats[2].status, t.seats[2].awayUntil], ["away", 12_345]);
    assert.deepEqual(decideSeat(t, { type: "drop", userId: "ann", awayUntil: 99_999 }), [], "a second drop keeps the first deadline");
    t = run(t, { type: "return", userId: "ann" });
    assert.deepEqual([t.seats[2].status, t.seats[2].awayUntil], ["active", 0]);
    assert.deepEqual(decideSeat(t, { type: "return", userId: "ann" }), []);
    assert.equal(codeOf(() => run(t, { type: "return", userId: "bob" })), "NOT_SEATED");
  });

  it("releases away seats whose deadline passed, and only those", () => {
    let t = initialTable("t1", "dining", 4);
    t = run(t, sit("a", 0));
    t = run(t, sit("b", 1));
    t = run(t, sit("c", 2));
    t = run(t, { type: "drop", userId: "a", awayUntil: 1000 });
    t = run(t, { type: "drop", userId: "b", awayUntil: 5000 });
    const events = decideSeat(t, { type: "expire_away", now: 2000 });
    assert.ok(!(events instanceof AppError));
    assert.deepEqual(events.map((e) => [e.type, e.data.seat, (e.data as { reason?: string }).reason]), [["seat.released", 0, "grace_expired"]]);
    t = run(t, { type: "expire_away", now: 2000 });
    assert.deepEqual(t.seats.map((s) => s.status), ["empty", "away", "active", "empty"]);
    assert.equal(t.seats[0].tokenId, null, "the released seat forgets its token");
  });

  it("stand releases the seat; public event data never carries the token id", () => {
    let t = run(initialTable("t1", "holdem", 2), sit("ann", 0));
    const taken = decideSeat(initialTable("t1", "holdem", 2), sit("ann", 0));
    assert.ok(!(taken instanceof AppError));
    assert.equal(publicSeatEventData(taken[0]).tokenId, undefined);
    t = run(t, { type: "stand", userId: "ann" });
    assert.equal(t.seats[0].status, "empty");
    assert.equal(codeOf(() => run(t, { type: "stand", userId: "ann" })), "NOT_SEATED");
  });
});

describe("command replies (cid)", () => {
  it("answers a repeated key with the first answer, failures included, and forgets after the window", async () => {
    let now = 0;
    const replies = new CommandReplies({ keepMs: 1000, perOwner: 10, now: () => now });
    let calls = 0;
    const first = await replies.once("u", "1", async () => ++calls);
    assert.equal(await replies.once("u", "1", async () => ++calls), first);
    await assert.rejects(replies.once("u", "2", async () => Promise.reject(new AppError(ErrorCode.NOT_SEATED, "nope"))));
    await assert.rejects(replies.once("u", "2", async () => "later"), /nope/);
    assert.equal(calls, 1);
    now = 5000;
    assert.equal(await replies.once("u", "1", async () => ++calls), 2, "after the window the command runs again");
  });
});
