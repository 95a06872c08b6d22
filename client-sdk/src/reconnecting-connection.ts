import type { Room } from "@colyseus/sdk";
import { ClientErrorCode, HoldfastError } from "./errors.ts";
import { watchNetwork } from "./network-signals.ts";
import { jitteredBackoff, newCid, sleep } from "./retry.ts";

export type Listener<T> = (value: T) => void;

/** The statuses every reconnecting connection goes through. */
type BaseStatus = "connecting" | "connected" | "reconnecting" | "lost" | "closed" | "replaced";

/**
 * What `TableConnection` and `SaleConnection` share: the status and its listeners,
 * commands that wait out a reconnect and are re-sent with the same `cid`, and the
 * jittered reconnect loop around each connection's own way back in.
 */
export abstract class ReconnectingConnection<S extends string> {
  status = "connecting" as S;
  room!: Room;

  protected closedByApp = false;
  private readonly statusListeners = new Set<Listener<S>>();
  private restoring: Promise<void> | null = null;
  /** Commands waiting for the connection to come back (or to be lost). */
  private waiters: (() => void)[] = [];
  /** Ends the backoff pause of the reconnect loop early (see `retryNow`). */
  private wakeBackoff: (() => void) | null = null;
  private readonly unwatchNetwork: () => void;

  /** `what` names the connection in errors ("table", "sale"). */
  protected constructor(private readonly what: string) {
    // In a browser: back online, or the tab shown again, is the moment to try, not
    // whenever the backoff says (a phone's tab may have slept through several).
    this.unwatchNetwork = watchNetwork(() => this.retryNow());
  }

  /** Hears every status change, starting with the current status (called at once). */
  onStatus(listener: Listener<S>): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * While reconnecting: skip the rest of the backoff pause and try now. The SDK calls it
   * itself in browsers on `online` and when a hidden tab becomes visible.
   */
  retryNow(): void {
    this.wakeBackoff?.();
  }

  /**
   * Sends a command with a fresh `cid`. If the socket drops before the answer, the
   * same command (same `cid`) is sent again once the connection is restored: the
   * server applies it once and answers with the first answer.
   */
  async command<T = unknown>(type: string, payload: Record<string, unknown>, cid = newCid()): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.whenConnected();
      try {
        return (await this.room.request(type, { ...payload, cid })) as T;
      } catch (err) {
        // Only a command that got no answer is sent again (same cid: applied once). An
        // answer, UNAVAILABLE and RATE_LIMITED included, goes to the caller, whose
        // error says whether and when to retry (`retryable`, `retryAfterMs`).
        const error = HoldfastError.from(err);
        if (!error.disconnected || attempt >= 3 || this.closedByApp) throw error;
      }
    }
  }

  /**
   * Marks the connection closed (by the app, or for good: `replaced`) and leaves the
   * room (a dead socket gets 2 s).
   */
  protected async closeRoom(status: "closed" | "replaced" = "closed"): Promise<void> {
    this.closedByApp = true;
    this.unwatchNetwork();
    this.wakeBackoff?.(); // a reconnect loop in its pause ends now, not after the pause
    this.setStatus(status);
    this.wakeWaiters();
    // A socket the server already closed (replaced, revoked) has nobody to tell: sending
    // the leave into it only makes browsers log "WebSocket is already in CLOSING or CLOSED state".
    if (this.room?.connection && !this.room.connection.isOpen) return;
    // A socket that is already dead never answers the leave: do not wait for it forever.
    await Promise.race([this.room?.leave(true).catch(() => undefined), sleep(2000)]);
  }

  /**
   * The reconnect loop: `reattach(attempt)` until it succeeds (then `restored`), an
   * error `isFinal` accepts, the app closes, or `giveUpMs` have passed (then `lost`).
   * One loop at a time: a second call joins the running one.
   */
  protected reconnect(
    giveUpMs: number,
    delays: { minDelayMs: number; maxDelayMs: number },
    reattach: (attempt: number) => Promise<void>,
    isFinal: (error: HoldfastError) => boolean,
    restored: S | "connected",
  ): Promise<void> {
    if (this.restoring) return this.restoring;
    this.setStatus("reconnecting");
    const deadline = Date.now() + giveUpMs;
    this.restoring = (async () => {
      for (let attempt = 0; Date.now() < deadline && !this.closedByApp; attempt++) {
        try {
          await reattach(attempt);
          this.restoring = null;
          if (this.closedByApp) {
            // Closed (or replaced) while this attempt was under way: do not come back.
            await this.room?.leave(true).catch(() => undefined);
            return;
          }
          this.setStatus(restored);
          this.wakeWaiters();
          return;
        } catch (err) {
          if (isFinal(HoldfastError.from(err))) break;
        }
        await this.pause(jitteredBackoff(attempt, delays.minDelayMs, delays.maxDelayMs));
      }
      this.restoring = null;
      if (!this.closedByApp) this.setStatus("lost"); // else it already says closed or replaced
      this.wakeWaiters();
    })();
    return this.restoring;
  }

  /** The backoff pause between two attempts; `retryNow` ends it early. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeBackoff === done) this.wakeBackoff = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeBackoff = done;
    });
  }

  /** Wakes the commands waiting in `whenConnected` (they look at the status again). */
  protected wakeWaiters(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  protected setStatus(status: S | BaseStatus): void {
    if (this.status === status) return;
    this.status = status as S;
    for (const l of this.statusListeners) l(status as S);
  }

  private whenConnected(): Promise<void> {
    const status = this.status as string;
    if (status === "reconnecting" || status === "connecting") {
      return new Promise((resolve) => this.waiters.push(resolve));
    }
    if (status === "lost" || status === "closed" || status === "replaced") {
      return Promise.reject(new HoldfastError(ClientErrorCode.DISCONNECTED, `${this.what} connection is ${status}`));
    }
    return Promise.resolve();
  }
}
