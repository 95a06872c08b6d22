import type { TableSummary } from "@holdfast/client-sdk";
import { useEffect, useState } from "preact/hooks";
import { api, client, serverInfo } from "../client.ts";
import { connectionStatus } from "../connection-status.ts";
import { guard } from "../errors.ts";
import { navigate } from "../router.ts";
import { signInAsGuest, signedInAs, signOut } from "../session.ts";
import { useStore } from "../store.ts";
import { requestSaleJoinOnArrival } from "./sale.tsx";
import { requestSeatOnArrival } from "./table.tsx";

/** How often the lobby re-reads the table list (it changes as people sit and leave). */
export const LOBBY_POLL_MS = 3000;

type Listed = TableSummary & { options?: { bigBlind?: number; smallBlind?: number; branchId?: string } };

function stakes(t: Listed): string {
  if (t.kind === "holdem") {
    const big = t.options?.bigBlind ?? 10;
    return `${t.options?.smallBlind ?? Math.floor(big / 2)}/${big}`;
  }
  if (t.kind === "dining") return t.options?.branchId ? `branch ${t.options.branchId}` : "-";
  return "-";
}

const KIND_NAMES: Record<string, string> = { holdem: "Hold'em", dining: "Dining" };

/** The live table list: polled, so seat and spectator counts follow without a reload. */
function TableList({ signedIn }: { signedIn: boolean }) {
  const [tables, setTables] = useState<Listed[] | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const list = (await client.tables.list()) as Listed[];
        if (stopped) return;
        setTables(list);
        connectionStatus.set("connected");
      } catch {
        if (!stopped) connectionStatus.set("reconnecting");
      }
      if (!stopped) timer = setTimeout(poll, LOBBY_POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  if (tables === null) return <p class="muted">Loading tables…</p>;
  if (tables.length === 0) return <p class="muted">No tables yet.</p>;
  return (
    <div class="table-list" data-testid="table-list">
      {tables.map((t) => (
        <article class="table-card" key={t.tableId} data-table={t.tableId}>
          <div class="table-card-head">
            <b class="table-name">{t.tableId}</b>
            <span class={`tag kind-${t.kind}`}>{KIND_NAMES[t.kind] ?? t.kind}</span>
          </div>
          <dl class="facts">
            <div>
              <dt>Seated</dt>
              <dd data-testid={`seated-${t.tableId}`}>
                {t.seated}/{t.seats}
              </dd>
            </div>
            <div>
              <dt>Watching</dt>
              <dd data-testid={`spectators-${t.tableId}`}>{t.spectators}</dd>
            </div>
            <div>
              <dt>{t.kind === "holdem" ? "Blinds" : "Where"}</dt>
              <dd>{stakes(t)}</dd>
            </div>
          </dl>
          <div class="row">
            <button
              type="button"
              class="primary"
              data-join={t.tableId}
              disabled={!signedIn || t.seated >= t.seats}
              onClick={() => {
                requestSeatOnArrival(t.tableId);
                navigate({ name: "table", id: t.tableId });
              }}
            >
              {t.kind === "dining" ? "Sit down" : "Join"}
            </button>
            <button type="button" data-watch={t.tableId} disabled={!signedIn} onClick={() => navigate({ name: "table", id: t.tableId })}>
              Watch
            </button>
          </div>
        </article>
      ))}
    </div>
  );
}

function SignIn() {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="signin row"
      onSubmit={guard(async (ev: Event) => {
        ev.preventDefault();
        setBusy(true);
        try {
          await signInAsGuest(name);
        } finally {
          setBusy(false);
        }
      })}
    >
      <label for="guest-name">Your name</label>
      <input id="guest-name" data-testid="guest-name" maxLength={40} value={name} placeholder="e.g. Ada" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <button type="submit" class="primary" data-testid="signin" disabled={busy}>
        Sign in as guest
      </button>
    </form>
  );
}

function SaleEntry() {
  const [saleId, setSaleId] = useState("");
  const [demo, setDemo] = useState(false);
  useEffect(() => {
    void serverInfo().then((i) => setDemo(Boolean(i.demoPayments)));
  }, []);
  return (
    <div class="row wrap">
      <form
        class="row"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (saleId.trim()) navigate({ name: "sale", id: saleId.trim() });
        }}
      >
        <label for="sale-id">Sale id</label>
        <input id="sale-id" data-testid="sale-id" value={saleId} onInput={(e) => setSaleId((e.target as HTMLInputElement).value)} />
        <button type="submit">Open sale</button>
      </form>
      {demo ? (
        <button
          type="button"
          data-testid="demo-sale"
          onClick={guard(async () => {
            const created = await api<{ sale?: { saleId: string }; saleId?: string }>("POST", "/api/demo/sale");
            const saleId = created.sale?.saleId ?? created.saleId ?? "";
            requestSaleJoinOnArrival(saleId);
            navigate({ name: "sale", id: saleId });
          })}
        >
          Start a demo sale
        </button>
      ) : null}
    </div>
  );
}

export function LobbyView() {
  const name = useStore(signedInAs);
  const signedIn = name !== null;
  return (
    <div class="lobby">
      <section class="panel intro">
        <h1>Tables, seats and flash sales that hold</h1>
        <p>
          Holdfast is an open room server: players keep their seat through reloads and dropped connections, every table keeps a fair, replayable
          log, and flash sales admit buyers from a fair line without overselling. Sit at a Hold'em table, share a cart at a dining table, or join a
          sale's line.
        </p>
        {signedIn ? (
          <p class="row">
            Signed in as <b data-testid="signed-in-name">{name}</b>
            <button type="button" class="link" onClick={guard(signOut)}>
              Sign out
            </button>
          </p>
        ) : (
          <SignIn />
        )}
      </section>
      <section class="panel">
        <h2>Tables</h2>
        {signedIn ? null : <p class="muted">Sign in to join or watch a table.</p>}
        <TableList signedIn={signedIn} />
      </section>
      <section class="panel">
        <h2>Flash sales</h2>
        {signedIn ? <SaleEntry /> : <p class="muted">Sign in to join a sale's line.</p>}
      </section>
    </div>
  );
}
