/**
 * The error boundary (server/src/error-boundary.ts) on real errors: what pg and ioredis
 * throw when their server is away becomes UNAVAILABLE, known AppErrors keep their code,
 * requests refused by express/body-parser are 4xx, the rest is INTERNAL; and each kind of
 * log line is written once per window, faults with their stack, outages with their
 * cause, client mistakes at info without a stack.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import pg from "pg";
import { pino } from "pino";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../../server/src/errors.ts";
import { classify, ErrorBoundary, LogThrottle } from "../../server/src/error-boundary.ts";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

describe("security: the error boundary", function () {
  this.timeout(20_000);

  it("pg and ioredis errors of an unreachable server are UNAVAILABLE", async () => {
    const port = await closedPort();
    const client = new pg.Client({ host: "127.0.0.1", port, user: "x", database: "x", connectionTimeoutMillis: 2000 });
    const pgError = await client.connect().then(
      () => assert.fail("connected to a closed port"),
      (err: unknown) => err,
    );
    assert.equal(classify(pgError).code, ErrorCode.UNAVAILABLE, String(pgError));

    const redis = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on("error", () => undefined);
    const redisError = await redis.get("k").then(
      () => assert.fail("answered from a closed port"),
      (err: unknown) => err,
    );
    redis.disconnect();
    assert.equal(classify(redisError).code, ErrorCode.UNAVAILABLE, String(redisError));
    const noQueue = new Redis({ host: "127.0.0.1", port, enableOfflineQueue: false, retryStrategy: () => null });
    noQueue.on("error", () => undefined);
    const notWritable = await noQueue.get("k").catch((err: unknown) => err);
    noQueue.disconnect();
    assert.equal(classify(notWritable).code, ErrorCode.UNAVAILABLE, String(notWritable));

    // What pg reports when the connection or the database goes away mid-flight.
    for (const err of [
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
      Object.assign(new Error('database "hf" does not exist'), { code: "3D000" }),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
      new Error("redis ping timed out after 1000 ms"),
      // ioredis Cluster while a primary restarts (seen in cluster-primary-restart.test.ts).
      new Error("Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down"),
      new Error("Too many Cluster redirections. Last error: ReplyError: MOVED 8390 127.0.0.1:7002"),
      new Error("Failed to refresh slots cache."),
    ]) {
      assert.equal(classify(err).code, ErrorCode.UNAVAILABLE, err.message);
    }
  });

  it("known AppErrors keep their code; library 4xx are the client's; anything else is INTERNAL", () => {
    const seat = new AppError(ErrorCode.SEAT_TAKEN, "seat 3 is taken");
    assert.equal(classify(seat), seat);
    const uri = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400, statusCode: 400, expose: true });
    assert.equal(classify(uri).code, ErrorCode.VALIDATION_FAILED);
    const brotli = Object.assign(new Error("Decompression failed"), { status: 400, expose: true, code: "ERR__ERROR_FORMAT_PADDING_1" });
    assert.equal(classify(brotli).code, ErrorCode.VALIDATION_FAILED);
    assert.equal(classify(Object.assign(new Error("too large"), { status: 413, type: "entity.too.large" })).code, ErrorCode.PAYLOAD_TOO_LARGE);
    assert.equal(classify(new TypeError("x is undefined")).code, ErrorCode.INTERNAL);
    // A SQL mistake is ours, not an outage.
    assert.equal(classify(Object.assign(new Error('syntax error at or near "SELEC"'), { code: "42601" })).code, ErrorCode.INTERNAL);
  });

  it("logs a fault with its stack, an outage with its cause, a client mistake at info; each once per window", () => {
    const { logger, lines } = capturingLogger();
    const boundary = new ErrorBoundary(logger, { throttleMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      boundary.handle(new TypeError("boom"), { room: "table" });
      boundary.handle(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }), { room: "table" });
      boundary.handle(new AppError(ErrorCode.NOT_FOUND, `table t${i} does not exist`), { room: "table" });
    }
    assert.equal(lines.length, 3, JSON.stringify(lines));
    const [fault, outage, mistake] = lines as { level: number; err?: { stack?: string }; cause?: { code?: string }; code?: string }[];
    assert.equal(fault.level, 50);
    assert.match(fault.err?.stack ?? "", /TypeError: boom/);
    assert.equal(outage.level, 40);
    assert.equal(outage.cause?.code, "ECONNREFUSED");
    assert.equal(JSON.stringify(outage).includes("stack"), false);
    assert.equal(mistake.level, 30);
    assert.equal(mistake.code, "NOT_FOUND");
    assert.equal(JSON.stringify(mistake).includes("stack"), false);
  });

  it("the throttle counts what it dropped and says so on the next line", () => {
    let now = 0;
    const throttle = new LogThrottle(1000, 10, () => now);
    assert.equal(throttle.admit("k"), 0);
    assert.equal(throttle.admit("k"), undefined);
    assert.equal(throttle.admit("k"), undefined);
    now = 1500;
    assert.equal(throttle.admit("k"), 2);
    for (let i = 0; i < 20; i++) throttle.admit(`flood-${i}`); // bounded: old keys are forgotten
    assert.equal(throttle.admit("k"), 0);
  });
});
