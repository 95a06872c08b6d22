// Joins a flash sale's line, holds one unit once admitted, and turns the hold into an
// order through the HTTP API:  HOLDFAST_URL=http://localhost:2567 SALE=sneakers node examples/flash-sale-buyer.mjs
import { HoldfastClient, MemoryStorage } from "@holdfast/client-sdk";

const url = process.env.HOLDFAST_URL ?? "http://localhost:2567";
const client = new HoldfastClient({ url, storage: new MemoryStorage() });
const { token } = await client.auth.guest("ada");
const sale = await client.sales.join(process.env.SALE ?? "sneakers");  // also: client.sales.enter(...)
sale.onTicket((t) => console.log("ticket:", t.status, t.position, t.eta));
await sale.waitFor("admitted");                                       // or react in onTicket
const hold = await sale.hold(1);                                      // HoldfastError SOLD_OUT, NOT_ADMITTED, HOLD_LIMIT
const res = await fetch(`${url}/api/orders`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": hold.holdId },
  body: JSON.stringify({ holdIds: [hold.holdId] }),
});
const { order } = await res.json();
console.log("order:", order.orderId, order.status, order.amountCents, order.currency);
await sale.close();                                                   // keeps the place; sale.leave() gives it up
