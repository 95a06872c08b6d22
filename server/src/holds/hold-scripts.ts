import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RedisClient as Redis } from "../redis/redis-client.ts";

const HOLD_LUA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "lua");
const LEASE_LUA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "../redis/lua");

export const HOLD_SCRIPTS = ["reserve", "set-quantity", "release", "consume", "unconsume", "restock", "settle", "sweep", "set-stock"] as const;
export type HoldScriptName = (typeof HOLD_SCRIPTS)[number];

/** A hold script's full source: lua/common.lua followed by lua/<name>.lua. */
export function holdScriptSource(name: HoldScriptName): string {
  const common = readFileSync(path.join(HOLD_LUA_DIR, "common.lua"), "utf8");
  return `${common}\n${readFileSync(path.join(HOLD_LUA_DIR, `${name}.lua`), "utf8")}`;
}

export function leaseScriptSource(name: "lease-acquire" | "lease-release"): string {
  return readFileSync(path.join(LEASE_LUA_DIR, `${name}.lua`), "utf8");
}

type Cmd = (...args: (string | number)[]) => Promise<any>;

/** The hold scripts as ioredis commands (EVALSHA, falling back to EVAL once per node). */
export interface HoldCommands {
  hfReserve: Cmd;
  hfSetQuantity: Cmd;
  hfRelease: Cmd;
  hfConsume: Cmd;
  hfUnconsume: Cmd;
  hfRestock: Cmd;
  hfSettle: Cmd;
  hfSweep: Cmd;
  hfSetStock: Cmd;
  hfLeaseAcquire: Cmd;
  hfLeaseRelease: Cmd;
}

const COMMAND_NAMES: Record<HoldScriptName, keyof HoldCommands> = {
  reserve: "hfReserve",
  "set-quantity": "hfSetQuantity",
  release: "hfRelease",
  consume: "hfConsume",
  unconsume: "hfUnconsume",
  restock: "hfRestock",
  settle: "hfSettle",
  sweep: "hfSweep",
  "set-stock": "hfSetStock",
};

/** Defines every hold and lease script on `redis` (idempotent per client). */
export function defineHoldCommands(redis: Redis): Redis & HoldCommands {
  const r = redis as Redis & HoldCommands;
  if (typeof r.hfReserve === "function") return r;
  for (const name of HOLD_SCRIPTS) {
    redis.defineCommand(COMMAND_NAMES[name], { numberOfKeys: 5, lua: holdScriptSource(name) });
  }
  redis.defineCommand("hfLeaseAcquire", { numberOfKeys: 1, lua: leaseScriptSource("lease-acquire") });
  redis.defineCommand("hfLeaseRelease", { numberOfKeys: 1, lua: leaseScriptSource("lease-release") });
  return r;
}
