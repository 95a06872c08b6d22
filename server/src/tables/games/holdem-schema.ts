import { ArraySchema, Schema, type, view } from "@colyseus/schema";
import type { HoldemState } from "./holdem/index.ts";

/**
 * One seat's place in the current hand. `holeCards` is tagged `@view()`: Colyseus sends
 * it only to clients whose StateView holds this object (the seat's own player), and it
 * is filled only while the seat's occupant is the user dealt in there for this hand (so
 * a newcomer's view of the seat never holds the previous player's cards). Cards shown
 * at showdown move to `shownCards`, which everyone sees.
 */
export class HoldemSeatState extends Schema {
  @type("uint8") seat: number = 0;
  @type("boolean") inHand: boolean = false;
  @type("number") stack: number = 0;
  @type("number") committed: number = 0;
  @type("boolean") folded: boolean = false;
  @type("boolean") allIn: boolean = false;
  @view() @type(["string"]) holeCards = new ArraySchema<string>();
  @type(["string"]) shownCards = new ArraySchema<string>();
}

/** The public face of a hand, beside the seats in TableState. */
export class HoldemTableState extends Schema {
  @type("uint32") handNo: number = 0;
  @type("string") street: string = "idle";
  @type("int8") button: number = -1;
  @type("int8") toAct: number = -1;
  /** Epoch ms when the player to act runs out of time; 0 when nobody is to act. */
  @type("number") turnDeadline: number = 0;
  @type("number") currentBet: number = 0;
  @type("number") minRaiseTo: number = 0;
  @type("number") pot: number = 0;
  @type("number") smallBlind: number = 0;
  @type("number") bigBlind: number = 0;
  @type(["string"]) board = new ArraySchema<string>();
  /** One entry per seat of the table, by seat index. */
  @type([HoldemSeatState]) seats = new ArraySchema<HoldemSeatState>();
}

function setArray(target: ArraySchema<string>, values: readonly string[]): void {
  if (target.length === values.length && values.every((v, i) => target[i] === v)) return;
  target.clear();
  target.push(...values);
}

/**
 * Projects the rules' state into the schema, field by field (small patches).
 * `occupants` is the user id seated at each seat index now (null: empty).
 */
export function projectHoldem(state: HoldemState | null, target: HoldemTableState, occupants: readonly (string | null)[], minRaiseTo: number): void {
  const seatCount = occupants.length;
  while (target.seats.length < seatCount) {
    const s = new HoldemSeatState();
    s.seat = target.seats.length;
    target.seats.push(s);
  }
  if (!state) return;
  const set = <K extends keyof HoldemTableState>(key: K, value: HoldemTableState[K]) => {
    if (target[key] !== value) target[key] = value;
  };
  set("handNo", state.handNo);
  set("street", state.street);
  set("button", state.button ?? -1);
  set("toAct", state.toAct ?? -1);
  set("turnDeadline", state.turnDeadline ?? 0);
  set("currentBet", state.currentBet);
  set("minRaiseTo", minRaiseTo);
  set("pot", state.pots.reduce((sum, p) => sum + (p.awarded ? 0 : p.amount), 0));
  set("smallBlind", state.smallBlind);
  set("bigBlind", state.bigBlind);
  setArray(target.board, state.board);
  for (const seatState of target.seats) {
    const player = state.players.find((p) => p.seat === seatState.seat);
    const inHand = Boolean(player) && state.street !== "idle";
    if (seatState.inHand !== inHand) seatState.inHand = inHand;
    const stack = player?.stack ?? 0;
    if (seatState.stack !== stack) seatState.stack = stack;
    const committed = player?.committed ?? 0;
    if (seatState.committed !== committed) seatState.committed = committed;
    const folded = player?.folded ?? false;
    if (seatState.folded !== folded) seatState.folded = folded;
    const allIn = player?.allIn ?? false;
    if (seatState.allIn !== allIn) seatState.allIn = allIn;
    // Private to the (user, hand) dealt in, seen through the seat only while that user sits there.
    const ownerSeated = player !== undefined && occupants[seatState.seat] === player.userId;
    setArray(seatState.holeCards, player && inHand && ownerSeated ? player.holeCards : []);
    setArray(seatState.shownCards, player?.revealed ? player.holeCards : []);
  }
}
