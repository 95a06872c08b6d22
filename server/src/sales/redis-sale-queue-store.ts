import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PrequeueMode } from "@holdfast/shared";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { SaleKeys } from "./sale-keys.ts";
import {
  QUEUE_STATES,
  queueCodeError,
  type Admission,
  type QueueEntry,
  type QueueStats,
  type SaleQueueStore,
} from "./sale-queue-store.ts";

const LUA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "lua");

export const QUEUE_SCRIPTS = ["join", "leave", "lookup", "start", "admit", "lapse", "claim", "confirm", "unclaim", "mark-done"] as const;
export type QueueScriptName = (typeof QUEUE_SCRIPTS)[number];

/** A queue script's full source: lua/common.lua followed by lua/<name>.lua. */
export function queueScriptSource(name: QueueScriptName): string {
  const common = readFileSync(path.join(LUA_DIR, "common.lua"), "utf8");
  return `${common}\n${readFileSync(path.join(LUA_DIR, `${name}.lua`), "utf8")}`;
}

type Cmd = (...args: (string | number)[]) => Promise<any>;
type QueueCommands = Record<`sq_${QueueScriptName}`, Cmd>;

function commandName(name: QueueScriptName): `sq_${QueueScriptName}` {
  return `sq_${name}`;
}

/** Defines every queue script on `redis` as an ioredis command (EVALSHA, EVAL once on NOSCRIPT). */
function defineQueueCommands(redis: Redis): Redis & QueueCommands {
  const r = redis as Redis & QueueCommands;
  for (const name of QUEUE_SCRIPTS) {
    if (typeof r[commandName(name)] !== "function") {
      redis.defineCommand(commandName(name), { numberOfKeys: 7, lua: queueScriptSource(name) });
    }
  }
  return r;
}

/** The shared line of every sale in Redis: sorted sets, one Lua script per operation. */
export class RedisSaleQueueStore implements SaleQueueStore {
  readonly kind = "redis" as const;
  private readonly redis: Redis & QueueCommands;

  constructor(
    redis: Redis,
    private readonly keys: SaleKeys,
  ) {
    this.redis = defineQueueCommands(redis);
  }

  private run(name: QueueScriptName, saleId: string, ...args: (string | number)[]): Promise<any> {
    return this.redis[commandName(name)](...this.keys.queue(saleId), ...args);
  }

  async join(saleId: string, userId: string): Promise<QueueEntry & { created: boolean }> {
    const [state, position, admittedUntil, created] = (await this.run("join", saleId, userId)) as number[];
    return { state: QUEUE_STATES[state], position, admittedUntil, created: created === 1 };
  }

  async leave(saleId: string, userId: string): Promise<boolean> {
    return (await this.run("leave", saleId, userId)) === 1;
  }

  async lookup(saleId: string, userIds: readonly string[]): Promise<{ stats: QueueStats; entries: QueueEntry[] }> {
    const r = (await this.run("lookup", saleId, ...userIds)) as number[];
    const stats: QueueStats = { length: r[0], admittedTotal: r[1], outstanding: r[2], started: r[3] === 1, now: r[4] };
    const entries: QueueEntry[] = [];
    for (let i = 5; i < r.length; i += 3) entries.push({ state: QUEUE_STATES[r[i]], position: r[i + 1], admittedUntil: r[i + 2] });
    return { stats, entries };
  }

  async length(saleId: string): Promise<number> {
    return this.redis.zcard(this.keys.queue(saleId)[0]);
  }

  async start(saleId: string, prequeue: PrequeueMode, seed = randomInt(1, 2 ** 31 - 1)): Promise<boolean> {
    return (await this.run("start", saleId, prequeue, seed)) >= 0;
  }

  async admit(saleId: string, n: number, ttlMs: number): Promise<{ userIds: string[]; admittedUntil: number }> {
    const [deadline, ...userIds] = (await this.run("admit", saleId, Math.max(0, Math.floor(n)), ttlMs)) as [number, ...string[]];
    return { userIds, admittedUntil: Number(deadline) };
  }

  async lapse(saleId: string): Promise<string[]> {
    return (await this.run("lapse", saleId)) as string[];
  }

  async claim(saleId: string, userId: string, quantity: number, limit: number): Promise<void> {
    const code = Number(await this.run("claim", saleId, userId, quantity, limit));
    if (code < 0) throw queueCodeError(code, saleId);
  }

  async confirm(saleId: string, userId: string): Promise<void> {
    await this.run("confirm", saleId, userId);
  }

  async unclaim(saleId: string, userId: string, quantity: number): Promise<void> {
    await this.run("unclaim", saleId, userId, quantity);
  }

  async markDone(saleId: string, userId: string): Promise<void> {
    await this.run("mark-done", saleId, userId);
  }

  async admissions(saleId: string, offset: number, limit: number): Promise<Admission[]> {
    if (limit <= 0) return [];
    const rows = await this.redis.lrange(this.keys.queue(saleId)[5], offset, offset + limit - 1);
    return rows.map((row) => {
      const at = row.lastIndexOf("|");
      return { userId: row.slice(0, at), joinSeq: Number(row.slice(at + 1)) };
    });
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }
}
