/**
 * Shared parts of the table load scenarios (`table-reconnect`, `node-kill`): tables, and
 * SDK players whose event feeds are checked for gaps and duplicates. The rest (nodes,
 * backends, percentiles, the report table) is in common.ts.
 */
import { HoldfastClient, MemoryStorage, type HoldfastError, type TableConnection } from "@holdfast/client-sdk";
import { sleep } from "./common.ts";

export async function createTable(url: string, token: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/api/tables`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`could not create table: ${res.status} ${await res.text()}`);
}

/**
 * One seated SDK client whose app-facing feed is checked: a seq at or below the last one
 * is a duplicate, one more than a step ahead is a gap (a snapshot announced by the SDK
 * moves the expected seq on and is counted apart).
 */
export class FeedPlayer {
  conn!: TableConnection;
  client: HoldfastClient;
  seat = -1;
  gaps = 0;
  duplicates = 0;
  snapshots = 0;
  events = 0;
  readonly errors: HoldfastError[] = [];
  private last = -1;

  constructor(
    url: string,
    readonly name: string,
    readonly tableId: string,
  ) {
    this.client = new HoldfastClient({ url, storage: new MemoryStorage(), heartbeatSeconds: 30, reconnect: { minDelayMs: 50, maxDelayMs: 1000 } });
  }

  async join(seat: number, buyIn?: number): Promise<void> {
    await this.client.auth.guest(this.name);
    this.conn = await this.client.tables.join(this.tableId);
    this.last = this.conn.lastSeq;
    this.conn.onEvent((e) => {
      this.events++;
      if (e.seq <= this.last) this.duplicates++;
      else if (e.seq > this.last + 1) this.gaps++;
      this.last = Math.max(this.last, e.seq);
    });
    this.conn.onSnapshot((s) => {
      this.snapshots++;
      this.last = Math.max(this.last, s.seq);
    });
    this.conn.onError((e) => this.errors.push(e));
    const reply = await this.conn.sit(buyIn === undefined ? { seat } : { seat, buyIn });
    this.seat = reply.seat;
  }

  /** Seated again: connected, same seat, active, this player's. */
  get seated(): boolean {
    const c = this.conn;
    if (!c || (c.status !== "connected" && c.status !== "restored")) return false;
    const s = c.state?.seats?.[this.seat];
    return c.seat === this.seat && s?.status === "active" && s.userId === this.client.auth.session?.userId;
  }

  leave(): Promise<void> {
    return this.conn ? this.conn.leave().catch(() => undefined) : Promise.resolve();
  }
}

/**
 * Watches `players` from now (subscribe before dropping their sockets): `wait` polls until
 * each has seen its connection drop and is seated again, or `deadline`, and gives each
 * reseated player's time from `since` to the SDK's "restored" moment (the poll may run
 * late while the loop is busy).
 */
export function watchReseats(players: FeedPlayer[]): { wait(since: number, deadline: number, onSeated?: () => void): Promise<Map<FeedPlayer, number>> } {
  const sawDrop = new Set<FeedPlayer>();
  const restoredAt = new Map<FeedPlayer, number>();
  const offs = players.map((p) =>
    p.conn.onStatus((s) => {
      if (s === "reconnecting") sawDrop.add(p);
      if (s === "restored") restoredAt.set(p, Date.now());
    }),
  );
  return {
    async wait(since, deadline, onSeated) {
      const reseatedMs = new Map<FeedPlayer, number>();
      try {
        while (reseatedMs.size < players.length && Date.now() < deadline) {
          for (const p of players) {
            if (!reseatedMs.has(p) && sawDrop.has(p) && p.seated) {
              reseatedMs.set(p, (restoredAt.get(p) ?? Date.now()) - since);
              onSeated?.();
            }
          }
          await sleep(20);
        }
      } finally {
        for (const off of offs) off();
      }
      return reseatedMs;
    },
  };
}
