import { href } from "../router.ts";
import { signedInAs } from "../session.ts";
import { useStore } from "../store.ts";
import { useTable, type TableSession } from "../use-table.ts";
import { DiningTable } from "./dining.tsx";
import { firstFreeSeat, SeatControls } from "./seat-controls.tsx";
import { HoldemTable } from "./holdem.tsx";

const SIT_ON_ARRIVAL = "holdfast:sit-on-arrival";

/** The lobby's "Join": the table view takes a free seat once it has joined. */
export function requestSeatOnArrival(tableId: string): void {
  sessionStorage.setItem(SIT_ON_ARRIVAL, tableId);
}

function takeSeatRequest(tableId: string): boolean {
  const wanted = sessionStorage.getItem(SIT_ON_ARRIVAL) === tableId;
  if (wanted) sessionStorage.removeItem(SIT_ON_ARRIVAL);
  return wanted;
}

/** What the connection's status means for the player, when it needs saying. */
function ConnectionNotice({ session }: { session: TableSession }) {
  const { status, conn } = session;
  if (status === "replaced") {
    return (
      <div class="banner warn" role="status" data-testid="replaced">
        <span>Your seat is now played in another tab or device. This page stopped following the table.</span>
        <button type="button" onClick={session.rejoin}>
          Play here instead
        </button>
      </div>
    );
  }
  if (status === "reconnecting") {
    return (
      <div class="banner info" role="status">
        <span>Connection dropped; getting back in. {conn && conn.seat !== null ? "Your seat is kept while we reconnect." : ""}</span>
        <button type="button" onClick={() => conn?.retryNow()}>
          Retry now
        </button>
      </div>
    );
  }
  if (status === "lost") {
    return (
      <div class="banner error" role="status" data-testid="lost">
        <span>The connection to this table is lost{session.failure ? `: ${session.failure.message}` : ""}.</span>
        <button type="button" onClick={session.rejoin}>
          Join again
        </button>
      </div>
    );
  }
  return null;
}

export function TableView({ tableId }: { tableId: string }) {
  const name = useStore(signedInAs);
  if (name === null) {
    return (
      <section class="panel">
        <h2>{tableId}</h2>
        <p>
          <a href={href({ name: "lobby" })}>Sign in in the lobby</a> to join or watch this table.
        </p>
      </section>
    );
  }
  return <JoinedTable tableId={tableId} />;
}

function JoinedTable({ tableId }: { tableId: string }) {
  const session = useTable(tableId, async (conn) => {
    if (takeSeatRequest(tableId) && conn.seat === null) {
      if (firstFreeSeat(conn.state) !== null) await conn.sit();
    }
  });
  const { conn, state } = session;
  return (
    <div class="table-page" data-testid="table-page" data-table={tableId}>
      <ConnectionNotice session={session} />
      {!conn || !state ? (
        session.status === "lost" ? null : <p class="panel muted">Joining {tableId}…</p>
      ) : state.kind === "holdem" ? (
        <HoldemTable conn={conn} state={state} session={session} />
      ) : state.kind === "dining" ? (
        <DiningTable conn={conn} state={state} session={session} />
      ) : (
        <section class="panel">
          <h2>{tableId}</h2>
          <p>This page cannot show tables of kind {state.kind}.</p>
          <SeatControls conn={conn} state={state} session={session} />
        </section>
      )}
    </div>
  );
}
