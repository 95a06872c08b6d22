import { HoldfastError } from "@holdfast/client-sdk";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { client } from "../client.ts";
import { Panel } from "../components.tsx";
import { connectionStatus } from "../connection-status.ts";
import { guard } from "../errors.ts";
import { countdown, money } from "../format.ts";
import { ORDER_STATES, opsApi, type OpsNode, type OpsOrder, type OpsSale, type OpsScope, type OpsSeat, type OpsTable, type OrderState } from "../ops-api.ts";
import { signedInAs } from "../session.ts";
import { useNow } from "../store.ts";
import "./ops.css";

/** How often the console re-reads everything it shows (each section is one request). */
export const OPS_POLL_MS = 3000;

/**
 * Calls `load` now and every OPS_POLL_MS while mounted; `refresh` re-reads at once (after
 * an action). Failures keep the last data and show the status as reconnecting.
 */
function usePoll<T>(load: () => Promise<T>, deps: unknown[]): [T | null, () => void] {
  const [data, setData] = useState<T | null>(null);
  const tick = useRef<() => void>(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      clearTimeout(timer);
      // A hidden tab doesn't poll: an open console in a background tab would spend the
      // operator's request budget (the API's per-IP rate limit) for nothing.
      if (document.hidden) {
        timer = setTimeout(run, OPS_POLL_MS);
        return;
      }
      try {
        const value = await load();
        if (stopped) return;
        setData(value);
        connectionStatus.set("connected");
      } catch {
        if (!stopped) connectionStatus.set("reconnecting");
      }
      if (!stopped) timer = setTimeout(run, OPS_POLL_MS);
    };
    tick.current = () => void run();
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return [data, useCallback(() => tick.current(), [])];
}

const shortId = (id: string) => id.slice(0, 8);
const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** A button that runs an async action once at a time, its errors in the banner. */
function ActionButton({ label, onRun, class: cls, testid, ariaLabel }: { label: string; onRun: () => Promise<unknown>; class?: string; testid?: string; ariaLabel?: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      class={cls}
      data-testid={testid}
      aria-label={ariaLabel}
      disabled={busy}
      onClick={guard(async () => {
        setBusy(true);
        try {
          await onRun();
        } finally {
          setBusy(false);
        }
      })}
    >
      {label}
    </button>
  );
}

function SeatRow({ table, seat, now, onDone }: { table: OpsTable; seat: OpsSeat; now: number; onDone: () => void }) {
  return (
    <li class={`ops-seat seat-${seat.status}`} data-testid={`ops-seat-${table.tableId}-${seat.seat}`} data-status={seat.status}>
      <span class="ops-seat-no">#{seat.seat}</span>
      <span class="ops-seat-name">{seat.status === "empty" ? <span class="muted">empty</span> : seat.name || seat.userId}</span>
      <span class={`tag status-${seat.status}`}>{seat.status}</span>
      {seat.status === "away" && seat.awayUntil !== null ? (
        <span class="ops-countdown" data-testid={`ops-away-${table.tableId}-${seat.seat}`} title="until the seat frees itself">
          {countdown(seat.awayUntil, now)}
        </span>
      ) : null}
      {seat.status === "away" ? (
        <ActionButton
          label="Release"
          class="danger"
          testid={`ops-release-${table.tableId}-${seat.seat}`}
          ariaLabel={`Release seat ${seat.seat} of ${table.tableId}`}
          onRun={async () => {
            await opsApi.release(table.tableId, seat.seat);
            onDone();
          }}
        />
      ) : null}
    </li>
  );
}

function TableCard({ table, now, onDone }: { table: OpsTable; now: number; onDone: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const seats = table.live?.seats ?? [];
  const seated = seats.filter((s) => s.status !== "empty").length;
  return (
    <article class="ops-card" data-testid={`ops-table-${table.tableId}`}>
      <div class="ops-card-head">
        <b class="ops-name">{table.tableId}</b>
        <span class={`tag kind-${table.kind}`}>{table.kind}</span>
      </div>
      <p class="muted ops-meta">
        {table.branchId ? `branch ${table.branchId} · ` : ""}
        node <code data-testid={`ops-host-${table.tableId}`}>{shortId(table.hostedBy)}</code>
        {table.live ? ` · ${seated}/${seats.length} seated · ${table.live.clients} connected` : " · not answering"}
      </p>
      <ul class="ops-seats">
        {seats.map((s) => (
          <SeatRow key={s.seat} table={table} seat={s} now={now} onDone={onDone} />
        ))}
      </ul>
      <div class="row">
        {confirming ? (
          <>
            <ActionButton
              label="Release every seat"
              class="danger"
              testid={`ops-close-confirm-${table.tableId}`}
              onRun={async () => {
                await opsApi.close(table.tableId);
                setConfirming(false);
                onDone();
              }}
            />
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" data-testid={`ops-close-${table.tableId}`} disabled={seated === 0} onClick={() => setConfirming(true)}>
            Close table…
          </button>
        )}
      </div>
    </article>
  );
}

function TablesSection() {
  const [data, refresh] = usePoll(() => opsApi.tables(), []);
  const now = useNow(1000);
  return (
    <Panel title="Live tables" testid="ops-tables">
      {data === null ? (
        <p class="muted">Loading…</p>
      ) : data.tables.length === 0 ? (
        <p class="muted">No live tables.</p>
      ) : (
        <div class="ops-grid">
          {data.tables.map((t) => (
            <TableCard key={t.tableId} table={t} now={now} onDone={refresh} />
          ))}
        </div>
      )}
    </Panel>
  );
}

function Fact({ label, value, testid }: { label: string; value: string | number; testid?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testid}>{value}</dd>
    </div>
  );
}

function SaleCard({ sale, onDone }: { sale: OpsSale; onDone: () => void }) {
  const paused = sale.pausedAt !== null;
  const eta = sale.etaSeconds === null ? "–" : duration(sale.etaSeconds);
  const rate = sale.admissionRatePerSecond === null ? "–" : `${sale.admissionRatePerSecond}/s`;
  return (
    <article class="ops-card" data-testid={`ops-sale-${sale.saleId}`} data-paused={String(paused)}>
      <div class="ops-card-head">
        <b class="ops-name">{sale.saleId}</b>
        <span class={`tag sale-${paused ? "paused" : sale.status}`} data-testid={`ops-sale-status-${sale.saleId}`}>
          {paused ? "paused" : sale.status}
        </span>
      </div>
      <p class="muted ops-meta">
        {sale.sku} · starts {new Date(sale.startsAt).toLocaleString()}
      </p>
      <dl class="facts ops-facts">
        <Fact label="In line" value={sale.queueLength} testid={`ops-sale-queue-${sale.saleId}`} />
        <Fact label="Admitted" value={sale.admittedTotal} testid={`ops-sale-admitted-${sale.saleId}`} />
        <Fact label="Rate" value={rate} />
        <Fact label="Stock left" value={`${sale.stockRemaining}/${sale.quantity}`} />
        <Fact label="ETA (last)" value={eta} />
        <Fact label="Not holding" value={sale.outstanding} />
      </dl>
      <div class="row">
        {paused ? (
          <ActionButton
            label="Resume admission"
            class="primary"
            testid={`ops-resume-${sale.saleId}`}
            onRun={async () => {
              await opsApi.resume(sale.saleId);
              onDone();
            }}
          />
        ) : (
          <ActionButton
            label="Pause admission"
            class="danger"
            testid={`ops-pause-${sale.saleId}`}
            onRun={async () => {
              await opsApi.pause(sale.saleId);
              onDone();
            }}
          />
        )}
      </div>
    </article>
  );
}

function SalesSection() {
  const [data, refresh] = usePoll(() => opsApi.sales(), []);
  return (
    <Panel title="Flash sales" testid="ops-sales">
      {data === null ? (
        <p class="muted">Loading…</p>
      ) : data.sales.length === 0 ? (
        <p class="muted">No sales running or coming.</p>
      ) : (
        <div class="ops-grid">
          {data.sales.map((s) => (
            <SaleCard key={s.saleId} sale={s} onDone={refresh} />
          ))}
        </div>
      )}
    </Panel>
  );
}

function OrderRow({ order }: { order: OpsOrder }) {
  return (
    <li class="ops-order" data-testid={`ops-order-${order.orderId}`}>
      <code class="ops-name">{order.orderId}</code>
      <span>{money(order.amountCents)}</span>
      <span class="muted">{order.tableId ? `table ${order.tableId}` : "online"}</span>
      <span class="muted">{order.branchId ? `branch ${order.branchId}` : ""}</span>
      <span class="muted">{new Date(order.createdAt).toLocaleTimeString()}</span>
    </li>
  );
}

function OrdersSection() {
  const [status, setStatus] = useState<OrderState>("pending");
  const [data] = usePoll(() => opsApi.orders(status), [status]);
  return (
    <Panel title="Orders" testid="ops-orders">
      <div class="ops-tabs" role="tablist" aria-label="Order state">
        {ORDER_STATES.map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={s === status}
            class={s === status ? "primary" : ""}
            data-testid={`ops-orders-${s}`}
            onClick={() => setStatus(s)}
          >
            {s} {data ? <span class="ops-count">{data.counts[s]}</span> : null}
          </button>
        ))}
      </div>
      {data === null || data.status !== status ? (
        <p class="muted">Loading…</p>
      ) : data.orders.length === 0 ? (
        <p class="muted">No {status} orders.</p>
      ) : (
        <ul class="ops-orders">
          {data.orders.map((o) => (
            <OrderRow key={o.orderId} order={o} />
          ))}
        </ul>
      )}
    </Panel>
  );
}

function NodeCard({ node, self }: { node: OpsNode; self: boolean }) {
  return (
    <article class="ops-card" data-testid={`ops-node-${node.processId}`}>
      <div class="ops-card-head">
        <code class="ops-name">{shortId(node.processId)}</code>
        <span class={`tag ${node.draining ? "sale-paused" : "status-active"}`}>{node.draining ? "draining" : "up"}</span>
      </div>
      <p class="muted ops-meta">
        {node.publicAddress ?? "no public address"}
        {self ? " · answering this console" : ""}
      </p>
      <dl class="facts ops-facts">
        <Fact label="Rooms" value={node.rooms} />
        <Fact label="Clients" value={node.clients} />
        <Fact label="Loop lag" value={`${node.eventLoopLagMs} ms`} />
        <Fact label="Lag p99" value={`${node.eventLoopLagP99Ms} ms`} />
        <Fact label="RSS" value={mb(node.rssBytes)} />
        <Fact label="Uptime" value={duration(node.uptimeSeconds)} />
      </dl>
    </article>
  );
}

function NodesSection() {
  const [data] = usePoll(() => opsApi.nodes(), []);
  return (
    <Panel title="Nodes" testid="ops-nodes">
      {data === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <div class="ops-grid">
          {data.nodes.map((n, i) => (
            <NodeCard key={n.processId} node={n} self={i === 0} />
          ))}
        </div>
      )}
    </Panel>
  );
}

/** Operators sign in with a token from `npm run token -- --admin` (or a staff user's session). */
function OperatorSignIn({ reason, onSignedIn }: { reason: string; onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  return (
    <Panel title="Operator console" testid="ops-signin">
      <p>{reason}</p>
      <p class="muted">
        Admins paste an access token (<code>npm run token -- --admin</code>); branch staff sign in with the session their grant was given to.
      </p>
      <form
        class="row"
        onSubmit={guard(async (ev: Event) => {
          ev.preventDefault();
          const me = await client.auth.useToken(token.trim());
          signedInAs.set(me.name);
          setToken("");
          onSignedIn();
        })}
      >
        <label for="ops-token">Access token</label>
        <input id="ops-token" data-testid="ops-token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit" class="primary" data-testid="ops-token-submit" disabled={token.trim() === ""}>
          Use token
        </button>
      </form>
    </Panel>
  );
}

type ScopeState = { kind: "loading" } | { kind: "denied"; reason: string } | { kind: "ok"; scope: OpsScope };

/**
 * The operator console (`#/ops`): live tables with their seats, away countdowns and the
 * node hosting each (release an away seat, close a table); sales with their line, rate,
 * stock and ETA (pause, resume); orders by state; node health. Admins see everything,
 * branch staff their branches' tables and orders; the server checks every call.
 */
export function OpsView() {
  const [state, setState] = useState<ScopeState>({ kind: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!client.auth.token) {
      setState({ kind: "denied", reason: "Sign in as an operator to use the console." });
      return;
    }
    let stopped = false;
    opsApi.scope().then(
      (scope) => !stopped && setState({ kind: "ok", scope }),
      (err: unknown) => {
        if (stopped) return;
        const code = HoldfastError.from(err).code;
        setState({
          kind: "denied",
          reason: code === "FORBIDDEN" ? "This session is not an operator (no admin role, no branch grant)." : "Sign in as an operator to use the console.",
        });
      },
    );
    return () => {
      stopped = true;
    };
  }, [attempt]);

  if (state.kind === "loading") return <p class="muted">Loading…</p>;
  if (state.kind === "denied") return <OperatorSignIn reason={state.reason} onSignedIn={() => setAttempt((n) => n + 1)} />;
  const { scope } = state;
  return (
    <div class="ops" data-testid="ops">
      <Panel>
        <h1>Operator console</h1>
        <p class="muted" data-testid="ops-scope">
          {scope.admin ? "Admin: every table, sale, order and node." : `Staff of ${scope.branches.join(", ")}: their tables and orders.`} Refreshes every{" "}
          {OPS_POLL_MS / 1000} s.
        </p>
      </Panel>
      <TablesSection />
      {scope.admin ? <SalesSection /> : null}
      <OrdersSection />
      {scope.admin ? <NodesSection /> : null}
    </div>
  );
}
