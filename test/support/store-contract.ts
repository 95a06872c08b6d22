import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { skipUnless, uniquePrefix } from "./services.ts";

/** Fails unless `p` rejects with an error whose `code` is `code`. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: any) => {
    assert.equal(err.code, code, `expected ${code}, got ${err.code ?? err}`);
    return true;
  });
}

/**
 * One contract, two stores: declares `${title}: memory` and `${title}: redis` and runs
 * `suite` in each. Every test gets a fresh store from `current()` (call it in a
 * beforeEach or a test). The Redis store lives on REDIS_URL under a unique key prefix,
 * deleted after each test; without REDIS_URL the Redis half skips (REQUIRE_SERVICES=1
 * turns the skip into a failure).
 */
export function storeContract<S>(
  title: string,
  make: { memory: () => S; redis: (redis: Redis, prefix: string) => S },
  suite: (name: "memory" | "redis", current: () => S) => void,
  timeoutMs?: number,
): void {
  for (const name of ["memory", "redis"] as const) {
    describe(`${title}: ${name}`, function () {
      if (timeoutMs !== undefined) this.timeout(timeoutMs);
      before(function () {
        if (name === "redis") skipUnless(this, Boolean(process.env.REDIS_URL), "REDIS_URL");
      });
      let store: S | undefined;
      let cleanup = async (): Promise<void> => undefined;
      beforeEach(() => {
        if (name === "memory") {
          store = make.memory();
          return;
        }
        const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
        const prefix = uniquePrefix(title.replace(/\W+/g, "-"));
        store = make.redis(redis, prefix);
        cleanup = async () => {
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length) await redis.del(...keys);
          redis.disconnect();
        };
      });
      afterEach(() => cleanup());
      suite(name, () => store!);
    });
  }
}
