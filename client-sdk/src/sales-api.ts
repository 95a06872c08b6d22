import { ErrorCode, type SaleView, type Ticket } from "@holdfast/shared";
import type { ClientContext } from "./client-context.ts";
import { HoldfastError } from "./errors.ts";
import { requestJson } from "./http.ts";
import { DEFAULT_SALE_RECONNECT, SaleConnection, type SaleReconnectPolicy } from "./sales-connection.ts";

/** Flash sales: read a sale, and join its line (`join`, also called `enter`). */
export class SalesApi {
  constructor(
    private readonly client: ClientContext,
    private readonly policy: SaleReconnectPolicy = DEFAULT_SALE_RECONNECT,
  ) {}

  get(saleId: string): Promise<SaleView> {
    return requestJson(this.client.url, "GET", `/api/sales/${encodeURIComponent(saleId)}`);
  }

  /** The signed-in buyer's ticket, over HTTP (without a room connection). */
  ticket(saleId: string): Promise<Ticket> {
    return requestJson(this.client.url, "GET", `/api/sales/${encodeURIComponent(saleId)}/ticket`, {
      token: this.client.auth.requireToken(),
    });
  }

  /**
   * Joins the sale's line through the `sale` room. Idempotent: a second call (another
   * tab, after a refresh) finds the same place.
   */
  async join(saleId: string): Promise<SaleConnection> {
    if (!this.client.auth.session) throw new HoldfastError(ErrorCode.UNAUTHORIZED, "sign in first (auth.guest())");
    const connection = new SaleConnection(this.client.colyseus, saleId, this.policy);
    try {
      return await connection.start();
    } catch (err) {
      throw HoldfastError.from(err);
    }
  }

  /** The same as `join`. */
  enter(saleId: string): Promise<SaleConnection> {
    return this.join(saleId);
  }
}
