import { HoldfastError, type TableConnection, type TableEvent, type TableStateView } from "@holdfast/client-sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { client } from "./client.ts";
import { connectionStatus } from "./connection-status.ts";
import { showError } from "./errors.ts";
import { currentHandEvents } from "./earlier-events.ts";
import { describe, learn, newCast, type Cast } from "./history.ts";

/** How many history lines a table view keeps. */
const HISTORY_LINES = 200;

export interface HistoryLine {
  seq: number;
  at: number;
  text: string;
}

export interface TableSession {
  conn: TableConnection | null;
  /** The table as this viewer may see it (a plain copy of the room state). */
  state: TableStateView | null;
  status: string;
  /** Why joining failed, when it did. */
  failure: HoldfastError | null;
  history: HistoryLine[];
  /** Names and dishes for telling events; the dining view adds dish names. */
  cast: Cast;
  /** Joins again (after `replaced`: "play here"). */
  rejoin(): void;
  /** Re-reads the state and the seat (after sit or stand, whose reply may follow the patch). */
  refresh(): void;
}

/** `earlier` and `lines` as one history in seq order, each seq once, the last HISTORY_LINES. */
function mergeHistory(earlier: HistoryLine[], lines: HistoryLine[]): HistoryLine[] {
  const bySeq = new Map<number, HistoryLine>();
  for (const line of [...earlier, ...lines]) bySeq.set(line.seq, line);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-HISTORY_LINES);
}

/** The room state as plain data (Colyseus schema objects have `toJSON`). */
function plain(state: TableStateView): TableStateView {
  const s = state as unknown as { toJSON?: () => TableStateView };
  return typeof s.toJSON === "function" ? s.toJSON() : state;
}

/**
 * Joins `tableId` for as long as the view is shown: a stored seat is reclaimed (a reload
 * or a new tab of this browser keeps the seat, the older tab turns `replaced`);
 * otherwise the viewer watches until they sit. Leaving the view closes the connection
 * without standing up: the seat waits out its grace, as after a closed tab.
 */
export function useTable(tableId: string, onJoined?: (conn: TableConnection) => Promise<void>): TableSession {
  const [conn, setConn] = useState<TableConnection | null>(null);
  const [state, setState] = useState<TableStateView | null>(null);
  const [status, setStatus] = useState("connecting");
  const [failure, setFailure] = useState<HoldfastError | null>(null);
  const [history, setHistory] = useState<HistoryLine[]>([]);
  const [attempt, setAttempt] = useState(0);
  const cast = useRef(newCast()).current;
  const refreshRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    let disposed = false;
    let joined: TableConnection | null = null;
    const unsubscribe: (() => void)[] = [];
    setFailure(null);
    setStatus("connecting");
    connectionStatus.set("connecting");

    const syncCast = (c: TableConnection, s: TableStateView) => {
      cast.me.userId = client.auth.session?.userId ?? null;
      cast.me.seat = c.seat;
      for (const seat of s.seats ?? []) {
        if (seat.status === "empty") continue;
        cast.seatNames.set(seat.index, seat.name);
        if (seat.userId) cast.userNames.set(seat.userId, seat.name);
      }
    };

    // A reloaded page (or a new watcher) would see "nothing has happened" mid-hand: tell
    // the current hand so far from the events API. Live events may arrive meanwhile; the
    // merge keeps each seq once. The earlier events are told with their own hand's seats
    // (a copy of the cast), so a hand that started live since keeps its own.
    const fillEarlierHistory = async (c: TableConnection) => {
      let earlier: TableEvent[];
      try {
        earlier = await currentHandEvents(tableId, c.lastSeq);
      } catch {
        return; // the history is a convenience: the table plays on without it
      }
      if (disposed) return;
      const told: Cast = { ...cast, seatNames: new Map(cast.seatNames), handSeats: new Map(cast.handSeats), me: { userId: cast.me.userId, seat: c.seat } };
      const lines: HistoryLine[] = [];
      for (const event of earlier) {
        learn(told, event);
        const text = describe(event, told);
        if (text !== null) lines.push({ seq: event.seq, at: event.at, text });
      }
      setHistory((live) => mergeHistory(lines, live));
    };

    client.tables
      .join(tableId)
      .then(async (c) => {
        if (disposed) {
          await c.leave();
          return;
        }
        joined = c;
        const refresh = () => {
          const s = plain(c.state);
          syncCast(c, s);
          setState(s);
        };
        refreshRef.current = refresh;
        unsubscribe.push(
          c.onState(refresh),
          c.onSnapshot(refresh),
          c.onError(showError),
          c.onStatus((s) => {
            setStatus(s);
            connectionStatus.set(s);
            refresh();
          }),
          c.onEvent((event: TableEvent) => {
            learn(cast, event);
            cast.me.seat = c.seat;
            const text = describe(event, cast);
            if (text !== null) setHistory((lines) => [...lines.slice(-(HISTORY_LINES - 1)), { seq: event.seq, at: event.at, text }]);
          }),
        );
        setConn(c);
        refresh();
        if (plain(c.state).kind === "holdem") void fillEarlierHistory(c);
        if (onJoined) await onJoined(c).catch(showError);
        refresh();
      })
      .catch((err: unknown) => {
        if (disposed) return;
        const error = HoldfastError.from(err);
        setFailure(error);
        setStatus("lost");
        connectionStatus.set("lost");
      });

    return () => {
      disposed = true;
      refreshRef.current = () => undefined;
      for (const u of unsubscribe) u();
      void joined?.leave();
      setConn(null);
      setState(null);
      setHistory([]);
    };
    // onJoined is read once per join on purpose: a new function each render must not rejoin.
  }, [tableId, attempt, cast]);

  return { conn, state, status, failure, history, cast, rejoin: () => setAttempt((n) => n + 1), refresh: () => refreshRef.current() };
}
