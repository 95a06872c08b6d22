/**
 * On a Redis Cluster a script runs on the primary of its first key's slot and may only
 * touch keys of that slot (else CROSSSLOT). This reads every Lua script of the server:
 * which keys each is given (the key builders the stores call it with), that all of
 * them hash to one slot for any prefix and id, and that the script touches Redis only
 * through those KEYS (a key name built inside Lua would escape the check). The one
 * inline EVAL (seat-binding-store.ts, extend-if-current) takes a single key.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import calculateSlot from "cluster-key-slot";
import { defineContinuityCommands } from "../../server/src/continuity/redis-scripts.ts";
import { CommerceKeys } from "../../server/src/holds/commerce-keys.ts";
import { defineHoldCommands } from "../../server/src/holds/hold-scripts.ts";
import { RedisKeys } from "../../server/src/redis/keys.ts";
import type { RedisClient } from "../../server/src/redis/redis-client.ts";
import { SaleKeys } from "../../server/src/sales/sale-keys.ts";
import { RedisSaleQueueStore } from "../../server/src/sales/redis-sale-queue-store.ts";
import { ROOT } from "../foundation/helpers.ts";

/** Prefixes a deployment may set (REDIS_PREFIX), including one with a tag of its own. */
const PREFIXES = ["hf:", "", "tenant-7:", "{shard}:"];
/** Ids that stress the tags: braces, colons, unicode. */
const IDS = ["1", "sku-42", "a:b:c", "x}y", "{z", "ünï"];

/** Every command a script is registered as: its Lua source and numberOfKeys. */
function registeredScripts(): Map<string, { lua: string; numberOfKeys: number }> {
  const found = new Map<string, { lua: string; numberOfKeys: number }>();
  const recorder = {
    defineCommand(name: string, d: { lua: string; numberOfKeys: number }) {
      found.set(name, d);
    },
  } as unknown as RedisClient;
  defineHoldCommands(recorder);
  defineContinuityCommands(recorder);
  new RedisSaleQueueStore(recorder, new SaleKeys("hf:"));
  return found;
}

/**
 * The keys each command is called with, as the stores build them (prefix, id).
 * A new script must be listed here, with the builders its callers use.
 */
const KEYS_OF: Record<string, (prefix: string, id: string) => string[]> = {
  // holds/redis-hold-store.ts: every hold script gets the five keys of one SKU.
  ...Object.fromEntries(
    ["hfReserve", "hfSetQuantity", "hfRelease", "hfConsume", "hfUnconsume", "hfRestock", "hfSettle", "hfSweep", "hfSetStock"].map((c) => [
      c,
      (prefix: string, id: string) => new CommerceKeys(prefix).sku(id),
    ]),
  ),
  // Owner-checked single-key leases: order sweeper, event retention, sale admitters.
  hfLeaseAcquire: (prefix, id) => [new SaleKeys(prefix).admitterLease(id)],
  hfLeaseRelease: (prefix) => [new CommerceKeys(prefix).sweeperLease],
  // continuity/durable-table-event-log.ts: the stream and the lease it checks.
  hfTableLogAppend: (prefix, id) => [new RedisKeys(prefix).tableLog(id), new RedisKeys(prefix).tableLease(id)],
  hfTableLeaseAcquire: (prefix, id) => [new RedisKeys(prefix).tableLease(id)],
  hfTableLeaseRenew: (prefix, id) => [new RedisKeys(prefix).tableLease(id)],
  hfTableLeaseRelease: (prefix, id) => [new RedisKeys(prefix).tableLease(id)],
  hfTableLeaseTakeover: (prefix, id) => [new RedisKeys(prefix).tableLease(id)],
  hfTableSnapshotSave: (prefix, id) => [new RedisKeys(prefix).tableSnapshot(id)],
  // sales/redis-sale-queue-store.ts: every queue script gets the seven keys of one sale.
  ...Object.fromEntries(
    ["join", "leave", "lookup", "start", "admit", "lapse", "claim", "confirm", "unclaim", "mark-done"].map((n) => [
      `sq_${n}`,
      (prefix: string, id: string) => new SaleKeys(prefix).queue(id),
    ]),
  ),
};

function luaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : luaFiles(p);
    return e.name.endsWith(".lua") ? [p] : [];
  });
}

describe("Redis scripts on a cluster: one slot per call", function () {
  const scripts = registeredScripts();

  it("every registered script has its keys listed here, and every listed one is registered", function () {
    assert.deepEqual([...scripts.keys()].sort(), Object.keys(KEYS_OF).sort());
  });

  it("every Lua file of the server is part of a registered script", function () {
    const sources = [...scripts.values()].map((s) => s.lua);
    for (const file of luaFiles(path.join(ROOT, "server/src"))) {
      const body = readFileSync(file, "utf8").trim();
      assert.ok(
        sources.some((src) => src.includes(body)),
        `${path.relative(ROOT, file)} is not registered by defineHoldCommands, defineContinuityCommands or RedisSaleQueueStore`,
      );
    }
  });

  for (const [command, keysOf] of Object.entries(KEYS_OF)) {
    it(`${command}: its keys share one slot, whatever the prefix and id`, function () {
      const { numberOfKeys } = scripts.get(command)!;
      for (const prefix of PREFIXES) {
        for (const id of IDS) {
          const keys = keysOf(prefix, id);
          assert.equal(keys.length, numberOfKeys, `${command} is registered with ${numberOfKeys} keys`);
          const slots = new Set(keys.map((k) => calculateSlot(k)));
          assert.equal(slots.size, 1, `${command} keys ${keys.join(", ")} span slots ${[...slots].join(", ")}`);
        }
      }
    });
  }

  it("the scripts touch Redis only through their KEYS (no key name built in Lua)", function () {
    for (const [command, { lua, numberOfKeys }] of scripts) {
      for (const m of lua.matchAll(/redis\.p?call\(\s*'([A-Za-z]+)'\s*(?:,\s*([^,)]+))?/g)) {
        const [, cmd, firstArg] = m;
        if (cmd.toUpperCase() === "TIME") continue;
        const key = /^KEYS\[(\d+)\]$/.exec((firstArg ?? "").trim());
        assert.ok(key, `${command}: redis.call('${cmd}', ${firstArg}) names a key that is not in KEYS`);
        assert.ok(Number(key[1]) <= numberOfKeys, `${command}: uses KEYS[${key[1]}] but is given ${numberOfKeys} keys`);
      }
    }
  });
});
