/**
 * Hold traffic for the `faults` scenario: a few guest buyers, each in a loop, holding one
 * unit of a SKU with limited stock (`POST /api/holds`), then either ordering it
 * (`POST /api/orders` with an Idempotency-Key) or releasing it (`DELETE /api/holds/:id`).
 * Only 201s count as acknowledged; a request that fails or times out during a fault is
 * counted as an error and retried with the same Idempotency-Key (a few times), and a hold
 * whose order failed is released, so no buyer piles up holds. `check()` tells whether the server still
 * agrees with what it acknowledged: units oversold and acknowledged orders it lost.
 */
import { randomUUID } from "node:crypto";
import { sleep } from "./common.ts";

/** Long enough for a paused database to come back; a hung request is given up then. */
const REQUEST_TIMEOUT_MS = 20_000;

interface Reply {
  status: number;
  body: any;
}

async function call(url: string, method: string, p: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export interface HoldTrafficOptions {
  /** Where buyers send their requests (the balancer in front of both nodes). */
  url: string;
  /** An admin token (stock set-up and the checks). */
  admin: string;
  buyers: number;
  stock: number;
  /** Pause between a buyer's requests (ms). */
  pauseMs: number;
}

export interface HoldCheck {
  /** Units sold + held beyond the stock (inventory counters, or acknowledged orders). */
  oversold: number;
  /** Acknowledged orders `GET /api/orders/:id` no longer finds. */
  ordersLost: number;
  inventory: { total: number; sold: number; held: number; available: number } | undefined;
}

export class HoldTraffic {
  readonly sku = `flt-${randomUUID().slice(0, 8)}`;
  holds = 0;
  orders = 0;
  releases = 0;
  soldOut = 0;
  errors = 0;
  /** Errors by what went wrong ("POST /api/holds 503 UNAVAILABLE", "timeout", ...). */
  readonly errorKinds = new Map<string, number>();
  /** Every acknowledged order id (quantity 1 each). */
  readonly orderIds: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly o: HoldTrafficOptions) {}

  /** Sets the stock, signs the buyers in as guests and starts their loops. */
  async start(): Promise<void> {
    const put = await call(this.o.url, "PUT", `/api/inventory/${this.sku}`, this.o.admin, { stock: this.o.stock, name: "faults", perUserLimit: this.o.stock });
    if (put.status !== 200) throw new Error(`inventory set-up: ${put.status} ${JSON.stringify(put.body)}`);
    const tokens: string[] = [];
    for (let i = 0; i < this.o.buyers; i++) {
      const guest = await call(this.o.url, "POST", "/api/auth/guest", undefined, { name: `buyer${i}` });
      if (guest.status !== 201) throw new Error(`guest sign-in: ${guest.status}`);
      tokens.push(guest.body.token);
    }
    this.running = true;
    this.loops = tokens.map((token, i) => this.buyer(token, i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** One buyer: hold, then order every other hold and release the rest (and failed orders). */
  private async buyer(token: string, i: number): Promise<void> {
    let n = i;
    while (this.running) {
      n++;
      const key = randomUUID();
      const hold = await this.retried("hold", () => call(this.o.url, "POST", "/api/holds", token, { sku: this.sku, quantity: 1 }, { "idempotency-key": key }), 201);
      if (hold?.status === 409 && hold.body?.error?.code === "SOLD_OUT") this.soldOut++;
      else if (hold?.status === 201) {
        this.holds++;
        await sleep(this.o.pauseMs);
        const holdId = hold.body.holdId as string;
        const ordered = n % 2 === 0 && (await this.order(token, holdId));
        if (!ordered) await this.release(token, holdId);
      } else if (hold) this.fail("hold", hold);
      await sleep(this.o.pauseMs);
    }
  }

  /**
   * `send` until it answers `ok` or a client error, at most 4 tries: a client retries the
   * same request (same Idempotency-Key) after a timeout, a refused connection or a 5xx.
   */
  private async retried(what: string, send: () => Promise<Reply>, ok: number): Promise<Reply | undefined> {
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const res = await send();
        if (res.status === ok || (res.status >= 400 && res.status < 500)) return res;
        this.fail(what, res);
      } catch (err) {
        this.fail((err as Error).name === "TimeoutError" ? `${what} timeout` : `${what} no answer`); // a paused database, a dead node
      }
      await sleep(this.o.pauseMs);
    }
    return undefined;
  }

  private async order(token: string, holdId: string): Promise<boolean> {
    const key = randomUUID();
    const res = await this.retried("order", () => call(this.o.url, "POST", "/api/orders", token, { holdIds: [holdId] }, { "idempotency-key": key }), 201);
    if (res?.status !== 201) {
      if (res) this.fail("order", res);
      return false;
    }
    this.orders++;
    this.orderIds.push(res.body.order.orderId);
    return true;
  }

  private async release(token: string, holdId: string): Promise<void> {
    const res = await this.retried("release", () => call(this.o.url, "DELETE", `/api/holds/${holdId}`, token), 204);
    if (res?.status === 204) this.releases++;
    else if (res) this.fail("release", res);
  }

  private fail(what: string, reply?: Reply): void {
    this.errors++;
    const kind = reply ? `${what} ${reply.status} ${reply.body?.error?.code ?? ""}`.trim() : what;
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }

  /** Oversold units and lost orders as the server answers now (admin reads). */
  async check(): Promise<HoldCheck> {
    const inv = await call(this.o.url, "GET", `/api/inventory/${this.sku}`, this.o.admin).catch(() => undefined);
    const inventory = inv?.status === 200 ? inv.body : undefined;
    let ordersLost = 0;
    for (const orderId of [...this.orderIds]) {
      const res = await call(this.o.url, "GET", `/api/orders/${orderId}`, this.o.admin).catch(() => undefined);
      if (res?.status === 404) ordersLost++;
      else if (res?.status !== 200) throw new Error(`order ${orderId}: ${res?.status ?? "no answer"}`);
    }
    const counted = inventory ? inventory.sold + inventory.held : 0;
    const oversold = Math.max(0, counted - this.o.stock, this.orderIds.length - this.o.stock);
    return { oversold, ordersLost, inventory };
  }
}
