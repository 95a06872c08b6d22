// A browser client on @holdfast/client-sdk: sign in, watch a table, take a seat; the
// status, the seats and the event feed on the page. Bundle it with any bundler, e.g.
//   npx esbuild main.js --bundle --format=esm --outfile=app.js
// and serve index.html and app.js from the Holdfast server's origin.
import { HoldfastClient } from "@holdfast/client-sdk";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const client = new HoldfastClient({ url: location.origin });   // localStorage keeps session and seat over reloads
if (!(await client.auth.restore())) await client.auth.guest(params.get("name") ?? "guest");

const table = await client.tables.join(params.get("table") ?? "demo-holdem");
table.onStatus((status) => ($("status").textContent = status));    // "replaced": another tab took the seat
table.onState((state) => {
  $("seats").textContent = state.seats.map((s) => (s.status === "empty" ? "-" : `${s.name} ${s.stack}`)).join(" | ");
});
table.onEvent((event) => {
  const item = document.createElement("li");
  item.textContent = `${event.seq} ${event.type}`;
  $("events").prepend(item);
});
const showSeat = () => ($("seat").textContent = table.seat === null ? "watching" : `seat ${table.seat}`);
showSeat();
$("sit").onclick = async () => {
  try {
    await table.sit();
    showSeat();
  } catch (err) {
    $("seat").textContent = `${err.code}: ${err.message}`;                  // a HoldfastError
  }
};
window.holdfast = { client, table };                                       // for the devtools console
