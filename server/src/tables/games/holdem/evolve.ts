import { computePots } from "./pots.ts";
import type { HoldemEvent, HoldemPlayer, HoldemState } from "./types.ts";

/** The state of a table before its first hand. */
export function initialHoldemState(): HoldemState {
  return {
    handNo: 0,
    button: null,
    street: "idle",
    smallBlind: 0,
    bigBlind: 0,
    board: [],
    deck: [],
    players: [],
    pots: [],
    toAct: null,
    currentBet: 0,
    lastRaiseSize: 0,
    turnDeadline: null,
    timeoutStreaks: {},
  };
}

/** Key of a timeout streak: a new occupant of the seat starts from zero. */
export function streakKey(seat: number, userId: string): string {
  return `${seat}:${userId}`;
}

function mapPlayer(state: HoldemState, seat: number, fn: (p: HoldemPlayer) => HoldemPlayer): HoldemPlayer[] {
  return state.players.map((p) => (p.seat === seat ? fn(p) : p));
}

/** Recomputes pots from the new players; every chip movement goes through here. */
function withPlayers(state: HoldemState, players: HoldemPlayer[]): HoldemState {
  return { ...state, players, pots: computePots(players) };
}

/**
 * Applies one event and returns the new state; the input is never mutated. `decideHoldem`
 * makes every decision and records it in the event, so this function only moves chips
 * and cards as told: replaying a hand's events from the state before it rebuilds the
 * same state, and an event it does not know leaves the state unchanged rather than
 * throwing (a log written by a newer version must not break an older replay).
 */
export function evolveHoldem(state: HoldemState, event: HoldemEvent): HoldemState {
  switch (event.type) {
    case "hand_started": {
      const d = event.data;
      const players = d.seats
        .map(
          (s): HoldemPlayer => ({
            seat: s.seat,
            userId: s.userId,
            stack: s.stack,
            committed: 0,
            totalCommitted: 0,
            folded: false,
            allIn: false,
            holeCards: [],
            hasActed: false,
            actedAtBet: 0,
            timeouts: s.timeouts,
            timedOutThisHand: false,
            revealed: false,
          }),
        )
        .sort((a, b) => a.seat - b.seat);
      // Streaks of players not dealt in are dropped: the map stays bounded by the seats.
      const timeoutStreaks: Record<string, number> = {};
      for (const p of players) if (p.timeouts > 0) timeoutStreaks[streakKey(p.seat, p.userId)] = p.timeouts;
      return {
        ...state,
        handNo: d.handNo,
        button: d.button,
        street: "preflop",
        smallBlind: d.smallBlind,
        bigBlind: d.bigBlind,
        board: [],
        deck: [],
        players,
        pots: [],
        toAct: null,
        currentBet: 0,
        lastRaiseSize: d.bigBlind,
        turnDeadline: null,
        timeoutStreaks,
      };
    }
    case "deck_shuffled":
      return { ...state, deck: event.data.deck.slice() };
    case "blinds_posted": {
      let players = state.players;
      for (const post of event.data.posts) {
        players = players.map((p) =>
          p.seat === post.seat
            ? {
                ...p,
                stack: p.stack - post.amount,
                committed: p.committed + post.amount,
                totalCommitted: p.totalCommitted + post.amount,
                allIn: p.stack - post.amount === 0,
              }
            : p,
        );
      }
      return { ...withPlayers(state, players), currentBet: event.data.currentBet, lastRaiseSize: state.bigBlind };
    }
    case "hole_cards_dealt": {
      const { seat, cards } = event.data;
      return {
        ...state,
        deck: state.deck.filter((c) => !cards.includes(c)),
        players: mapPlayer(state, seat, (p) => ({ ...p, holeCards: cards.slice() })),
      };
    }
    case "turn_started":
      return { ...state, toAct: event.data.seat, turnDeadline: event.data.deadline };
    case "player_acted": {
      const d = event.data;
      let { currentBet, lastRaiseSize } = state;
      if (d.committed > currentBet) {
        // A full raise sets the new minimum increment; a short all-in raises the bet
        // to match but leaves the increment (and so the reopening rule) alone.
        if (d.committed - currentBet >= lastRaiseSize) lastRaiseSize = d.committed - currentBet;
        currentBet = d.committed;
      }
      const players = mapPlayer(state, d.seat, (p) => {
        const timedOut = d.auto === "timeout";
        return {
          ...p,
          stack: p.stack - d.amount,
          committed: p.committed + d.amount,
          totalCommitted: p.totalCommitted + d.amount,
          folded: p.folded || d.action === "fold",
          allIn: p.stack - d.amount === 0,
          hasActed: true,
          actedAtBet: currentBet,
          // A hand counts once however often it times out; acting yourself ends the streak.
          timeouts: timedOut ? p.timeouts + (p.timedOutThisHand ? 0 : 1) : d.auto === null ? 0 : p.timeouts,
          timedOutThisHand: p.timedOutThisHand || timedOut,
        };
      });
      return { ...withPlayers(state, players), currentBet, lastRaiseSize, toAct: null, turnDeadline: null };
    }
    case "player_left": {
      // Folded where they sat; their chips stay in the pots (computePots keeps folded chips).
      const { seat } = event.data;
      const players = mapPlayer(state, seat, (p) => ({ ...p, folded: true }));
      const wasToAct = state.toAct === seat;
      return { ...withPlayers(state, players), toAct: wasToAct ? null : state.toAct, turnDeadline: wasToAct ? null : state.turnDeadline };
    }
    case "uncalled_bet_returned": {
      const { seat, amount } = event.data;
      const players = mapPlayer(state, seat, (p) => ({
        ...p,
        stack: p.stack + amount,
        committed: Math.max(0, p.committed - amount),
        totalCommitted: p.totalCommitted - amount,
        allIn: false,
      }));
      const others = players.filter((p) => p.seat !== seat).map((p) => p.committed);
      return { ...withPlayers(state, players), currentBet: Math.max(0, ...others) };
    }
    case "street_dealt": {
      const { cards, street } = event.data;
      // The top card is burned before every street; the event never shows it.
      const deck = state.deck.slice(1).filter((c) => !cards.includes(c));
      const players = state.players.map((p) => ({ ...p, committed: 0, hasActed: false, actedAtBet: 0 }));
      return {
        ...withPlayers(state, players),
        street,
        board: [...state.board, ...cards],
        deck,
        currentBet: 0,
        lastRaiseSize: state.bigBlind,
        toAct: null,
        turnDeadline: null,
      };
    }
    case "showdown": {
      const shown = new Set(event.data.reveals.map((r) => r.seat));
      const players = state.players.map((p) => (shown.has(p.seat) ? { ...p, revealed: true } : p));
      return { ...state, street: "showdown", players, toAct: null, turnDeadline: null };
    }
    case "pot_awarded": {
      let players = state.players;
      for (const w of event.data.winners) players = players.map((p) => (p.seat === w.seat ? { ...p, stack: p.stack + w.amount } : p));
      const pots = state.pots.map((pot, i) => (i === event.data.potIndex ? { ...pot, awarded: true } : pot));
      return { ...state, players, pots };
    }
    case "hand_ended": {
      const players = state.players.map((p) => ({ ...p, committed: 0, totalCommitted: 0, allIn: false }));
      const timeoutStreaks = { ...state.timeoutStreaks };
      for (const p of players) {
        const key = streakKey(p.seat, p.userId);
        if (p.timeouts > 0) timeoutStreaks[key] = p.timeouts;
        else delete timeoutStreaks[key];
      }
      return {
        ...state,
        street: "idle",
        players,
        deck: [],
        toAct: null,
        currentBet: 0,
        turnDeadline: null,
        timeoutStreaks,
      };
    }
    case "player_stood_up_for_timeouts": {
      const timeoutStreaks = { ...state.timeoutStreaks };
      delete timeoutStreaks[streakKey(event.data.seat, event.data.userId)];
      return { ...state, timeoutStreaks };
    }
    default:
      return state;
  }
}

/**
 * Chips on the table: stacks plus pots not yet awarded. Constant through a hand (and
 * across hands, when the table adds no chips), which the property tests check after
 * every event.
 */
export function chipsInPlay(state: HoldemState): number {
  const stacks = state.players.reduce((s, p) => s + p.stack, 0);
  return stacks + state.pots.reduce((s, pot) => s + (pot.awarded ? 0 : pot.amount), 0);
}
