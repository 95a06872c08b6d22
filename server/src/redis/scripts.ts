import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Cluster, Redis } from "ioredis";

/**
 * The one loader of the project's Lua scripts (holds, sales, continuity, leases).
 *
 * Every script file declares the keys it takes in a header line that the loader reads:
 *
 *     --- @keys inv holds exp users dead
 *
 * The number of names is the script's key count (ioredis `numberOfKeys`): a caller
 * cannot get it wrong by editing one place and not the other. The loader checks the
 * declaration against the source: a `KEYS[n]` beyond the declared count (in the script
 * or in its prelude) is an error at load time, not a wrong key in production.
 *
 * A script may have a prelude (a `common.lua` of helpers, not a script itself) that the
 * loader puts before it. Scripts run as ioredis commands (EVALSHA, EVAL once on
 * NOSCRIPT), which `defineCommand` gives both a `Redis` and a `Cluster` client. Every
 * multi-key script takes keys of one hash tag (one Cluster slot);
 * test/unit/redis-scripts.test.ts checks it for every script in `ALL_SCRIPTS`.
 */

/** A client a script runs on: one Redis, or a Redis Cluster. */
export type ScriptClient = Redis | Cluster;

export type ScriptArg = string | number;

const SRC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const KEYS_HEADER = /^--- @keys((?:[ \t]+[A-Za-z][\w-]*)*)[ \t]*$/m;
const KEYS_USE = /\bKEYS\[(\d+)\]/g;

/** The key names a script's `--- @keys` header declares (their count is its key count). */
export function declaredKeys(source: string, file = "script"): string[] {
  const m = KEYS_HEADER.exec(source);
  if (!m) throw new Error(`${file}: no "--- @keys" header line`);
  return m[1].trim() === "" ? [] : m[1].trim().split(/\s+/);
}

/** The highest n of any `KEYS[n]` the source uses (0 when none). */
export function highestKeyUsed(source: string): number {
  let max = 0;
  for (const m of source.matchAll(KEYS_USE)) max = Math.max(max, Number(m[1]));
  return max;
}

/**
 * One Lua script: its source (prelude + file), declared keys and command name. `A` are
 * its ARGV, `R` its raw reply. `run` binds it to a client (defining the command there
 * once) and returns a typed function; the keys go first, in declared order.
 */
export class LuaScript<A extends readonly ScriptArg[], R> {
  readonly source: string;
  readonly keyNames: readonly string[];
  /** The ioredis command name (unique per script, so clients can carry every script). */
  readonly command: string;

  constructor(
    /** Path under server/src, e.g. "holds/lua/reserve.lua". */
    readonly file: string,
    /** Path under server/src of helpers put before the script (not a script itself). */
    readonly prelude?: string,
  ) {
    const body = readFileSync(path.join(SRC_DIR, file), "utf8");
    const before = prelude ? `${readFileSync(path.join(SRC_DIR, prelude), "utf8")}\n` : "";
    this.source = before + body;
    this.keyNames = declaredKeys(body, file);
    const used = highestKeyUsed(this.source);
    if (used > this.keyNames.length) {
      throw new Error(`${file}: uses KEYS[${used}] but its "--- @keys" header declares ${this.keyNames.length}`);
    }
    this.command = `hf_${file.replace(/\.lua$/, "").replace(/\/lua\//, "/").replace(/[^A-Za-z0-9]/g, "_")}`;
  }

  get numberOfKeys(): number {
    return this.keyNames.length;
  }

  /** Defines the script on `client` (once per client) and returns its typed call. */
  on(client: ScriptClient): (keys: readonly string[], ...args: A) => Promise<R> {
    const c = client as unknown as Record<string, (...a: ScriptArg[]) => Promise<R>>;
    if (typeof c[this.command] !== "function") {
      client.defineCommand(this.command, { numberOfKeys: this.numberOfKeys, lua: this.source });
    }
    const command = this.command;
    const n = this.numberOfKeys;
    const file = this.file;
    return (keys, ...args) => {
      // A wrong key count would shift keys into ARGV: a loud error beats a silent one.
      if (keys.length !== n) return Promise.reject(new Error(`${file}: ${keys.length} keys given, ${n} declared`));
      return c[command](...keys, ...args);
    };
  }
}

/** A script of `file` (under server/src), with its optional prelude. */
export function luaScript<A extends readonly ScriptArg[], R>(file: string, prelude?: string): LuaScript<A, R> {
  return new LuaScript<A, R>(file, prelude);
}
