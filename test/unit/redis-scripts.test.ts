import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CommerceKeys } from "../../server/src/holds/commerce-keys.ts";
import { RedisKeys } from "../../server/src/redis/keys.ts";
import { ALL_SCRIPTS } from "../../server/src/redis/lua-scripts.ts";
import { DOCUMENTED_CODES, HOLD_CODES, QUEUE_CODES } from "../../server/src/redis/script-codes.ts";
import { declaredKeys, highestKeyUsed, luaScript } from "../../server/src/redis/scripts.ts";
import { SaleKeys } from "../../server/src/sales/sale-keys.ts";

// ioredis' own slot function (a dependency of ioredis; CommonJS without types).
const keySlot = createRequire(import.meta.url)("cluster-key-slot") as (key: string) => number;
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../server/src");

describe("Redis script layer", () => {
  describe("key count from the `--- @keys` header", () => {
    it("reads the declared key names", () => {
      assert.deepEqual(declaredKeys("-- x.lua: does x\n--- @keys log lease\nreturn KEYS[2]"), ["log", "lease"]);
      assert.deepEqual(declaredKeys("--- @keys\nreturn 1"), []);
    });

    it("refuses a script without the header", () => {
      assert.throws(() => declaredKeys("-- KEYS[1] lease key\nreturn 1", "x.lua"), /x\.lua: no "--- @keys" header/);
    });

    it("finds the highest KEYS[n] a source uses", () => {
      assert.equal(highestKeyUsed("redis.call('GET', KEYS[1]); redis.call('DEL', KEYS[3])"), 3);
      assert.equal(highestKeyUsed("return ARGV[4]"), 0);
    });

    it("every script declares at least the keys it (and its prelude) uses", () => {
      for (const [family, scripts] of Object.entries(ALL_SCRIPTS)) {
        for (const [name, script] of Object.entries(scripts)) {
          assert.ok(highestKeyUsed(script.source) <= script.numberOfKeys, `${family}.${name}`);
          assert.ok(script.numberOfKeys > 0, `${family}.${name} takes no keys`);
        }
      }
    });

    it("a script using more keys than it declares fails to load", () => {
      // lease-release declares one key; the hold helpers put before it use KEYS[1..5].
      assert.throws(() => luaScript("redis/lua/lease-release.lua", "holds/lua/common.lua"), /uses KEYS\[5\] but its "--- @keys" header declares 1/);
      assert.throws(() => luaScript("holds/lua/common.lua"), /no "--- @keys" header/);
    });

    it("command names are unique, so one client carries every script", () => {
      const names = Object.values(ALL_SCRIPTS).flatMap((s) => Object.values(s).map((x) => x.command));
      assert.equal(new Set(names).size, names.length);
    });
  });

  describe("every script's keys share one Cluster slot, whatever the prefix and id", () => {
    // Prefixes a deployment may set (REDIS_PREFIX), one with a tag of its own; ids that
    // stress the hash tags (braces, colons, unicode).
    const PREFIXES = ["hf:", "", "tenant-7:", "{shard}:"];
    const IDS = ["1", "sku-42", "a:b:c", "x}y", "{z", "ünï"];
    const sample: Record<keyof typeof ALL_SCRIPTS, (keys: RedisKeys, script: string, id: string) => string[]> = {
      holds: (keys, _name, id) => CommerceKeys.from(keys).sku(id),
      queue: (keys, _name, id) => SaleKeys.from(keys).queue(id),
      table: (keys, name, id) => (name === "logAppend" ? [keys.tableLog(id), keys.tableLease(id)] : name === "snapshotSave" ? [keys.tableSnapshot(id)] : [keys.tableLease(id)]),
      seat: (keys, _name, id) => [keys.seatBinding(id, 0)],
      lease: (keys) => [keys.eventRetentionLease],
    };
    for (const [family, scripts] of Object.entries(ALL_SCRIPTS) as [keyof typeof ALL_SCRIPTS, (typeof ALL_SCRIPTS)["holds"]][]) {
      for (const [name, script] of Object.entries(scripts)) {
        it(`${family}.${name} (${script.keyNames.join(", ")})`, () => {
          for (const prefix of PREFIXES) {
            for (const id of IDS) {
              const ks = sample[family](new RedisKeys(prefix), name, id);
              assert.equal(ks.length, script.numberOfKeys, "the key builder gives as many keys as the header declares");
              assert.equal(new Set(ks.map(keySlot)).size, 1, ks.join(" "));
            }
          }
        });
      }
    }
  });

  describe("named return codes", () => {
    it("maps numbers to names and back", () => {
      assert.equal(HOLD_CODES.name(-1), "SOLD_OUT");
      assert.equal(HOLD_CODES.name(-10), "NOT_LOADED");
      assert.equal(HOLD_CODES.name(1712345678901), undefined, "a success value is no code");
      assert.equal(HOLD_CODES.value("HOLD_EXPIRED"), -4);
      assert.equal(QUEUE_CODES.name(-2), "HOLD_LIMIT");
    });

    it("the scripts' headers list the same codes as script-codes.ts", () => {
      for (const { file, codes } of DOCUMENTED_CODES) {
        const header = readFileSync(path.join(SRC, file), "utf8")
          .split("\n")
          .filter((l) => l.startsWith("--"))
          .join("\n");
        for (const [n, name] of Object.entries(codes)) assert.match(header, new RegExp(`${n} ${name}\\b`), `${file}: ${n} ${name}`);
      }
    });
  });
});
