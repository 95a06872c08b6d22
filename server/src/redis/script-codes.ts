/**
 * The one place where the Lua scripts' numeric return codes get their names. Scripts
 * return small negative numbers (cheap, and what Lua can return); TypeScript code only
 * ever sees the names. Each table mirrors the codes a script header lists (e.g.
 * holds/lua/common.lua); test/unit/redis-scripts.test.ts checks the headers agree.
 */
function codeTable<const T extends Record<number, string>>(table: T) {
  const byName = new Map<string, number>(Object.entries(table).map(([n, name]) => [name, Number(n)]));
  return {
    table,
    /** The name of `n`, or undefined for a value that is not one of the codes (a success). */
    name(n: number): T[keyof T] | undefined {
      return (table as Record<number, T[keyof T]>)[n];
    },
    /** The number a script returns for `name`. */
    value(name: T[keyof T] & string): number {
      return byName.get(name)!;
    },
  };
}

/** Hold scripts (holds/lua/*.lua); the memory hold store throws the same names. */
export const HOLD_CODES = codeTable({
  [-1]: "SOLD_OUT",
  [-2]: "HOLD_LIMIT",
  [-3]: "HOLD_NOT_FOUND",
  [-4]: "HOLD_EXPIRED",
  [-5]: "DUPLICATE_HOLD_ID",
  [-6]: "ALREADY_CONSUMED",
  [-10]: "NOT_LOADED",
});
export type HoldCode = NonNullable<ReturnType<typeof HOLD_CODES.name>>;

/** Sale queue scripts (sales/lua/*.lua); the memory queue store throws the same names. */
export const QUEUE_CODES = codeTable({
  [-1]: "NOT_ADMITTED",
  [-2]: "HOLD_LIMIT",
});
export type QueueCode = NonNullable<ReturnType<typeof QUEUE_CODES.name>>;

/** sales/lua/start.lua. */
export const START_CODES = codeTable({
  [-1]: "ALREADY_STARTED",
});

/** continuity/lua/table-log-append.lua. */
export const LOG_APPEND_CODES = codeTable({
  [-1]: "LEASE_LOST",
  [-2]: "SEQ_TAKEN",
});

/** Every table with the script file whose header documents it (checked by a unit test). */
export const DOCUMENTED_CODES = [
  { file: "holds/lua/common.lua", codes: HOLD_CODES.table },
  { file: "sales/lua/common.lua", codes: QUEUE_CODES.table },
  { file: "sales/lua/start.lua", codes: START_CODES.table },
  { file: "continuity/lua/table-log-append.lua", codes: LOG_APPEND_CODES.table },
] as const;
