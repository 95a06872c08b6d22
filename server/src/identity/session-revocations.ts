import type { Presence } from "@colyseus/core";
import { CloseCode } from "@holdfast/shared";
import type { Logger } from "../logger.ts";
import { PresenceChannel } from "../redis/presence-channel.ts";
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
  }

  /**
   * Calls `listener` with the session ids of every revocation heard on the channel (any
   * node's, this one's included); a malformed message still calls it, with no ids.
   * Returns the function that stops it.
   */
  listen(listener: (sessionIds: string[]) => void): () => void {
    return this.channel.listen(({ sessionIds }) => listener(sessionIds));
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
    await this.channel.publish({ sessionIds });
  }

  get trackedSessions(): number {
    return this.sockets.size;
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
