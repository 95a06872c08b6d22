import { z } from "zod";
import { HoldfastRoom, joinAuth, type AuthedClient } from "./holdfast-room.ts";
import type { RoomDeps } from "./room-deps.ts";
import { toJoinError } from "./room-errors.ts";

/**
 * `ping`: the smallest authenticated room. Answers `ping {t?}` with the server time,
 * which load testers use to measure round trips through the full stack, and operators
 * use as a liveness probe for the WebSocket path (auth, matchmaker, revocation).
 */
export function createPingRoom(deps: RoomDeps) {
  const authenticate = joinAuth(deps);
  return class PingRoom extends HoldfastRoom {
    protected readonly deps = deps;
    /** With clients unable to `create` through the matchmaker, a new ping room opens only when these are full. */
    override maxClients = 500;

    static override onAuth(token: string, options: unknown) {
      return authenticate(token, options);
    }

    override onCreate(): void {
      this.countCreated();
      this.command("ping", z.object({ t: z.number().optional() }).strict(), (_client, msg) => ({
        t: msg.t,
        serverTime: Date.now(),
      }));
      this.rejectUnknownMessages();
    }

    override onJoin(client: AuthedClient): void {
      try {
        this.admitSocket(client);
      } catch (err) {
        throw toJoinError(err);
      }
      this.trackSession(client);
      this.countJoined();
    }

    override onLeave(client: AuthedClient): void {
      this.untrackSession(client);
      this.countLeft();
    }

    override onDispose(): void {
      this.countDisposed();
    }
  };
}
