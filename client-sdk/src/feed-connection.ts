import type { Client as ColyseusClient, Room } from "@colyseus/sdk";
import { ClientErrorCode, HoldfastError } from "./errors.ts";

/** One event of the live feed. */
export interface FeedEvent {
  /** The subscribed topic it matched (`order:ID`, `branch:B`, `table:T`, `admin`). */
  topic: string;
  type: string;
  at: number;
  data: Record<string, unknown>;
}

/**
 * A subscription to the `feed` room: order, branch, table and admin events, from every
 * node. Topics are authorised by the server at join and on `subscribe`; when a grant is
 * withdrawn the server drops the topic and `onUnsubscribed` says why.
 */
export class FeedConnection {
  private readonly eventListeners = new Set<(e: FeedEvent) => void>();
  private readonly dropListeners = new Set<(e: { topic: string; code: string; message: string }) => void>();

  private constructor(readonly room: Room) {
    room.onMessage("ev", (e: FeedEvent) => {
      for (const l of this.eventListeners) l(e);
    });
    room.onMessage("unsubscribed", (e: { topic: string; code: string; message: string }) => {
      for (const l of this.dropListeners) l(e);
    });
    room.onMessage("error", () => undefined);
  }

  static async join(colyseus: ColyseusClient, topics: string[]): Promise<FeedConnection> {
    try {
      return new FeedConnection(await colyseus.joinOrCreate("feed", { topics }));
    } catch (err) {
      throw HoldfastError.from(err);
    }
  }

  onEvent(listener: (e: FeedEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onUnsubscribed(listener: (e: { topic: string; code: string; message: string }) => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  async subscribe(topics: string[]): Promise<string[]> {
    return (await this.request<{ topics: string[] }>("subscribe", { topics })).topics;
  }

  async unsubscribe(topics: string[]): Promise<string[]> {
    return (await this.request<{ topics: string[] }>("unsubscribe", { topics })).topics;
  }

  async leave(): Promise<void> {
    await Promise.race([this.room.leave(true).catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
  }

  private async request<T>(type: string, payload: unknown): Promise<T> {
    try {
      return (await this.room.request(type, payload)) as T;
    } catch (err) {
      const error = HoldfastError.from(err);
      throw error.disconnected ? new HoldfastError(ClientErrorCode.DISCONNECTED, "feed connection lost") : error;
    }
  }
}
