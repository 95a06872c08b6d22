// Sit, stand and back to the lobby: shared by every kind of table view (a module of its
// own so the table views and the page that picks them do not import each other).
import type { TableConnection, TableStateView } from "@holdfast/client-sdk";
import { guard } from "../errors.ts";
import { href } from "../router.ts";
import type { TableSession } from "../use-table.ts";

export function firstFreeSeat(state: TableStateView): number | null {
  return (state.seats ?? []).find((s) => s.status === "empty")?.index ?? null;
}

/** Sit, stand, back to the lobby: the same at every kind of table. */
export function SeatControls({ conn, state, session }: { conn: TableConnection; state: TableStateView; session: TableSession }) {
  const seated = conn.seat !== null;
  const free = firstFreeSeat(state);
  return (
    <div class="row seat-controls">
      {seated ? (
        <button type="button" data-testid="stand" onClick={guard(async () => {
            await conn.stand();
            session.refresh();
          })}>
          Stand up
        </button>
      ) : (
        <button type="button" class="primary" data-testid="sit-any" disabled={free === null} onClick={guard(async () => {
            // No seat named: the table picks a free one (two people joining at once never race for the same seat).
            await conn.sit();
            session.refresh();
          })}>
          {free === null ? "Table full" : "Take a seat"}
        </button>
      )}
      <a class="button-link" href={href({ name: "lobby" })}>
        Back to the lobby
      </a>
    </div>
  );
}
