import type { HoldemSeatView, HoldemView, SeatView, TableConnection, TableStateView } from "@holdfast/client-sdk";
import { useState } from "preact/hooks";
import { client } from "../client.ts";
import { Card, CardBacks } from "../components.tsx";
import { guard } from "../errors.ts";
import { secondsLeft } from "../format.ts";
import { legalActions, type LegalActions } from "../legal-actions.ts";
import { useNow } from "../store.ts";
import type { HistoryLine, TableSession } from "../use-table.ts";
import { SeatControls } from "./seat-controls.tsx";

const BETTING_STREETS = new Set(["preflop", "flop", "turn", "river"]);
/** Positions round the oval (CSS classes pos-0..pos-9, 0 at the bottom centre). */
const RING = 10;

/** Where seat `index` of `count` sits on the oval, turned so the viewer's seat is at the bottom. */
function ringPosition(index: number, count: number, mine: number | null): number {
  const offset = mine ?? 0;
  return Math.round((((index - offset + count) % count) * RING) / count) % RING;
}

function SeatBox(props: { seat: SeatView; hand: HoldemView | undefined; mine: boolean; canSit: boolean; onSit: () => void; now: number; position: number }) {
  const { seat, hand, mine, now } = props;
  const inHand: HoldemSeatView | undefined = hand?.seats?.[seat.index];
  const live = hand && BETTING_STREETS.has(hand.street);
  const toAct = live && hand.toAct === seat.index;
  const classes = ["seat", `pos-${props.position}`, seat.status, mine ? "mine" : "", toAct ? "to-act" : "", inHand?.folded ? "folded" : ""].join(" ");
  if (seat.status === "empty") {
    return (
      <div class={classes} data-testid={`seat-${seat.index}`} data-status="empty">
        <span class="seat-no">Seat {seat.index + 1}</span>
        {props.canSit ? (
          <button type="button" data-sit={seat.index} onClick={props.onSit}>
            Sit here
          </button>
        ) : (
          <span class="muted">empty</span>
        )}
      </div>
    );
  }
  const stack = inHand && hand?.street !== "idle" ? inHand.stack : seat.stack;
  const showCards = inHand?.shownCards?.length ? inHand.shownCards : mine ? (inHand?.holeCards ?? []) : [];
  const backs = !mine && live && inHand?.inHand && !inHand.folded && !inHand.shownCards?.length ? 2 : 0;
  return (
    <div class={classes} data-testid={`seat-${seat.index}`} data-status={seat.status}>
      <div class="seat-head">
        <b class="seat-name" data-testid={`name-${seat.index}`}>
          {seat.name}
        </b>
        {hand && hand.button === seat.index && hand.street !== "idle" ? (
          <span class="dealer" title="dealer button">
            D
          </span>
        ) : null}
      </div>
      <div class="seat-stack" data-testid={`stack-${seat.index}`}>
        {stack} chips
      </div>
      {inHand && inHand.committed > 0 && live ? <div class="seat-bet">bet {inHand.committed}</div> : null}
      <div class="seat-cards">{showCards.length ? showCards.map((c) => <Card key={c} card={c} />) : <CardBacks count={backs} />}</div>
      <div class="seat-tags">
        {inHand?.folded && live ? <span class="tag">folded</span> : null}
        {inHand?.allIn ? <span class="tag warn">all-in</span> : null}
        {seat.status === "away" ? (
          <span class="tag away" data-testid={`countdown-${seat.index}`}>
            away, {secondsLeft(seat.awayUntil, now)} s left
          </span>
        ) : null}
        {toAct ? (
          <span class="tag turn" data-testid={`timer-${seat.index}`}>
            to act: {secondsLeft(hand.turnDeadline, now)} s
          </span>
        ) : null}
      </div>
    </div>
  );
}

function ActionBar({ conn, legal, hand, now }: { conn: TableConnection; legal: LegalActions; hand: HoldemView; now: number }) {
  const [raiseTo, setRaiseTo] = useState<number | null>(null);
  const amount = Math.min(Math.max(raiseTo ?? legal.minRaiseTo, legal.minRaiseTo), legal.maxRaiseTo);
  const act = (action: Parameters<TableConnection["act"]>[0], value?: number) =>
    guard(async () => {
      await conn.act(action, value);
      setRaiseTo(null);
    });
  return (
    <section class="panel action-bar" data-testid="action-bar" aria-label="Your turn">
      <div class="row">
        <b>Your turn</b>
        <span class="muted">{secondsLeft(hand.turnDeadline, now)} s left</span>
      </div>
      <div class="row actions">
        <button type="button" class="danger" data-act="fold" onClick={act("fold")}>
          Fold
        </button>
        {legal.canCheck ? (
          <button type="button" data-act="check" onClick={act("check")}>
            Check
          </button>
        ) : (
          <button type="button" class="primary" data-act="call" onClick={act("call")}>
            Call {legal.callAmount}
          </button>
        )}
        {legal.raiseKind ? (
          <span class="raise-group row">
            <label for="raise-to" class="muted">
              {legal.raiseKind === "bet" ? "Bet" : "Raise to"}
            </label>
            <input
              id="raise-to"
              data-testid="raise-to"
              type="number"
              inputMode="numeric"
              min={legal.minRaiseTo}
              max={legal.maxRaiseTo}
              step={1}
              value={amount}
              onInput={(e) => setRaiseTo(Number((e.target as HTMLInputElement).value))}
            />
            <button type="button" data-act={legal.raiseKind} onClick={act(legal.raiseKind, amount)}>
              {legal.raiseKind === "bet" ? `Bet ${amount}` : `Raise to ${amount}`}
            </button>
            <span class="muted small">min {legal.minRaiseTo}</span>
          </span>
        ) : null}
        {legal.raiseKind || legal.callAmount >= legal.allInAmount ? (
          <button type="button" class="warn" data-act="all_in" onClick={act("all_in")}>
            All-in {legal.allInAmount}
          </button>
        ) : null}
      </div>
    </section>
  );
}

/** The hand's result while it is fresh: who won what, with which hand. */
function Results({ history }: { history: HistoryLine[] }) {
  // The last hand that ended (shown until the next one ends): its shows and wins.
  const isStart = (l: HistoryLine) => l.text.startsWith("Hand #") && l.text.includes(" starts");
  const end = history.findLastIndex((l) => l.text.startsWith("Hand #") && l.text.includes(" ends"));
  if (end < 0) return null;
  const from = history.slice(0, end).findLastIndex(isStart);
  const lines = history.slice(from + 1, end + 1).filter((l) => / shows? | wins? /.test(l.text) || l.text.includes("out of chips"));
  if (lines.length === 0) return null;
  return (
    <div class="results" data-testid="results" role="status">
      <b>Last hand</b>
      <ul>
        {lines.map((l) => (
          <li key={l.seq}>{l.text}</li>
        ))}
      </ul>
    </div>
  );
}

export function History({ history }: { history: HistoryLine[] }) {
  return (
    <section class="panel history">
      <h2>Table history</h2>
      {history.length === 0 ? <p class="muted">Nothing has happened since you arrived.</p> : null}
      <ol class="events" data-testid="events" reversed>
        {history
          .slice()
          .reverse()
          .map((l) => (
            <li key={l.seq} value={l.seq}>
              <time class="muted">{new Date(l.at).toLocaleTimeString()}</time> {l.text}
            </li>
          ))}
      </ol>
    </section>
  );
}

export function HoldemTable({ conn, state, session }: { conn: TableConnection; state: TableStateView; session: TableSession }) {
  const now = useNow(500);
  const hand = state.holdem;
  const mine = conn.seat;
  const me = client.auth.session?.userId;
  const seats = state.seats ?? [];
  const live = hand && BETTING_STREETS.has(hand.street);
  const showBoard = hand && hand.street !== "idle";
  const myHand = mine !== null ? hand?.seats?.[mine] : undefined;
  const legal = session.status === "connected" || session.status === "restored" ? legalActions(hand, mine) : null;
  const toActName = live && hand.toAct >= 0 ? seats[hand.toAct]?.name : null;
  const sit = (index: number) =>
    guard(async () => {
      await conn.sit({ seat: index });
      session.refresh();
    });
  return (
    <div class="holdem">
      <section class="panel">
        <div class="row table-head">
          <h1 class="table-title">{state.tableId}</h1>
          <span class="tag kind-holdem">Hold'em</span>
          {hand ? (
            <span class="muted">
              blinds {hand.smallBlind}/{hand.bigBlind}
              {hand.handNo ? `, hand #${hand.handNo}` : ""}
            </span>
          ) : null}
          <span class="muted" data-testid="spectators">
            {state.spectators} watching
          </span>
          <span class="spacer" />
          <span class="muted" data-testid="you-are">
            {mine !== null ? `You are in seat ${mine + 1}` : "You are watching"}
          </span>
        </div>
        <div class="oval-wrap">
          <div class="felt" data-testid="felt">
            <div class="felt-centre">
              <div class="board cards" data-testid="board" aria-label="Board">
                {showBoard && hand.board.length ? hand.board.map((c) => <Card key={c} card={c} />) : <span class="muted">{showBoard ? "No board yet" : "Waiting for the next hand"}</span>}
              </div>
              <div class="pot" data-testid="pot">
                {showBoard ? `Pot ${hand.pot}` : ""}
              </div>
              <div class="muted street" data-testid="turn">
                {live ? (toActName ? `${hand.toAct === mine ? "Your" : `${toActName}'s`} turn, ${secondsLeft(hand.turnDeadline, now)} s` : hand.street) : hand?.street === "showdown" ? "Showdown" : ""}
              </div>
            </div>
          </div>
          <div class="ring">
            {seats.map((s) => (
              <SeatBox
                key={s.index}
                seat={s}
                hand={hand}
                mine={s.userId === me && s.status !== "empty"}
                canSit={mine === null}
                onSit={sit(s.index)}
                now={now}
                position={ringPosition(s.index, seats.length, mine)}
              />
            ))}
          </div>
        </div>
        <Results history={session.history} />
      </section>
      {mine !== null ? (
        <section class="panel my-hand">
          <div class="row">
            <b>Your cards</b>
            <span class="cards" data-testid="my-cards">
              {myHand?.holeCards?.length && hand?.street !== "idle" ? myHand.holeCards.map((c) => <Card key={c} card={c} />) : <span class="muted">none</span>}
            </span>
            <span class="spacer" />
            {myHand && live && !legal ? <span class="muted">{myHand.folded ? "You folded" : toActName ? `Waiting for ${toActName}` : ""}</span> : null}
          </div>
        </section>
      ) : null}
      {legal && hand ? <ActionBar key={`${hand.handNo}-${hand.street}-${hand.currentBet}`} conn={conn} legal={legal} hand={hand} now={now} /> : null}
      <section class="panel">
        <SeatControls conn={conn} state={state} session={session} />
      </section>
      <History history={session.history} />
    </div>
  );
}
