/**
 * Every Redis key and presence channel Holdfast uses is built here, under one prefix
 * (`REDIS_PREFIX`, default `hf:`), so that tests and environments sharing a Redis do
 * not collide and an operator can find everything Holdfast owns.
 *
 * Keys that a Lua script touches together carry a hash tag (`{...}`) so they land on
 * one Redis Cluster slot.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  session(sessionId: string): string {
    return `${this.prefix}session:${sessionId}`;
  }

  rateLimit(routeClass: string): string {
    return `${this.prefix}rl:${routeClass}`;
  }

  /** Who holds a seat (user, token id), with a TTL heartbeats extend. */
  seatBinding(tableId: string, seat: number): string {
    return `${this.prefix}seat:{${tableId}}:${seat}`;
  }

  /** A table's hot event log (a Redis stream; entry id = `seq-0`). */
  tableLog(tableId: string): string {
    return `${this.prefix}tbl:{${tableId}}:log`;
  }

  /** Who hosts a table's live room (owner `processId/roomId`), with a TTL the room renews. */
  tableLease(tableId: string): string {
    return `${this.prefix}tbl:{${tableId}}:lease`;
  }

  /** A table's latest snapshot (hash: seq, model, takenAt). */
  tableSnapshot(tableId: string): string {
    return `${this.prefix}tbl:{${tableId}}:snap`;
  }

  /** Set while a node drains (other nodes' matchmakers do not create rooms on it). */
  nodeDraining(processId: string): string {
    return `${this.prefix}node:draining:${processId}`;
  }

  /** Presence channel: session revocations, heard by every node. */
  get revocationChannel(): string {
    return `${this.prefix}revocations`;
  }
}
