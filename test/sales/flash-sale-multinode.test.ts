import assert from "node:assert/strict";
import { flashSale } from "../../tools/src/loadtest/flash-sale.ts";
import { createTestDatabase, skipUnless, testClusterUrl, testRedisUrl } from "../support/services.ts";

/**
 * Multi-node: the `flash-sale` load scenario as a test. Two real server processes share
 * Redis (DB 9) and a fresh Postgres database; every buyer is a real SDK client, spread
 * over both nodes; rooms of the one sale live on both. The first case runs on a Redis
 * Cluster too (REDIS_CLUSTER_TEST_NODES).
 */
describe("flash sale over two nodes (load scenario)", function () {
  this.timeout(300_000);
  let db: { url: string; drop(): Promise<void> } | undefined;

  before(async function () {
    skipUnless(this, Boolean(process.env.REDIS_URL), "REDIS_URL");
    skipUnless(this, Boolean(process.env.DATABASE_URL), "DATABASE_URL");
    db = await createTestDatabase("flash_multinode");
  });

  after(async () => {
    await db?.drop();
  });

  it("1,000 buyers, 100 units, fifo: exactly 100 sold, 0 oversold, admission in join order, positions never go up", async () => {
    const redisUrl = (await testRedisUrl(9))!;
    const { report, ok } = await flashSale.run(
      ["--buyers", "1000", "--stock", "100", "--nodes", "2", "--prequeue", "fifo", "--start-in", "10"].concat(["--redis", redisUrl, "--database", db!.url]),
    );
    const r = report as any;
    assert.equal(r.sold.held, 100);
    assert.equal(r.sold.ordered, 100);
    assert.equal(r.oversold, 0);
    assert.deepEqual(r.fairness, { serverOutOfOrder: 0, clientOvertaken: 0, positionIncreases: 0 });
    assert.equal(r.saleStatus, "sold_out");
    assert.ok(r.rooms >= 2, `the matchmaker spread the buyers over ${r.rooms} room(s)`);
    assert.equal(r.soldOutNotice.waitingBuyersTold, 1000 - r.admitted, "every buyer never admitted was told sold out");
    assert.equal(ok, true);
  });

  it("on a Redis Cluster: 500 buyers, 50 units, fifo: exactly 50 sold, 0 oversold, admission in join order", async function () {
    skipUnless(this, Boolean(process.env.REDIS_CLUSTER_TEST_NODES), "REDIS_CLUSTER_TEST_NODES");
    const redisUrl = (await testClusterUrl())!;
    const { report, ok } = await flashSale.run(
      ["--buyers", "500", "--stock", "50", "--nodes", "2", "--prequeue", "fifo", "--start-in", "8"].concat(["--redis", redisUrl, "--database", db!.url]),
    );
    const r = report as any;
    assert.equal(r.sold.held, 50);
    assert.equal(r.sold.ordered, 50);
    assert.equal(r.oversold, 0);
    assert.deepEqual(r.fairness, { serverOutOfOrder: 0, clientOvertaken: 0, positionIncreases: 0 });
    assert.equal(r.saleStatus, "sold_out");
    assert.equal(ok, true);
  });

  it("random pre-queue: shuffled once at the start, positions then only fall, exactly the stock sold", async () => {
    const redisUrl = (await testRedisUrl(9))!;
    const { report } = await flashSale.run(
      ["--buyers", "300", "--stock", "30", "--nodes", "2", "--prequeue", "random", "--start-in", "8", "--no-orders"].concat([
        "--redis",
        redisUrl,
        "--database",
        db!.url,
      ]),
    );
    const r = report as any;
    assert.equal(r.prequeued, 300, "everyone joined the pre-queue");
    assert.equal(r.sold.held, 30);
    assert.equal(r.oversold, 0);
    assert.equal(r.fairness.positionIncreases, 0);
    assert.ok(r.fairness.serverOutOfOrder > 0, "admission order is not the join order (shuffled)");
  });
});
