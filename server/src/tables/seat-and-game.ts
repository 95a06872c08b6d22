import { TableEventType } from "@holdfast/shared";
import type { AppError } from "../errors.ts";
import type { GameContext, GameEvent, TableGame } from "./games/table-game.ts";
import { decideSeat, type SeatCommand } from "./seat-decider.ts";
import { evolveTable } from "./table-evolve.ts";
import type { TableModel } from "./table-model.ts";

/**
 * A seat command's events with what the game does about them: before a seat is released
 * (stand, grace expired), the game gets to end that player's part in it (holdem folds
 * the live hand at once, chips staying in the pot), so nobody's hand outlives their
 * seat and the next occupant starts with the next hand. Pure: the table master commits the
 * result, and the property tests call it the same way.
 */
export function decideSeatWithGame(
  model: TableModel,
  command: SeatCommand,
  game: Pick<TableGame, "leave" | "close">,
  ctx: GameContext,
): GameEvent[] | AppError {
  const decided = decideSeat(model, command);
  if (!Array.isArray(decided)) return decided;
  if (!game.leave && !game.close) return decided;
  const out: GameEvent[] = [];
  let running = model;
  const fold = (event: GameEvent) => {
    out.push(event);
    running = evolveTable(running, { seq: running.seq + 1, at: ctx.now, type: event.type, data: event.data });
  };
  // A close ends the game's round first (holdem: the hand called off, chips back), so
  // the releases below find nothing live to fold.
  if (command.type === "close" && decided.length > 0 && game.close) for (const e of game.close(running, ctx)) fold(e);
  for (const event of decided) {
    if (event.type === TableEventType.SEAT_RELEASED) {
      for (const e of game.leave?.(running, event.data.seat, event.data.userId, ctx) ?? []) fold(e);
    }
    fold(event);
  }
  return out;
}
