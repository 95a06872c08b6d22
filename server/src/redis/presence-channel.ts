import type { Presence } from "@colyseus/core";

/**
 * One presence channel (Redis pub/sub across nodes, in-process in embedded mode) with
 * typed messages and local listeners. Incoming messages pass through `parse`; what it
 * rejects (null) is dropped, so a malformed publish never reaches a listener.
 */
export class PresenceChannel<T> {
  private readonly listeners = new Set<(message: T) => void>();
  private readonly onMessage = (raw: unknown) => {
    const message = this.parse(raw);
    if (message !== null) this.deliverLocally(message);
  };

  constructor(
    private readonly presence: Presence,
    readonly name: string,
    private readonly parse: (raw: unknown) => T | null,
  ) {}

  async start(): Promise<void> {
    await this.presence.subscribe(this.name, this.onMessage);
  }

  stop(): void {
    this.presence.unsubscribe(this.name, this.onMessage);
  }

  /** Publishes to every node (this one included, through the subscription). */
  async publish(message: T): Promise<void> {
    await this.presence.publish(this.name, message);
  }

  /** Hands a message to this node's listeners only. */
  deliverLocally(message: T): void {
    for (const listener of this.listeners) listener(message);
  }

  /** Returns the function that stops `listener`. */
  listen(listener: (message: T) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}
