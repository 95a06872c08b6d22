import type { OrderView } from "@holdfast/client-sdk";
import { useEffect, useState } from "preact/hooks";
import { api, serverInfo } from "./client.ts";
import { guard } from "./errors.ts";
import { countdown, money } from "./format.ts";
import { useNow } from "./store.ts";

/** What the order box needs of an order (a checkout reply or an `OrderView`). */
export interface OrderLike {
  orderId: string;
  items: { sku: string; quantity: number }[];
  amountCents: number;
  currency: string;
  expiresAt: string;
  status?: OrderView["status"];
}

const STATUS_TEXT: Record<string, string> = {
  pending: "waiting for payment",
  paid: "paid",
  cancelled: "cancelled",
  expired: "expired (not paid in time)",
};

/**
 * An order of the viewer's: what it holds, its total, the pay-by countdown while it is
 * pending, and (with DEMO_PAYMENTS=on) buttons that simulate the payment provider's
 * answer; they go away once the order is no longer pending.
 */
export function OrderBox({ order, names }: { order: OrderLike; names?: Map<string, string> }) {
  const now = useNow();
  const [view, setView] = useState<OrderLike>(order);
  const [demo, setDemo] = useState(false);
  const [paying, setPaying] = useState(false);
  useEffect(() => setView(order), [order]);
  useEffect(() => {
    void serverInfo().then((i) => setDemo(Boolean(i.demoPayments)));
  }, []);
  const status = view.status ?? "pending";
  const pending = status === "pending" && Date.parse(view.expiresAt) > now;
  const shownStatus = status === "pending" && !pending ? "expired" : status;
  const pay = (outcome: "succeeded" | "failed") =>
    guard(async () => {
      setPaying(true);
      try {
        const paid = await api<OrderView>("POST", "/api/demo/pay", { orderId: view.orderId, outcome });
        setView({ ...view, status: paid.status });
      } finally {
        setPaying(false);
      }
    });
  return (
    <div class={`order-box status-${shownStatus}`} data-testid="order-box" data-order-status={shownStatus}>
      <div class="row">
        <b>Your order</b>
        <span class={`tag order-${shownStatus}`} data-testid="order-status">
          {STATUS_TEXT[shownStatus] ?? shownStatus}
        </span>
      </div>
      <ul class="plain">
        {view.items.map((i) => (
          <li key={i.sku}>
            {i.quantity} × {names?.get(i.sku) ?? i.sku}
          </li>
        ))}
      </ul>
      <div class="row">
        <span>
          Total <b>{money(view.amountCents, view.currency)}</b>
        </span>
        {pending ? (
          <span data-testid="pay-by">
            pay within <b>{countdown(Date.parse(view.expiresAt), now)}</b>
          </span>
        ) : null}
      </div>
      {demo && pending ? (
        <div class="row demo-pay">
          <span class="muted small">Demo payments (simulated provider):</span>
          <button type="button" class="primary" data-testid="pay-ok" disabled={paying} onClick={pay("succeeded")}>
            Pay {money(view.amountCents, view.currency)}
          </button>
          <button type="button" data-testid="pay-fail" disabled={paying} onClick={pay("failed")}>
            Simulate a failed payment
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** Reads an order again (after a reload the page only kept its id). */
export function fetchOrder(orderId: string): Promise<OrderView> {
  return api<OrderView>("GET", `/api/orders/${encodeURIComponent(orderId)}`);
}
