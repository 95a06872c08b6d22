import { luaScript, type LuaScript, type ScriptArg } from "./scripts.ts";

/**
 * Every Lua script of the project, with its ARGV and reply types (the keys come from
 * each script's `--- @keys` header; see scripts.ts). Stores bind the ones they use:
 * `HOLD_SCRIPTS.reserve.on(client)`. Numeric codes in replies are named in
 * script-codes.ts.
 */

const HOLD_PRELUDE = "holds/lua/common.lua";
const QUEUE_PRELUDE = "sales/lua/common.lua";

type Ms = number;

/** Hold scripts: keys = the five keys of one SKU (holds/commerce-keys.ts). */
export const HOLD_SCRIPTS = {
  /** Returns expiresAt (> 0) or a HOLD_CODES code. */
  reserve: luaScript<[holdId: string, userId: string, quantity: number, ttl: Ms, perUserLimit: number | "", retention: Ms], number>(
    "holds/lua/reserve.lua",
    HOLD_PRELUDE,
  ),
  /** Returns expiresAt (> 0), 0 when set to 0, or a HOLD_CODES code. */
  setQuantity: luaScript<
    [holdId: string, owner: string, quantity: number, ttl: Ms, perUserLimit: number | "", retention: Ms, buyer: string],
    number
  >("holds/lua/set-quantity.lua", HOLD_PRELUDE),
  /** Returns 1 released, 0 unchanged, or a HOLD_CODES code. */
  release: luaScript<[holdId: string, owner: string, retention: Ms], number>("holds/lua/release.lua", HOLD_PRELUDE),
  /** Returns [1, ...quantities] or [code, 1-based index of the failing hold (0: none)]. */
  consume: luaScript<[userId: string, retention: Ms, buyer: string, ...holdIds: string[]], number[]>("holds/lua/consume.lua", HOLD_PRELUDE),
  /** Returns the number of holds restored, or NOT_LOADED. */
  unconsume: luaScript<[userId: string, ...holdIds: string[]], number>("holds/lua/unconsume.lua", HOLD_PRELUDE),
  restock: luaScript<[quantity: number], number>("holds/lua/restock.lua", HOLD_PRELUDE),
  settle: luaScript<[buyer: string, quantity: number], number>("holds/lua/settle.lua", HOLD_PRELUDE),
  /** Returns [swept, total, avail, held] or [NOT_LOADED]. */
  sweep: luaScript<[retention: Ms], number[]>("holds/lua/sweep.lua", HOLD_PRELUDE),
  /** Returns 1 updated, 2 built from scratch, 0 already loaded. */
  setStock: luaScript<[total: number, committed: number, perUserLimit: number, mode: "set" | "load"], number>(
    "holds/lua/set-stock.lua",
    HOLD_PRELUDE,
  ),
};

/** Sale queue scripts: keys = the seven keys of one sale (sales/sale-keys.ts). */
export const QUEUE_SCRIPTS = {
  /** Returns [state, position, admittedUntil, created]. */
  join: luaScript<[userId: string], number[]>("sales/lua/join.lua", QUEUE_PRELUDE),
  leave: luaScript<[userId: string], number>("sales/lua/leave.lua", QUEUE_PRELUDE),
  /** Returns [length, admitted, outstanding, started, now, then state, position, admittedUntil per user]. */
  lookup: luaScript<string[], number[]>("sales/lua/lookup.lua", QUEUE_PRELUDE),
  /** Returns the number of pre-queued users, or ALREADY_STARTED. */
  start: luaScript<[prequeue: string, seed: number], number>("sales/lua/start.lua", QUEUE_PRELUDE),
  /** Returns [admittedUntil, ...userIds]. */
  admit: luaScript<[n: number, ttl: Ms], [number, ...string[]]>("sales/lua/admit.lua", QUEUE_PRELUDE),
  lapse: luaScript<[], string[]>("sales/lua/lapse.lua", QUEUE_PRELUDE),
  /** Returns 1 or a QUEUE_CODES code. */
  claim: luaScript<[userId: string, quantity: number, limit: number], number>("sales/lua/claim.lua", QUEUE_PRELUDE),
  confirm: luaScript<[userId: string], number>("sales/lua/confirm.lua", QUEUE_PRELUDE),
  unclaim: luaScript<[userId: string, quantity: number], number>("sales/lua/unclaim.lua", QUEUE_PRELUDE),
  markDone: luaScript<[userId: string], number>("sales/lua/mark-done.lua", QUEUE_PRELUDE),
};

/** Table continuity scripts: keys of one table (redis/keys.ts, hash tag `{tableId}`). */
export const TABLE_SCRIPTS = {
  /** keys: the table's log and lease. Returns 1 or a LOG_APPEND_CODES code. */
  logAppend: luaScript<[owner: string, maxlen: number, trim: "~" | "=", ttl: Ms, ...seqAndEvent: ScriptArg[]], number>(
    "continuity/lua/table-log-append.lua",
  ),
  /** Returns "" when the owner holds it now, else the holder's id. */
  leaseAcquire: luaScript<[owner: string, ttl: Ms], string>("continuity/lua/table-lease-acquire.lua"),
  leaseRenew: luaScript<[owner: string, ttl: Ms], number>("continuity/lua/table-lease-renew.lua"),
  leaseTakeover: luaScript<[deadOwner: string, owner: string, ttl: Ms], number>("continuity/lua/table-lease-takeover.lua"),
  snapshotSave: luaScript<[seq: number, modelJson: string, takenAt: number, ttl: Ms], number>("continuity/lua/table-snapshot-save.lua"),
};

/** Seat bindings (tables/seat-binding-store.ts): one key each. */
export const SEAT_SCRIPTS = {
  /** Returns 1 extended, 0 the binding is gone or holds another token. */
  extend: luaScript<[tokenId: string, ttl: Ms], number>("tables/lua/seat-binding-extend.lua"),
};

/** Owner-checked leases (single-runner jobs, table hosting): one key each. */
export const LEASE_SCRIPTS = {
  /** Returns 1 when the owner holds the lease now, 0 when another owner does. */
  acquire: luaScript<[owner: string, ttl: Ms], number>("redis/lua/lease-acquire.lua"),
  /** Returns 1 released, 0 not held by the owner. */
  release: luaScript<[owner: string], number>("redis/lua/lease-release.lua"),
};

/** Every script by family: what a test walks to check key counts and Cluster slots. */
export const ALL_SCRIPTS: Record<"holds" | "queue" | "table" | "seat" | "lease", Record<string, LuaScript<never, unknown>>> = {
  holds: HOLD_SCRIPTS,
  queue: QUEUE_SCRIPTS,
  table: TABLE_SCRIPTS,
  seat: SEAT_SCRIPTS,
  lease: LEASE_SCRIPTS,
};
