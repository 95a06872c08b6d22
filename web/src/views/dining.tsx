import type { TableConnection, TableStateView } from "@holdfast/client-sdk";
import type { BranchMenuView, MenuItemView } from "@holdfast/shared";
import { useEffect, useState } from "preact/hooks";
import { api, client } from "../client.ts";
import { guard } from "../errors.ts";
import { money, secondsLeft } from "../format.ts";
import { fetchOrder, OrderBox, type OrderLike } from "../order-box.tsx";
import { useNow } from "../store.ts";
import type { TableSession } from "../use-table.ts";
import { History } from "./holdem.tsx";
import { SeatControls } from "./seat-controls.tsx";

/** How often the menu's stock is read again while the table is open. */
const MENU_POLL_MS = 5000;
const SIZES = ["regular", "large"] as const;

type Line = NonNullable<TableStateView["dining"]>["lines"][number];

function parseOptions(raw: string): Record<string, string | number | boolean> {
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string | number | boolean>) : {};
  } catch {
    return {};
  }
}

function optionsText(options: Record<string, string | number | boolean>): string {
  return Object.entries(options)
    .map(([k, v]) => (v === true ? k : `${k}: ${String(v)}`))
    .join(", ");
}

/** The branch's menu with prices and stock, read again every few seconds. */
function useMenu(tableId: string): { items: MenuItemView[] | null; branchId: string | null; reload: () => void } {
  const [menu, setMenu] = useState<BranchMenuView | null>(null);
  const [branchId, setBranchId] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    void client.tables.get(tableId).then((t) => {
      const b = (t as { options?: { branchId?: string } }).options?.branchId ?? null;
      if (!stopped) setBranchId(b);
    });
    return () => {
      stopped = true;
    };
  }, [tableId]);
  useEffect(() => {
    if (!branchId) return;
    let stopped = false;
    const read = () =>
      api<BranchMenuView>("GET", `/api/branches/${encodeURIComponent(branchId)}/menu`)
        .then((m) => !stopped && setMenu(m))
        .catch(() => undefined);
    void read();
    const timer = setInterval(read, MENU_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [branchId, tick]);
  return { items: menu?.items ?? null, branchId, reload: () => setTick((n) => n + 1) };
}

function MenuItem({ item, conn, seated, lines, onChange }: { item: MenuItemView; conn: TableConnection; seated: boolean; lines: Line[]; onChange: () => void }) {
  const [size, setSize] = useState<(typeof SIZES)[number]>("regular");
  const [note, setNote] = useState("");
  const add = guard(async () => {
    const options: Record<string, string> = size === "regular" ? {} : { size };
    const trimmed = note.trim();
    // The same dish with the same options and note is one line: raise its quantity.
    const same = lines.find((l) => l.sku === item.sku && l.options === JSON.stringify(options) && (l.note ?? "") === trimmed);
    await conn.setCartLine(item.sku, (same?.quantity ?? 0) + 1, { ...(size === "regular" ? {} : { options }), ...(trimmed ? { note: trimmed } : {}) });
    setNote("");
    onChange();
  });
  return (
    <li class="menu-item" data-sku={item.sku}>
      <div class="row">
        <b>{item.name}</b>
        <span class="price">{money(item.priceCents)}</span>
        <span class="spacer" />
        <span class={`muted small ${item.available === 0 ? "sold-out" : ""}`} data-testid={`stock-${item.sku}`}>
          {item.available === 0 ? "sold out" : `${item.available} left`}
        </span>
      </div>
      {seated ? (
        <form
          class="row menu-add"
          onSubmit={(ev) => {
            ev.preventDefault();
            add();
          }}
        >
          <select aria-label={`Size of ${item.name}`} value={size} onChange={(e) => setSize((e.target as HTMLSelectElement).value as (typeof SIZES)[number])}>
            {SIZES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <input aria-label={`Note for ${item.name}`} placeholder="note (optional)" maxLength={200} value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          <button type="submit" data-testid={`add-${item.sku}`} disabled={item.available === 0}>
            Add
          </button>
        </form>
      ) : null}
    </li>
  );
}

function CartLine({ line, conn, seated, names, price, now }: { line: Line; conn: TableConnection; seated: boolean; names: Map<string, string>; price?: MenuItemView; now: number }) {
  const options = parseOptions(line.options);
  const set = (quantity: number) =>
    guard(() => conn.setCartLine(line.sku, quantity, { ...(Object.keys(options).length ? { options } : {}), ...(line.note ? { note: line.note } : {}) }));
  const me = client.auth.session?.userId;
  const by = (line.addedBy ?? []).map((u) => (u === me ? "you" : (names.get(u) ?? "a diner")));
  return (
    <li class="cart-line" data-testid={`line-${line.sku}`}>
      <div class="row">
        <b>{price?.name ?? line.sku}</b>
        {Object.keys(options).length ? <span class="muted">({optionsText(options)})</span> : null}
        <span class="spacer" />
        {price ? <span>{money(price.priceCents * line.quantity)}</span> : null}
      </div>
      {line.note ? <div class="note">“{line.note}”</div> : null}
      <div class="row">
        {seated ? (
          <span class="row qty">
            <button type="button" aria-label={`One less ${price?.name ?? line.sku}`} onClick={set(line.quantity - 1)}>
              −
            </button>
            <span data-testid={`qty-${line.sku}`}>{line.quantity}</span>
            <button type="button" aria-label={`One more ${price?.name ?? line.sku}`} onClick={set(line.quantity + 1)}>
              +
            </button>
          </span>
        ) : (
          <span>× {line.quantity}</span>
        )}
        {by.length ? <small class="muted">added by {by.join(", ")}</small> : null}
        <span class="spacer" />
        <small class="muted" data-testid={`expiry-${line.sku}`}>
          held {secondsLeft(line.expiresAt, now)} s
        </small>
      </div>
    </li>
  );
}

const lastOrderKey = (tableId: string) => `holdfast:last-order:${tableId}`;

export function DiningTable({ conn, state, session }: { conn: TableConnection; state: TableStateView; session: TableSession }) {
  const now = useNow();
  const menu = useMenu(state.tableId);
  const [order, setOrder] = useState<OrderLike | null>(null);
  const cart = state.dining;
  const lines = cart?.lines ?? [];
  const seated = conn.seat !== null;
  const prices = new Map((menu.items ?? []).map((i) => [i.sku, i]));
  for (const i of menu.items ?? []) session.cast.dishNames.set(i.sku, i.name);
  const names = new Map((menu.items ?? []).map((i) => [i.sku, i.name]));
  const total = lines.reduce((sum, l) => sum + (prices.get(l.sku)?.priceCents ?? 0) * l.quantity, 0);

  // A reload keeps the order the viewer made here (its id in this tab's storage).
  useEffect(() => {
    const kept = sessionStorage.getItem(lastOrderKey(state.tableId));
    if (kept) void fetchOrder(kept).then(setOrder).catch(() => sessionStorage.removeItem(lastOrderKey(state.tableId)));
  }, [state.tableId]);

  const checkout = guard(async () => {
    const placed = await conn.checkout();
    sessionStorage.setItem(lastOrderKey(state.tableId), placed.orderId);
    setOrder({ ...placed, status: "pending" });
    menu.reload();
  });
  const seats = state.seats ?? [];
  return (
    <div class="dining">
      <section class="panel">
        <div class="row table-head">
          <h1 class="table-title">{state.tableId}</h1>
          <span class="tag kind-dining">Dining</span>
          {menu.branchId ? <span class="muted">branch {menu.branchId}</span> : null}
          <span class="muted" data-testid="spectators">
            {state.spectators} watching
          </span>
          <span class="spacer" />
          <span class="muted">{seated ? `You are in seat ${(conn.seat ?? 0) + 1}` : "You are watching"}</span>
        </div>
        <ul class="diners" data-testid="seats">
          {seats.map((s) => (
            <li key={s.index} class={`diner ${s.status}`} data-testid={`seat-${s.index}`} data-status={s.status}>
              <span class="muted small">Seat {s.index + 1}</span>{" "}
              {s.status === "empty" ? (
                !seated ? (
                  <button
                    type="button"
                    data-sit={s.index}
                    onClick={guard(async () => {
                      await conn.sit({ seat: s.index });
                      session.refresh();
                    })}
                  >
                    Sit here
                  </button>
                ) : (
                  <span class="muted">free</span>
                )
              ) : (
                <>
                  <b class="seat-name">{s.name}</b>
                  {s.status === "away" ? (
                    <span class="tag away" data-testid={`countdown-${s.index}`}>
                      away, {secondsLeft(s.awayUntil, now)} s left
                    </span>
                  ) : null}
                </>
              )}
            </li>
          ))}
        </ul>
        <SeatControls conn={conn} state={state} session={session} />
      </section>
      <div class="dining-grid">
        <section class="panel">
          <h2>Menu</h2>
          {menu.items === null ? <p class="muted">{menu.branchId === null ? "This table has no menu." : "Loading the menu…"}</p> : null}
          <ul class="plain menu" data-testid="menu">
            {(menu.items ?? []).map((item) => (
              <MenuItem key={item.sku} item={item} conn={conn} seated={seated} lines={lines} onChange={menu.reload} />
            ))}
          </ul>
          {!seated ? <p class="muted">Take a seat to order.</p> : null}
        </section>
        <section class="panel">
          <h2>
            Shared cart <small class="muted">#{cart?.cartNo ?? 0}</small>
          </h2>
          {lines.length === 0 ? <p class="muted">The cart is empty.</p> : null}
          <ul class="plain cart" data-testid="cart">
            {lines.map((l) => (
              <CartLine key={l.lineKey} line={l} conn={conn} seated={seated} names={session.cast.userNames} price={prices.get(l.sku)} now={now} />
            ))}
          </ul>
          <div class="row">
            <span>
              Total <b data-testid="cart-total">{money(total)}</b>
            </span>
            <span class="spacer" />
            <button type="button" class="primary" data-testid="checkout" disabled={!seated || lines.length === 0} onClick={checkout}>
              Check out
            </button>
            {seated ? (
              <button type="button" data-testid="close-table" disabled={lines.length === 0} onClick={guard(() => conn.closeTable())}>
                Clear the cart
              </button>
            ) : null}
          </div>
          {order ? <OrderBox order={order} names={names} /> : null}
        </section>
      </div>
      <History history={session.history} />
    </div>
  );
}
