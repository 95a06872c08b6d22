import { HoldfastClient } from "@holdfast/client-sdk";

const url = process.env.HOLDFAST_URL ?? "http://localhost:2567";
const client = new HoldfastClient({ url });                   // storage: localStorage in a browser, memory in Node
if (!(await client.auth.restore())) await client.auth.guest("Ada");

const table = await client.tables.join("demo-holdem");        // reclaims a stored seat, else spectates
table.onStatus((s) => console.log("status:", s));             // the current status at once, then every change
table.onEvent((e) => console.log(e.seq, e.type, e.data));     // gap-free, duplicate-free, typed per game
table.onState((state) => console.log("seated:", state.seats.filter((s) => s.status !== "empty").length));

const { seat } = await table.sit({ buyIn: 500 });             // the seat token is kept in storage
console.log("sitting in seat", seat);                         // acting needs a second player: see holdem-bot.mjs
await table.stand();
await table.leave();
