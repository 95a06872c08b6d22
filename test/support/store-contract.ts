import assert from "node:assert/strict";
import type { RedisClient } from "../../server/src/redis/redis-client.ts";
import { backendConfigured, backendSetting, connectBackend, deleteKeysUnder, REDIS_BACKENDS, type RedisBackend } from "./redis-backends.ts";
import { skipUnless, uniquePrefix } from "./services.ts";

/** Fails unless `p` rejects with an error whose `code` is `code`. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: any) => {
    assert.equal(err.code, code, `expected ${code}, got ${err.code ?? err}`);
    return true;
  });
}

/**
 * One contract, three stores: declares `${title}: memory`, `${title}: redis` and
 * `${title}: redis-cluster` and runs `suite` in each. Every test gets a fresh store
 * from `current()` (call it in a beforeEach or a test). The Redis stores live on
 * REDIS_URL and on the cluster of REDIS_CLUSTER_TEST_NODES under a unique key prefix,
 * deleted after each test; an unconfigured backend skips (REQUIRE_SERVICES=1 turns the
 * skip into a failure).
 */
export function storeContract<S>(
  title: string,
  make: { memory: () => S; redis: (redis: RedisClient, prefix: string) => S },
  suite: (name: "memory" | RedisBackend, current: () => S) => void,
  timeoutMs?: number,
): void {
  for (const name of ["memory", ...REDIS_BACKENDS] as const) {
    describe(`${title}: ${name}`, function () {
      if (timeoutMs !== undefined) this.timeout(timeoutMs);
      before(function () {
        if (name !== "memory") skipUnless(this, backendConfigured(name), backendSetting(name));
      });
      let store: S | undefined;
      let cleanup = async (): Promise<void> => undefined;
      beforeEach(() => {
        if (name === "memory") {
          store = make.memory();
          return;
        }
        const redis = connectBackend(name);
        const prefix = uniquePrefix(title.replace(/\W+/g, "-"));
        store = make.redis(redis, prefix);
        cleanup = async () => {
          await deleteKeysUnder(redis, prefix);
          redis.disconnect();
        };
      });
      afterEach(() => cleanup());
      suite(name, () => store!);
    });
  }
}
