import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";

const LUA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "lua");

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

const SCRIPTS: [keyof ContinuityCommands, string, number][] = [
  ["hfTableLogAppend", "table-log-append", 2],
  ["hfTableLeaseAcquire", "table-lease-acquire", 1],
  ["hfTableLeaseRenew", "table-lease-renew", 1],
  ["hfTableLeaseRelease", "table-lease-release", 1],
  ["hfTableLeaseTakeover", "table-lease-takeover", 1],
  ["hfTableSnapshotSave", "table-snapshot-save", 1],
];

/** Defines every continuity script on `redis` (idempotent per client). */
export function defineContinuityCommands(redis: Redis): Redis & ContinuityCommands {
  const r = redis as Redis & ContinuityCommands;
  if (typeof r.hfTableLogAppend === "function") return r;
  for (const [command, file, numberOfKeys] of SCRIPTS) {
    redis.defineCommand(command, { numberOfKeys, lua: readFileSync(path.join(LUA_DIR, `${file}.lua`), "utf8") });
  }
  return r;
}
