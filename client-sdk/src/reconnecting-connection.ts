import type { Room } from "@colyseus/sdk";
import { ErrorCode } from "@holdfast/shared";
import { HoldfastError } from "./errors.ts";
import { jitteredBackoff, newCid, sleep } from "./retry.ts";

export type Listener<T> = (value: T) => void;

/** The statuses every reconnecting connection goes through. */
type BaseStatus = "connecting" | "connected" | "reconnecting" | "lost" | "closed";

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

  /** `what` names the connection in errors ("table", "sale"). */
  protected constructor(private readonly what: string) {}

  onStatus(listener: Listener<S>): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
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
        const error = HoldfastError.from(err);
        const socketLost = error.code === ErrorCode.UNAVAILABLE;
        if (!socketLost || attempt >= 3 || this.closedByApp) throw error;
      }
    }
  }

  /** Marks the connection closed by the app and leaves the room (a dead socket gets 2 s). */
  protected async closeRoom(): Promise<void> {
    this.closedByApp = true;
    this.setStatus("closed");
    this.wakeWaiters();
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
          this.setStatus(restored);
          this.wakeWaiters();
          return;
        } catch (err) {
          if (isFinal(HoldfastError.from(err))) break;
        }
        await sleep(jitteredBackoff(attempt, delays.minDelayMs, delays.maxDelayMs));
      }
      this.restoring = null;
      this.setStatus("lost");
      this.wakeWaiters();
    })();
    return this.restoring;
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
    if (status === "lost" || status === "closed") {
      return Promise.reject(new HoldfastError(ErrorCode.UNAVAILABLE, `${this.what} connection is ${status}`));
    }
    return Promise.resolve();
  }
}
