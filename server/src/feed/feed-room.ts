import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { HoldfastRoom, joinAuth, type AuthedClient } from "../rooms/holdfast-room.ts";
import type { RoomDeps } from "../rooms/room-deps.ts";
import { toJoinError, toReplyError } from "../rooms/room-errors.ts";
import type { FeedBus, FeedEvent } from "./feed-bus.ts";
import { authorizeTopic, FeedJoinOptions, FeedSubscribeCommand, type TopicLookups } from "./feed-topics.ts";
import type { StaffPermissions } from "./staff-permissions.ts";

export interface FeedRoomDeps extends RoomDeps {
  bus: FeedBus;
  permissions: StaffPermissions;
  lookups: TopicLookups;
}

/**
 * `feed`: live events by topic, across nodes. Each client subscribes to topics it is
 * allowed to follow (checked at join and on `subscribe`); a change of a staff member's
 * grants re-checks their subscriptions at once and drops what they may no longer see.
 */
export function createFeedRoom(deps: FeedRoomDeps) {
  const authenticate = joinAuth(deps, FeedJoinOptions);

  return class FeedRoom extends HoldfastRoom {
    protected readonly deps = deps;
    override maxClients = 1000;
    private readonly subscriptions = new Map<string, Set<string>>();
    private readonly stops: (() => void)[] = [];

    /**
     * Topics are authorised here, before the matchmaker reserves a seat or creates a
     * room: a client asking for topics it may not follow never causes a room to exist.
     */
    static override async onAuth(token: string, options: unknown) {
      const identity = await authenticate(token, options);
      try {
        const { topics } = FeedJoinOptions.parse(options);
        for (const topic of topics) await authorizeTopic(identity, topic, deps.lookups);
      } catch (err) {
        throw toJoinError(err);
      }
      return identity;
    }

    override onCreate(): void {
      this.countCreated();
      this.stops.push(deps.bus.listen((event) => this.route(event)));
      this.stops.push(deps.permissions.onChange((userId) => void this.recheck(userId)));
      this.command("subscribe", FeedSubscribeCommand, async (client, msg) => {
        for (const topic of msg.topics) await authorizeTopic(client.auth, topic, deps.lookups);
        const topics = this.subscriptions.get(client.sessionId) ?? new Set();
        for (const topic of msg.topics) topics.add(topic);
        this.subscriptions.set(client.sessionId, topics);
        return { topics: [...topics] };
      });
      this.command("unsubscribe", FeedSubscribeCommand, (client, msg) => {
        const topics = this.subscriptions.get(client.sessionId) ?? new Set<string>();
        for (const topic of msg.topics) topics.delete(topic);
        return { topics: [...topics] };
      });
      this.rejectUnknownMessages();
    }

    override async onJoin(client: AuthedClient, options: unknown): Promise<void> {
      try {
        this.admitSocket(client);
        const { topics } = FeedJoinOptions.parse(options);
        // Checked again: grants may have changed between onAuth and now.
        for (const topic of topics) await authorizeTopic(client.auth, topic, deps.lookups);
        this.subscriptions.set(client.sessionId, new Set(topics));
        this.trackSession(client);
        this.countJoined();
      } catch (err) {
        this.untrackSession(client);
        throw toJoinError(err);
      }
    }

    override onLeave(client: AuthedClient): void {
      this.subscriptions.delete(client.sessionId);
      this.untrackSession(client);
      this.countLeft();
    }

    override onDispose(): void {
      for (const stop of this.stops) stop();
      this.countDisposed();
    }

    /** Sends the event once to each client following one of its topics. */
    private route(event: FeedEvent): void {
      for (const client of this.clients) {
        const topics = this.subscriptions.get(client.sessionId);
        const topic = topics && event.topics.find((t) => topics.has(t));
        if (topic) client.send("ev", { topic, type: event.type, at: event.at, data: event.data });
      }
    }

    /** A user's grants changed: keep only the topics they may still follow. */
    private async recheck(userId: string): Promise<void> {
      for (const client of this.clients as AuthedClient[]) {
        if (client.auth?.userId !== userId) continue;
        const topics = this.subscriptions.get(client.sessionId);
        if (!topics) continue;
        for (const topic of [...topics]) {
          try {
            await authorizeTopic(client.auth, topic, deps.lookups);
          } catch (err) {
            const answer = deps.errors.handle(err, { room: this.roomName, topic });
            // Postgres away is no verdict: keep the topic; the next grant change rechecks it.
            if (answer.code === ErrorCode.UNAVAILABLE && !(err instanceof AppError)) continue;
            topics.delete(topic);
            const body = err instanceof AppError ? toReplyError(err) : { code: ErrorCode.FORBIDDEN, message: "no longer allowed" };
            client.send("unsubscribed", { topic, ...body });
          }
        }
      }
    }
  };
}
