/**
 * Every Redis key and presence channel Holdfast uses is built under one prefix
 * (`REDIS_PREFIX`, default `hf:`), so that tests and environments sharing a Redis do
 * not collide and an operator can find everything Holdfast owns. Most are built here;
 * the Lua-heavy areas build theirs from this prefix in `holds/commerce-keys.ts` and
 * `sales/sale-keys.ts` (`CommerceKeys.from(keys)`, `SaleKeys.from(keys)`).
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

  /** The one node that prunes old `table_events` (the retention job's lease). */
  get eventRetentionLease(): string {
    return `${this.prefix}lease:event-retention`;
  }

  /** The one node that runs a row-retention job (`db/row-retention.ts`), one lease per job. */
  rowRetentionLease(job: string): string {
    return `${this.prefix}lease:row-retention:${job}`;
  }

  /** Sorted set: every hosted table, scored by its lease's expiry (ms); adoption reads it. */
  get hostedTables(): string {
    return `${this.prefix}tbl:hosted`;
  }

  /** Short claim of the one node that adopts an orphaned table (value: its process id). */
  tableAdoption(tableId: string): string {
    return `${this.prefix}tbl:{${tableId}}:adopt`;
  }

  /** Set while a node drains (other nodes' matchmakers do not create rooms on it). */
  nodeDraining(processId: string): string {
    return `${this.prefix}node:draining:${processId}`;
  }

  /** One node's heartbeat record (JSON: health and key metrics), with a TTL it renews. */
  nodeHeartbeat(processId: string): string {
    return `${this.prefix}node:hb:${processId}`;
  }

  /** Set: the process ids that published a heartbeat (expired records are pruned on read). */
  get nodeHeartbeats(): string {
    return `${this.prefix}node:hb`;
  }

  /** Hash saleId -> pause time (epoch ms): sales whose admitter admits nobody (operator pause). */
  get pausedSales(): string {
    return `${this.prefix}sales:paused`;
  }

  /** A staff user's cached branch grants (JSON array, short TTL). */
  staffGrants(userId: string): string {
    return `${this.prefix}grants:${userId}`;
  }

  /** Presence channel: a user's staff grants changed (feed rooms re-check their topics). */
  get staffGrantsChannel(): string {
    return `${this.prefix}grants:changed`;
  }

  /** Presence channel: the live feed (public table events, by topic). */
  get feedChannel(): string {
    return `${this.prefix}feed`;
  }

  /** Presence channel: session revocations, heard by every node. */
  get revocationChannel(): string {
    return `${this.prefix}revocations`;
  }
}
