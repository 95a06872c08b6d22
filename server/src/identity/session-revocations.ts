import type { Presence } from "@colyseus/core";
import { CloseCode } from "@holdfast/shared";
import type { Logger } from "../logger.ts";
import { PresenceChannel } from "../redis/presence-channel.ts";
import type { RevocationPublisher } from "./session-service.ts";

/** Something a session holds open on this node: a room client, in practice. */
export interface SessionSocket {
  close(code: number, reason: string): void;
}

/** setTimeout's longest delay (about 24.8 days); a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes every socket of a revoked or expired session on every node, within a second.
 *
 * Each node keeps a registry of the sockets open on it, by session id, and listens on
 * one presence channel (Redis pub/sub across nodes, in-process in embedded mode). A
 * logout on any node publishes the session ids; every node closes its matching
 * sockets with 4401, then tells this node's `listen`ers (the session service's
 * verified-token cache).
 *
 * Expiry needs no message: every node knows a session's `expiresAt`, so each keeps one
 * timer per session it has sockets of and closes them (4401) when it fires.
 */
export class SessionRevocations implements RevocationPublisher {
  private readonly sockets = new Map<string, Set<SessionSocket>>();
  private readonly expiryTimers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly channel: PresenceChannel<{ sessionIds: string[] }>;

  constructor(
    presence: Presence,
    channelName: string,
    private readonly logger: Logger,
  ) {
    // A malformed message still comes through, with no ids: listeners (the verified-token
    // cache) must hear that a revocation happened even when they cannot tell whose.
    this.channel = new PresenceChannel(presence, channelName, (raw) => {
      const ids = (raw as { sessionIds?: unknown } | null)?.sessionIds;
      return { sessionIds: Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [] };
    });
    this.channel.listen(({ sessionIds }) => this.closeLocal(sessionIds));
  }

  start(): Promise<void> {
    return this.channel.start();
  }

  stop(): void {
    this.channel.stop();
    for (const { timer } of this.expiryTimers.values()) clearTimeout(timer);
    this.expiryTimers.clear();
  }

  /**
   * Calls `listener` with the session ids of every revocation heard on the channel (any
   * node's, this one's included); a malformed message still calls it, with no ids.
   * Returns the function that stops it.
   */
  listen(listener: (sessionIds: string[]) => void): () => void {
    return this.channel.listen(({ sessionIds }) => listener(sessionIds));
  }

  /**
   * Registers a socket; returns the function that unregisters it. With `expiresAt` (the
   * session's, epoch ms) the socket is closed with 4401 when the session expires.
   */
  track(sessionId: string, socket: SessionSocket, expiresAt?: number): () => void {
    let set = this.sockets.get(sessionId);
    if (!set) this.sockets.set(sessionId, (set = new Set()));
    set.add(socket);
    if (expiresAt !== undefined && Number.isFinite(expiresAt)) this.closeAtExpiry(sessionId, expiresAt);
    return () => {
      const current = this.sockets.get(sessionId);
      current?.delete(socket);
      if (current?.size === 0) {
        this.sockets.delete(sessionId);
        this.clearExpiry(sessionId);
      }
    };
  }

  /** Sessions with an expiry timer on this node (tests, metrics). */
  get expiryTimerCount(): number {
    return this.expiryTimers.size;
  }

  private closeAtExpiry(sessionId: string, expiresAt: number): void {
    const current = this.expiryTimers.get(sessionId);
    if (current && current.at <= expiresAt) return; // one timer per session: its earliest known expiry
    if (current) clearTimeout(current.timer);
    const delay = Math.max(0, Math.min(expiresAt - Date.now(), MAX_TIMER_MS));
    const timer = setTimeout(() => {
      this.expiryTimers.delete(sessionId);
      if (Date.now() < expiresAt) {
        this.closeAtExpiry(sessionId, expiresAt); // a very distant expiry: wait again
        return;
      }
      this.closeLocal([sessionId], "session expired");
    }, delay);
    timer.unref();
    this.expiryTimers.set(sessionId, { at: expiresAt, timer });
  }

  private clearExpiry(sessionId: string): void {
    const current = this.expiryTimers.get(sessionId);
    if (current) clearTimeout(current.timer);
    this.expiryTimers.delete(sessionId);
  }

  async publishRevoked(sessionIds: string[]): Promise<void> {
    // Close local sockets at once; the publish reaches the other nodes (and, in
    // embedded mode, comes back to this one, where the sockets are already gone).
    this.closeLocal(sessionIds);
    await this.channel.publish({ sessionIds });
  }

  get trackedSessions(): number {
    return this.sockets.size;
  }


  private closeLocal(sessionIds: string[], reason = "session revoked"): void {
    for (const id of sessionIds) {
      const set = this.sockets.get(id);
      if (!set) continue;
      this.sockets.delete(id);
      this.clearExpiry(id);
      for (const socket of set) {
        try {
          socket.close(CloseCode.SESSION_REVOKED, reason);
        } catch (err) {
          this.logger.warn({ err, sessionId: id }, "could not close a revoked session's socket");
        }
      }
    }
  }
}
