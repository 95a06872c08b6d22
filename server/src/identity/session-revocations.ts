import type { Presence } from "@colyseus/core";
import { CloseCode } from "@holdfast/shared";
import type { Logger } from "../logger.ts";
import type { RevocationPublisher } from "./session-service.ts";

/** Something a session holds open on this node: a room client, in practice. */
export interface SessionSocket {
  close(code: number, reason: string): void;
}

/**
 * Closes every socket of a revoked session on every node, within a second.
 *
 * Each node keeps a registry of the sockets open on it, by session id, and listens on
 * one presence channel (Redis pub/sub across nodes, in-process in embedded mode). A
 * logout on any node publishes the session ids; every node closes its matching
 * sockets with 4401, then tells this node's `listen`ers (the session service's
 * verified-token cache).
 */
export class SessionRevocations implements RevocationPublisher {
  private readonly sockets = new Map<string, Set<SessionSocket>>();
  private readonly listeners = new Set<(sessionIds: string[]) => void>();
  private readonly listener = (message: unknown) => this.onRevoked(message);

  constructor(
    private readonly presence: Presence,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.presence.subscribe(this.channel, this.listener);
  }

  stop(): void {
    this.presence.unsubscribe(this.channel, this.listener);
  }

  /**
   * Calls `listener` with the session ids of every revocation heard on the channel (any
   * node's, this one's included); a malformed message still calls it, with no ids.
   * Returns the function that stops it.
   */
  listen(listener: (sessionIds: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Registers a socket; returns the function that unregisters it. */
  track(sessionId: string, socket: SessionSocket): () => void {
    let set = this.sockets.get(sessionId);
    if (!set) this.sockets.set(sessionId, (set = new Set()));
    set.add(socket);
    return () => {
      const current = this.sockets.get(sessionId);
      current?.delete(socket);
      if (current?.size === 0) this.sockets.delete(sessionId);
    };
  }

  async publishRevoked(sessionIds: string[]): Promise<void> {
    // Close local sockets at once; the publish reaches the other nodes (and, in
    // embedded mode, comes back to this one, where the sockets are already gone).
    this.closeLocal(sessionIds);
    await this.presence.publish(this.channel, { sessionIds });
  }

  get trackedSessions(): number {
    return this.sockets.size;
  }

  private onRevoked(message: unknown): void {
    const ids = (message as { sessionIds?: unknown } | null)?.sessionIds;
    const sessionIds = Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
    this.closeLocal(sessionIds);
    for (const listener of this.listeners) listener(sessionIds);
  }

  private closeLocal(sessionIds: string[]): void {
    for (const id of sessionIds) {
      const set = this.sockets.get(id);
      if (!set) continue;
      this.sockets.delete(id);
      for (const socket of set) {
        try {
          socket.close(CloseCode.SESSION_REVOKED, "session revoked");
        } catch (err) {
          this.logger.warn({ err, sessionId: id }, "could not close a revoked session's socket");
        }
      }
    }
  }
}
