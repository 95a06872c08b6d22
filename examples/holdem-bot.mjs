// A Hold'em bot on @holdfast/client-sdk, for plain Node 22+ (no TypeScript, no build).
// Two of them at one table play heads-up:
//
//   HOLDFAST_URL=http://localhost:2567 NAME=ada node examples/holdem-bot.mjs &
//   HOLDFAST_URL=http://localhost:2567 NAME=bo node examples/holdem-bot.mjs
//
// It checks when nothing is owed and calls otherwise, and stands up after HANDS hands.
import { HoldfastClient, MemoryStorage } from "@holdfast/client-sdk";

const url = process.env.HOLDFAST_URL ?? "http://localhost:2567";
const tableId = process.env.TABLE ?? "demo-holdem";
const hands = Number(process.env.HANDS ?? 3);

const client = new HoldfastClient({ url, storage: new MemoryStorage() });
await client.auth.guest(process.env.NAME ?? "bot");
const table = await client.tables.join(tableId);

// What each seat has put in on this street, from the events (typed per game: `type`
// tells what `data` holds).
let currentBet = 0;
let committed = new Map();
let played = 0;
const finished = new Promise((resolve) => {
  table.onEvent((event) => {
    switch (event.type) {
      case "holdem.hand_started":
      case "holdem.street_dealt":
        currentBet = 0;
        committed = new Map();
        break;
      case "holdem.blinds_posted":
        for (const post of event.data.posts) committed.set(post.seat, post.amount);
        currentBet = event.data.currentBet;
        break;
      case "holdem.player_acted":
        committed.set(event.data.seat, event.data.committed);
        currentBet = Math.max(currentBet, event.data.committed);
        break;
      case "holdem.turn_started":
        if (event.data.seat === table.seat) void play();
        break;
      case "holdem.pot_awarded":
        for (const w of event.data.winners) console.log(`hand ${played + 1}: seat ${w.seat} wins ${w.amount}`);
        break;
      case "holdem.hand_ended":
        if (++played === hands) resolve();
        break;
    }
  });
});

async function play() {
  const owed = currentBet - (committed.get(table.seat) ?? 0);
  try {
    await table.act(owed > 0 ? "call" : "check");
  } catch (err) {
    console.error(`act refused: ${err.code} ${err.message}`); // a HoldfastError
  }
}

const { seat } = await table.sit({ buyIn: 1000 });
console.log(`${client.auth.session.name} sits at ${tableId}, seat ${seat}`);
await finished;
await table.stand();
await table.leave();
console.log(`played ${hands} hands`);
