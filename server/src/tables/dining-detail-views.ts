import { StateView } from "@colyseus/schema";
import type { DiningCartState } from "./games/dining-schema.ts";
import type { ViewClient } from "./seat-views.ts";

/**
 * Which clients' StateViews hold a dining cart's details (`@view()` fields: notes, who
 * added a line, the last order id): the table's diners and its branch staff. Lines are
 * appended as the cart grows, so each sync adds the new ones to insiders' views.
 * Everyone else sees the dishes and quantities only.
 */
export class DiningDetailViews {
  private readonly insiders = new Set<string>();

  sync(cart: DiningCartState | undefined, clients: Iterable<ViewClient>, isInsider: (sessionId: string) => boolean): void {
    if (!cart) return;
    for (const client of clients) {
      const view = (client.view ??= new StateView());
      const want = isInsider(client.sessionId);
      if (want) {
        if (!view.has(cart)) view.add(cart);
        for (const line of cart.lines) if (!view.has(line)) view.add(line);
        this.insiders.add(client.sessionId);
      } else if (this.insiders.delete(client.sessionId)) {
        for (const line of cart.lines) if (view.has(line)) view.remove(line);
        if (view.has(cart)) view.remove(cart);
      }
    }
  }

  /** A client object went away (left, or replaced by its reconnection). */
  forget(sessionId: string): void {
    this.insiders.delete(sessionId);
  }
}
