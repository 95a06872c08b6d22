import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { RedisKeys } from "../redis/keys.ts";
import type { TableModel } from "../tables/table-model.ts";
import { TABLE_KEY_TTL_MS } from "./durable-table-event-log.ts";
import type { ContinuityCommands } from "./redis-scripts.ts";
import type { StoredSnapshot } from "./table-archive.ts";

/**
 * Each table's latest snapshot in Redis (a hash: seq, model, takenAt), beside the
 * Postgres copies. A save never replaces a newer snapshot (table-snapshot-save.lua).
 */
export class RedisSnapshotCache {
  constructor(
    private readonly redis: Redis & ContinuityCommands,
    private readonly keys: RedisKeys,
  ) {}

  async save(snapshot: StoredSnapshot, modelJson = JSON.stringify(snapshot.model)): Promise<void> {
    await this.redis.hfTableSnapshotSave(this.keys.tableSnapshot(snapshot.model.tableId), snapshot.seq, modelJson, snapshot.takenAt, TABLE_KEY_TTL_MS);
  }

  async latest(tableId: string): Promise<StoredSnapshot | null> {
    const h = await this.redis.hgetall(this.keys.tableSnapshot(tableId));
    if (!h.seq || !h.model) return null;
    return { seq: Number(h.seq), model: JSON.parse(h.model) as TableModel, takenAt: Number(h.takenAt) };
  }
}
