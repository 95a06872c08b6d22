import assert from "node:assert/strict";
import { RedisKeys } from "../../server/src/redis/keys.ts";
import { MemorySeatBindingStore, RedisSeatBindingStore, type SeatBindingStore } from "../../server/src/tables/seat-binding-store.ts";
import { storeContract } from "../support/store-contract.ts";

storeContract<SeatBindingStore>(
  "SeatBindingStore contract",
  { memory: () => new MemorySeatBindingStore(), redis: (redis, prefix) => new RedisSeatBindingStore(redis, new RedisKeys(prefix)) },
  (_name, current) => {
    it("extends a binding only with its current token (compare-and-extend)", async () => {
      const store = current();
      await store.bind("t1", 0, { userId: "u1", tokenId: "tok-1" }, 60);
      assert.equal(await store.extend("t1", 0, "tok-1", 60), true);
      assert.equal(await store.extend("t1", 0, "tok-old", 60), false, "a stale token never extends a newer binding");
      assert.equal(await store.extend("t1", 1, "tok-1", 60), false, "no binding, nothing to extend");
      await store.release("t1", 0);
      assert.equal(await store.extend("t1", 0, "tok-1", 60), false);
      assert.equal(await store.get("t1", 0), null);
    });
  },
);
