import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RedisClient as Redis } from "../redis/redis-client.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));

type Cmd = (...args: (string | number)[]) => Promise<any>;

/** The continuity scripts as ioredis commands (EVALSHA, falling back to EVAL once). */
export interface ContinuityCommands {
  hfTableLogAppend: Cmd;
  hfTableLeaseAcquire: Cmd;
  hfTableLeaseRenew: Cmd;
  hfTableLeaseRelease: Cmd;
  hfTableLeaseTakeover: Cmd;
  hfTableSnapshotSave: Cmd;
}

/** [command, script path under continuity/, number of keys] */
const SCRIPTS: [keyof ContinuityCommands, string, number][] = [
  ["hfTableLogAppend", "lua/table-log-append.lua", 2],
  ["hfTableLeaseAcquire", "lua/table-lease-acquire.lua", 1],
  ["hfTableLeaseRenew", "lua/table-lease-renew.lua", 1],
  // The owner-checked release every Redis lease of the project uses.
  ["hfTableLeaseRelease", "../redis/lua/lease-release.lua", 1],
  ["hfTableLeaseTakeover", "lua/table-lease-takeover.lua", 1],
  ["hfTableSnapshotSave", "lua/table-snapshot-save.lua", 1],
];

/** Defines every continuity script on `redis` (idempotent per client). */
export function defineContinuityCommands(redis: Redis): Redis & ContinuityCommands {
  const r = redis as Redis & ContinuityCommands;
  if (typeof r.hfTableLogAppend === "function") return r;
  for (const [command, file, numberOfKeys] of SCRIPTS) {
    redis.defineCommand(command, { numberOfKeys, lua: readFileSync(path.join(HERE, file), "utf8") });
  }
  return r;
}
