// The Holdfast demo page: plain JS over the bundled SDK (server/public/build), no framework.
import { HoldfastClient, HoldfastError } from "/build/holdfast-sdk.js";

const $ = (sel) => document.querySelector(sel);

/**
 * Builds an element. Every piece of text (names, notes, ids: anything a user could have
 * typed) goes in as a text node, never as markup: the page has no innerHTML, so a guest
 * named `<img src=x onerror=...>` shows as that text.
 * `attrs`: attributes (`class`, `data-*`, `disabled`...); false/null/undefined are skipped.
 */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false).map((c) => (c instanceof HTMLElement ? c : String(c))));
  return node;
}
const client = new HoldfastClient({ url: location.origin });
const info = await fetch("/api/info").then((r) => r.json()).catch(() => ({}));
let table = null; // TableConnection
let sale = null; // SaleConnection
let lastHold = null;
let lastOrder = null;

function showError(err) {
  const e = HoldfastError.from(err);
  $("#error").textContent = `${e.code}: ${e.message}`;
  setTimeout(() => ($("#error").textContent = ""), 6000);
}
const guard = (fn) => (...args) => Promise.resolve(fn(...args)).catch(showError);

function setStatus(status) {
  const pill = $("#status");
  pill.textContent = status;
  pill.className = `pill ${status}`;
}

async function signIn() {
  if (!(await client.auth.restore())) await client.auth.guest(`guest-${Math.floor(Math.random() * 1000)}`);
  $("#who").textContent = client.auth.session.name;
  $("#signin").hidden = true;
  await listTables();
}

// --- tables ------------------------------------------------------------------------
async function listTables() {
  const tables = await client.tables.list();
  const rows = tables.map((t) =>
    el(
      "tr",
      {},
      el("td", {}, t.tableId),
      el("td", {}, t.kind),
      el("td", {}, `${t.seated}/${t.seats}`),
      el("td", {}, t.spectators),
      el("td", {}, el("button", { "data-join": t.tableId }, "Join"), " ", el("button", { "data-watch": t.tableId }, "Watch")),
    ),
  );
  const header = el("tr", {}, ...["table", "kind", "seated", "watching", ""].map((h) => el("th", {}, h)));
  $("#table-list").replaceChildren(el("table", { class: "list" }, header, rows));
}

async function openTable(tableId, spectate) {
  if (table) await table.leave();
  table = await client.tables.join(tableId, { spectate });
  $("#table").hidden = false;
  $("#table-title").textContent = tableId;
  $("#events").replaceChildren();
  setStatus(table.status);
  table.onStatus(setStatus);
  table.onState(render);
  table.onEvent((e) => {
    const li = document.createElement("li");
    li.value = e.seq;
    li.textContent = `${e.type} ${JSON.stringify(e.data)}`;
    $("#events").prepend(li);
  });
  table.onError(showError);
  render(table.state);
}

/** Cards as `<span>` elements, or "-" when there are none. */
function cardNodes(cards) {
  const list = Array.from(cards ?? []);
  return list.length ? list.map((c) => el("span", {}, c)) : ["-"];
}

function render(state) {
  if (!table || !state) return;
  const me = client.auth.session?.userId;
  const h = state.holdem;
  $("#table-meta").textContent = `${state.kind}, seq ${state.seq}, ${state.spectators} watching${table.seat !== null ? `, you are in seat ${table.seat}` : ""}`;
  $("#seats").replaceChildren(
    ...Array.from(state.seats).map((s) => {
      const hs = h?.seats?.[s.index];
      let body;
      if (s.status === "empty") {
        body = [el("button", { "data-sit": s.index, disabled: table.seat !== null }, "Sit here")];
      } else {
        const chips = `${hs?.inHand ? hs.stack : s.stack} chips${hs?.committed ? `, in ${hs.committed}` : ""}${hs?.folded ? ", folded" : ""}`;
        body = [
          el("b", {}, s.name),
          el("div", {}, chips),
          s.status === "away" && el("div", { "data-testid": `countdown-${s.index}` }, `away, ${Math.max(0, Math.ceil((s.awayUntil - Date.now()) / 1000))} s left`),
          hs?.shownCards?.length ? el("div", { class: "cards" }, cardNodes(hs.shownCards)) : null,
        ];
      }
      const cls = ["seat", s.status, s.userId === me ? "mine" : "", h && h.toAct === s.index ? "to-act" : ""].join(" ");
      return el("div", { class: cls, "data-testid": `seat-${s.index}`, "data-status": s.status }, `#${s.index} `, body);
    }),
  );
  $("#holdem").hidden = state.kind !== "holdem";
  $("#dining").hidden = state.kind !== "dining";
  if (h) {
    $("#board").replaceChildren(...cardNodes(h.board));
    $("#pot").textContent = h.pot;
    const mine = table.seat !== null ? h.seats?.[table.seat] : null;
    $("#my-cards").replaceChildren(...cardNodes(mine?.holeCards));
    $("#turn").textContent = h.toAct >= 0 ? `seat ${h.toAct} to act (${Math.max(0, Math.ceil((h.turnDeadline - Date.now()) / 1000))} s)` : h.street;
  }
  if (state.dining) {
    const cart = state.dining;
    $("#cart-meta").textContent = `cart ${cart.cartNo}, ${cart.status}${cart.lastOrderId ? `, last order ${cart.lastOrderId}` : ""}`;
    $("#cart").replaceChildren(
      ...Array.from(cart.lines).map((l) =>
        // note and addedBy reach diners and branch staff only (a spectator's lines lack them).
        el("li", {}, `${l.quantity} x ${l.sku}${l.note ? ` (${l.note})` : ""} `, l.addedBy ? el("small", {}, `by ${Array.from(l.addedBy).length} diner(s)`) : null),
      ),
    );
  }
}

function cartQuantity(sku) {
  const line = Array.from(table?.state?.dining?.lines ?? []).find((l) => l.sku === sku && !l.note && l.options === "{}");
  return line ? line.quantity : 0;
}

// Countdowns tick between state changes.
setInterval(() => table && render(table.state), 1000);

$("#menu").replaceChildren(
  ...["ramen", "gyoza", "matcha"].map((sku) =>
    el("span", {}, `${sku} `, el("button", { "data-add": sku, "data-testid": `add-${sku}` }, "+"), el("button", { "data-remove": sku }, "-")),
  ),
);

document.addEventListener(
  "click",
  guard(async (ev) => {
    const t = ev.target;
    if (!(t instanceof HTMLElement)) return;
    if (t.dataset.join) await openTable(t.dataset.join, false);
    else if (t.dataset.watch) await openTable(t.dataset.watch, true);
    else if (t.dataset.sit) await table.sit({ seat: Number(t.dataset.sit) });
    else if (t.dataset.act) {
      const amount = Number($("#amount").value) || undefined;
      await table.act(t.dataset.act, ["bet", "raise"].includes(t.dataset.act) ? amount : undefined);
    } else if (t.dataset.add) await table.command("cart.set", { sku: t.dataset.add, quantity: cartQuantity(t.dataset.add) + 1 });
    else if (t.dataset.remove) await table.command("cart.set", { sku: t.dataset.remove, quantity: Math.max(0, cartQuantity(t.dataset.remove) - 1) });
    else if (t.dataset.view) {
      document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b === t));
      $("#view-tables").hidden = t.dataset.view !== "tables";
      $("#view-sale").hidden = t.dataset.view !== "sale";
    } else if (t.dataset.outcome) {
      const res = await fetch("/api/demo/pay", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${client.auth.token}` },
        body: JSON.stringify({ orderId: lastOrder.orderId, outcome: t.dataset.outcome }),
      });
      const body = await res.json();
      if (!res.ok) throw new HoldfastError(body.error.code, body.error.message);
      $("#order-box").textContent = `order ${body.orderId}: ${body.status}`;
    }
  }),
);

$("#signin").onclick = guard(signIn);
$("#leave-table").onclick = guard(async () => {
  await table?.leave();
  table = null;
  $("#table").hidden = true;
  setStatus("offline");
  await listTables();
});
$("#stand").onclick = guard(() => table?.stand());
$("#checkout").onclick = guard(() => table?.command("checkout", {}));
$("#close-table").onclick = guard(() => table?.command("close", {}));

// --- flash sale ---------------------------------------------------------------------
function renderTicket(t) {
  const eta = t.eta === null ? "" : `, about ${Math.ceil(t.eta)} s`;
  $("#ticket").textContent = t.prequeue ? `You are in the pre-queue (${t.status})` : `${t.status}${t.position ? `, position ${t.position}${eta}` : ""}`;
  $("#hold").disabled = t.status !== "admitted";
}

async function joinSale(saleId) {
  if (sale) await sale.close?.();
  sale = await client.sales.join(saleId);
  sale.onStatus?.((s) => setStatus(s));
  sale.onTicket(renderTicket);
  setStatus("connected");
}

$("#join-sale").onclick = guard(() => joinSale($("#sale-id").value.trim()));
$("#demo-sale").onclick = guard(async () => {
  const res = await fetch("/api/demo/sale", { method: "POST", headers: { authorization: `Bearer ${client.auth.token}` } });
  const body = await res.json();
  if (!res.ok) throw new HoldfastError(body.error.code, body.error.message);
  $("#sale-id").value = body.sale?.saleId ?? body.saleId;
  await joinSale($("#sale-id").value);
});
$("#hold").onclick = guard(async () => {
  lastHold = await sale.hold(1);
  $("#order-box").textContent = `holding ${lastHold.sku} until ${new Date(lastHold.expiresAt).toLocaleTimeString()}`;
  $("#order").disabled = false;
});
$("#order").onclick = guard(async () => {
  const res = await fetch("/api/orders", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${client.auth.token}`, "idempotency-key": `demo-${lastHold.holdId}` },
    body: JSON.stringify({ holdIds: [lastHold.holdId] }),
  });
  const body = await res.json();
  if (!res.ok) throw new HoldfastError(body.error.code, body.error.message);
  lastOrder = body.order;
  $("#order-box").textContent = `order ${lastOrder.orderId}: ${lastOrder.status}, pay within ${body.payment.durationMinutes} minutes`;
  $("#order").disabled = true;
  $("#demo-pay").hidden = !info.demoPayments;
});
$("#demo-sale").hidden = !info.demoPayments;

// A returning visitor (same browser) is signed in again and back in their seat.
if (await client.auth.restore()) {
  await signIn();
  const last = sessionStorage.getItem("holdfast:lastTable");
  if (last) await openTable(last, false).catch(showError);
}
window.addEventListener("beforeunload", () => table && sessionStorage.setItem("holdfast:lastTable", table.tableId));
