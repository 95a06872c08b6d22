import { ErrorCode, SeatStatus, TableEventType, type SeatReleaseReason } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { emptySeat, seatOf, type TableModel } from "./table-model.ts";

/**
 * The seat rules of every table, as a pure decider:
 * `decideSeat(state, command) -> events | AppError` and `evolveSeat(state, event) -> state`.
 * No I/O, no clock: times arrive in the command. The table master decides, appends
 * the events to the log, evolves, and broadcasts.
 */
export type SeatCommand =
  | { type: "sit"; userId: string; name: string; seat?: number; stack: number; tokenId: string }
  | { type: "stand"; userId: string }
  | { type: "drop"; userId: string; awayUntil: number }
  | { type: "return"; userId: string }
  | { type: "expire_away"; now: number }
  /** An operator frees one away seat (the player is gone; the grace need not run out). */
  | { type: "release"; seat: number }
  /** An operator closes the table: every occupied seat is freed. */
  | { type: "close" };

export type SeatEvent =
  | { type: typeof TableEventType.SEAT_TAKEN; data: { seat: number; userId: string; name: string; stack: number; tokenId: string } }
  | { type: typeof TableEventType.SEAT_AWAY; data: { seat: number; userId: string; awayUntil: number } }
  | { type: typeof TableEventType.SEAT_RETURNED; data: { seat: number; userId: string } }
  | { type: typeof TableEventType.SEAT_RELEASED; data: { seat: number; userId: string; reason: SeatReleaseReason } };

export function decideSeat(state: TableModel, command: SeatCommand): SeatEvent[] | AppError {
  switch (command.type) {
    case "sit": {
      if (seatOf(state, command.userId)) return new AppError(ErrorCode.ALREADY_SEATED, "you already have a seat at this table");
      let index = command.seat;
      if (index === undefined) {
        index = state.seats.find((s) => s.status === SeatStatus.EMPTY)?.index;
        if (index === undefined) return new AppError(ErrorCode.TABLE_FULL, "every seat is taken");
      }
      const seat = state.seats[index];
      if (!seat) return new AppError(ErrorCode.SEAT_INVALID, `seat ${index} does not exist (0 to ${state.seats.length - 1})`);
      if (seat.status !== SeatStatus.EMPTY) return new AppError(ErrorCode.SEAT_TAKEN, `seat ${index} is taken`);
      return [
        {
          type: TableEventType.SEAT_TAKEN,
          data: { seat: index, userId: command.userId, name: command.name, stack: command.stack, tokenId: command.tokenId },
        },
      ];
    }
    case "stand": {
      const seat = seatOf(state, command.userId);
      if (!seat) return new AppError(ErrorCode.NOT_SEATED, "you are not seated at this table");
      return [{ type: TableEventType.SEAT_RELEASED, data: { seat: seat.index, userId: command.userId, reason: "stand" } }];
    }
    case "drop": {
      const seat = seatOf(state, command.userId);
      if (!seat) return new AppError(ErrorCode.NOT_SEATED, "you are not seated at this table");
      if (seat.status === SeatStatus.AWAY) return [];
      return [{ type: TableEventType.SEAT_AWAY, data: { seat: seat.index, userId: command.userId, awayUntil: command.awayUntil } }];
    }
    case "return": {
      const seat = seatOf(state, command.userId);
      if (!seat) return new AppError(ErrorCode.NOT_SEATED, "you are not seated at this table");
      if (seat.status === SeatStatus.ACTIVE) return [];
      return [{ type: TableEventType.SEAT_RETURNED, data: { seat: seat.index, userId: command.userId } }];
    }
    case "expire_away":
      return state.seats
        .filter((s) => s.status === SeatStatus.AWAY && s.awayUntil <= command.now && s.userId)
        .map((s) => ({
          type: TableEventType.SEAT_RELEASED,
          data: { seat: s.index, userId: s.userId!, reason: "grace_expired" as const },
        }));
    case "release": {
      const seat = state.seats[command.seat];
      if (!seat) return new AppError(ErrorCode.SEAT_INVALID, `seat ${command.seat} does not exist (0 to ${state.seats.length - 1})`);
      // Only an away seat: releasing a connected player is a kick, which operators do not do.
      if (seat.status !== SeatStatus.AWAY || !seat.userId) return new AppError(ErrorCode.CONFLICT, `seat ${command.seat} is not away`);
      return [{ type: TableEventType.SEAT_RELEASED, data: { seat: seat.index, userId: seat.userId, reason: "operator" } }];
    }
    case "close":
      return state.seats
        .filter((s) => s.status !== SeatStatus.EMPTY && s.userId)
        .map((s) => ({ type: TableEventType.SEAT_RELEASED, data: { seat: s.index, userId: s.userId!, reason: "closed" as const } }));
  }
}

/** Applies one seat event. Returns a new state; never throws on events `decideSeat` made. */
export function evolveSeat(state: TableModel, event: SeatEvent): TableModel {
  const seats = state.seats.slice();
  const at = event.data.seat;
  switch (event.type) {
    case TableEventType.SEAT_TAKEN:
      seats[at] = {
        index: at,
        userId: event.data.userId,
        name: event.data.name,
        status: SeatStatus.ACTIVE,
        awayUntil: 0,
        stack: event.data.stack,
        tokenId: event.data.tokenId,
      };
      break;
    case TableEventType.SEAT_AWAY:
      seats[at] = { ...seats[at], status: SeatStatus.AWAY, awayUntil: event.data.awayUntil };
      break;
    case TableEventType.SEAT_RETURNED:
      seats[at] = { ...seats[at], status: SeatStatus.ACTIVE, awayUntil: 0 };
      break;
    case TableEventType.SEAT_RELEASED:
      seats[at] = emptySeat(at);
      break;
  }
  return { ...state, seats };
}

/** Event data as the public sees it: the seat token id stays on the server. */
export function publicSeatEventData(event: { type: string; data: Record<string, unknown> }): Record<string, unknown> {
  if (event.type !== TableEventType.SEAT_TAKEN) return event.data;
  const { tokenId: _secret, ...rest } = event.data;
  return rest;
}
