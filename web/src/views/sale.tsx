import type { CreateHoldResponse, SaleConnection, SaleView as SaleInfo, Ticket } from "@holdfast/client-sdk";
import type { CreateOrderResponse } from "@holdfast/shared";
import { useEffect, useState } from "preact/hooks";
import { api, client } from "../client.ts";
import { connectionStatus } from "../connection-status.ts";
import { guard, showError } from "../errors.ts";
import { countdown } from "../format.ts";
import { fetchOrder, OrderBox, type OrderLike } from "../order-box.tsx";
import { href } from "../router.ts";
import { signedInAs } from "../session.ts";
import { useNow, useStore } from "../store.ts";

/** How often the sale's public numbers (stock, line length) are read again. */
const SALE_POLL_MS = 3000;
const JOIN_ON_ARRIVAL = "holdfast:join-sale-on-arrival";

/** "Start a demo sale" in the lobby: the sale view joins the line at once. */
export function requestSaleJoinOnArrival(saleId: string): void {
  sessionStorage.setItem(JOIN_ON_ARRIVAL, saleId);
}

/** What this tab remembers of its progress in a sale, so a reload shows the same step. */
interface Progress {
  /** Joined the line from this tab (a reload joins again: the place is kept on the server). */
  joined?: boolean;
  hold?: CreateHoldResponse;
  orderId?: string;
}
const progressKey = (saleId: string) => `holdfast:sale:${saleId}`;
function loadProgress(saleId: string): Progress {
  try {
    return JSON.parse(sessionStorage.getItem(progressKey(saleId)) ?? "{}") as Progress;
  } catch {
    return {};
  }
}
function saveProgress(saleId: string, progress: Progress): void {
  sessionStorage.setItem(progressKey(saleId), JSON.stringify(progress));
}

const STEPS = [
  { key: "line", label: "In line" },
  { key: "admitted", label: "Admitted" },
  { key: "holding", label: "Holding" },
  { key: "ordered", label: "Ordered" },
  { key: "paid", label: "Paid" },
] as const;

function Steps({ current }: { current: number }) {
  return (
    <ol class="steps" aria-label="Your progress">
      {STEPS.map((s, i) => (
        <li key={s.key} class={i < current ? "done" : i === current ? "current" : ""} aria-current={i === current ? "step" : undefined}>
          {s.label}
        </li>
      ))}
    </ol>
  );
}

function SaleFacts({ info, now }: { info: SaleInfo; now: number }) {
  const startsAt = Date.parse(info.sale.startsAt);
  const endsAt = info.sale.endsAt ? Date.parse(info.sale.endsAt) : null;
  return (
    <dl class="facts sale-facts">
      <div>
        <dt>Status</dt>
        <dd data-testid="sale-status">{info.status.replace("_", " ")}</dd>
      </div>
      <div>
        <dt>{startsAt > now ? "Starts in" : "Started"}</dt>
        <dd data-testid="sale-start">{startsAt > now ? countdown(startsAt, now) : new Date(startsAt).toLocaleTimeString()}</dd>
      </div>
      <div>
        <dt>Left</dt>
        <dd data-testid="sale-stock">
          {info.stockRemaining}/{info.sale.quantity}
        </dd>
      </div>
      <div>
        <dt>In line</dt>
        <dd>{info.queueLength}</dd>
      </div>
      {endsAt ? (
        <div>
          <dt>Ends in</dt>
          <dd>{endsAt > now ? countdown(endsAt, now) : "ended"}</dd>
        </div>
      ) : null}
      <div>
        <dt>Limit</dt>
        <dd>{info.sale.perUserLimit} per buyer</dd>
      </div>
    </dl>
  );
}

export function SaleView({ saleId }: { saleId: string }) {
  const name = useStore(signedInAs);
  const now = useNow(500);
  const [info, setInfo] = useState<SaleInfo | null>(null);
  const [conn, setConn] = useState<SaleConnection | null>(null);
  const [ticket, setTicket] = useState<Ticket | null>(null);
  const [joining, setJoining] = useState(false);
  const [progress, setProgress] = useState<Progress>(() => loadProgress(saleId));
  const [order, setOrder] = useState<OrderLike | null>(null);
  const [quantity, setQuantity] = useState(1);
  const update = (next: Progress) => {
    saveProgress(saleId, next);
    setProgress(next);
  };

  // The sale's public numbers, polled.
  useEffect(() => {
    let stopped = false;
    const read = () =>
      client.sales
        .get(saleId)
        .then((i) => !stopped && setInfo(i))
        .catch((err: unknown) => !stopped && showError(err));
    void read();
    const timer = setInterval(read, SALE_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [saleId]);

  const join = async () => {
    setJoining(true);
    try {
      const c = await client.sales.join(saleId);
      c.onTicket(setTicket);
      // The room's numbers are live; the polled ones lag by up to SALE_POLL_MS.
      c.onState((live) => setInfo((i) => (i ? { ...i, status: live.status, stockRemaining: live.stockRemaining, queueLength: live.queueLength, admitted: live.admitted } : i)));
      c.onStatus((s) => connectionStatus.set(s));
      if (c.ticket) setTicket(c.ticket);
      setConn(c);
      const kept = loadProgress(saleId);
      if (!kept.joined) update({ ...kept, joined: true });
    } finally {
      setJoining(false);
    }
  };

  // Back in line after a reload (the place is kept on the server), or straight from the lobby's demo sale.
  useEffect(() => {
    if (name === null) return;
    const wanted = sessionStorage.getItem(JOIN_ON_ARRIVAL) === saleId;
    if (wanted) sessionStorage.removeItem(JOIN_ON_ARRIVAL);
    if (wanted || loadProgress(saleId).joined) join().catch(showError);
    else connectionStatus.set("connected");
    // Once per sale and user: `join` is a new function each render.
  }, [saleId, name]);

  useEffect(() => () => void conn?.close(), [conn]);

  useEffect(() => {
    if (progress.orderId && !order) void fetchOrder(progress.orderId).then(setOrder).catch(showError);
  }, [progress.orderId, order]);

  if (name === null) {
    return (
      <section class="panel">
        <h2>Flash sale {saleId}</h2>
        <p>
          <a href={href({ name: "lobby" })}>Sign in in the lobby</a> to join this sale's line.
        </p>
      </section>
    );
  }

  const hold = progress.hold;
  const holdLive = hold && Date.parse(hold.expiresAt) > now;
  const status = ticket?.status;
  const paid = order?.status === "paid";
  const step = paid ? 4 : order || progress.orderId ? 3 : status === "holding" || holdLive ? 2 : status === "admitted" ? 1 : 0;
  const maxQuantity = Math.max(1, info?.sale.perUserLimit ?? 1);

  const placeHold = guard(async () => {
    if (!conn) return;
    const placed = await conn.hold(quantity);
    update({ ...progress, hold: placed });
  });
  const createOrder = guard(async () => {
    if (!hold) return;
    const created = await api<CreateOrderResponse>("POST", "/api/orders", { holdIds: [hold.holdId] }, { "idempotency-key": `sale-${hold.holdId}` });
    update({ ...progress, orderId: created.order.orderId });
    setOrder(created.order);
  });

  return (
    <div class="sale">
      <section class="panel">
        <div class="row">
          <h1 class="table-title">Flash sale</h1>
          <code class="muted">{saleId}</code>
        </div>
        {info ? <SaleFacts info={info} now={now} /> : <p class="muted">Loading the sale…</p>}
      </section>
      <section class="panel" data-testid="sale-panel">
        <Steps current={step} />
        <div class="ticket" data-testid="ticket" data-ticket-status={order ? "done" : (status ?? "none")}>
          {!conn && !order ? (
            <div class="row">
              <span>Join the line to get a place. Before the start everyone who joined gets a random place at the start time.</span>
              <button type="button" class="primary" data-testid="join-sale" disabled={joining || info?.status === "ended"} onClick={guard(join)}>
                Join the line
              </button>
            </div>
          ) : null}
          {conn && !ticket ? <p class="muted">Getting your place…</p> : null}
          {!order && ticket?.status === "waiting" ? (
            ticket.prequeue ? (
              <p data-testid="prequeue">
                You are in the pre-queue. The sale starts in <b>{info ? countdown(Date.parse(info.sale.startsAt), now) : "…"}</b>; places are drawn at random then.
              </p>
            ) : (
              <p data-testid="position">
                You are <b>number {ticket.position}</b> in line
                {ticket.eta !== null ? (
                  <>
                    , about <b>{Math.max(1, Math.ceil(ticket.eta))} s</b> to go
                  </>
                ) : null}
                .
              </p>
            )
          ) : null}
          {!order && ticket?.status === "admitted" && !holdLive ? (
            <div class="row">
              <span>
                It is your turn. Hold within <b data-testid="admitted-until">{ticket.admittedUntil ? countdown(ticket.admittedUntil, now) : "…"}</b>.
              </span>
              {maxQuantity > 1 ? (
                <label class="row">
                  Quantity
                  <input type="number" min={1} max={maxQuantity} value={quantity} onInput={(e) => setQuantity(Math.min(maxQuantity, Math.max(1, Number((e.target as HTMLInputElement).value) || 1)))} />
                </label>
              ) : null}
              <button type="button" class="primary" data-testid="hold" onClick={placeHold}>
                Hold {quantity}
              </button>
            </div>
          ) : null}
          {!order && hold && (status === "holding" || holdLive) ? (
            <div class="row" data-testid="holding">
              <span>
                {holdLive ? (
                  <>
                    You hold {hold.quantity} until <b data-testid="hold-expires">{countdown(Date.parse(hold.expiresAt), now)}</b> from now. Order before it runs out.
                  </>
                ) : (
                  "Your hold ran out."
                )}
              </span>
              <button type="button" class="primary" data-testid="order" disabled={!holdLive} onClick={createOrder}>
                Create the order
              </button>
            </div>
          ) : null}
          {!order && ticket?.status === "sold_out" ? (
            <p data-testid="sold-out">Sold out for now. You keep your place: if units come back (unpaid orders expire), the line moves again.</p>
          ) : null}
          {!order && ticket?.status === "lapsed" ? <p data-testid="lapsed">Your turn passed: no hold was placed in time, so the next in line was admitted.</p> : null}
          {!order && ticket?.status === "ended" ? <p data-testid="ended">The sale has ended.</p> : null}
          {!order && ticket?.status === "left" ? <p>You left the line.</p> : null}
          {!order && ticket?.status === "done" && !progress.orderId ? <p>You made an order in this sale.</p> : null}
        </div>
        {order ? <OrderBox order={order} /> : null}
        {conn && !order && status && ["waiting", "sold_out"].includes(status) ? (
          <button
            type="button"
            class="link"
            onClick={guard(async () => {
              await conn.leave();
              update({});
              setConn(null);
              setTicket(null);
            })}
          >
            Leave the line
          </button>
        ) : null}
      </section>
    </div>
  );
}
