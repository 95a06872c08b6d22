/**
 * `npm run smoke -- --url URL`: a short end-to-end check of a running deployment, one
 * line per step: health, readiness, guest sign-in, table join and sit, a hold and an
 * order, and a realtime event seen on the feed. Cleans up after itself (stands up,
 * cancels the order). Exit code 0 when every step passed.
 */
import { randomUUID } from "node:crypto";
import { Command } from "commander";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";

const program = new Command()
  .name("smoke")
  .description("end-to-end check of a running Holdfast deployment")
  .option("--url <url>", "base URL of a node", "http://127.0.0.1:2567")
  .option("--table <tableId>", "table to sit at", "demo-holdem")
  .option("--sku <sku>", "SKU to hold and order (needs stock)", "ramen")
  .option("--timeout <seconds>", "per-step timeout", "10")
  .parse();
const opts = program.opts<{ url: string; table: string; sku: string; timeout: string }>();
const url = opts.url.replace(/\/$/, "");
const stepTimeoutMs = Number(opts.timeout) * 1000;

let failed = false;
async function step<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  try {
    const result = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${opts.timeout} s`)), stepTimeoutMs)),
    ]);
    const detail = typeof result === "string" ? ` ${result}` : "";
    console.log(`ok   ${name.padEnd(28)} ${Math.round(performance.now() - started)} ms${detail}`);
    return result;
  } catch (err) {
    failed = true;
    console.log(`FAIL ${name.padEnd(28)} ${Math.round(performance.now() - started)} ms ${(err as Error).message}`);
    return undefined;
  }
}

async function json(path: string, init: RequestInit = {}, token?: string): Promise<any> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body) headers["content-type"] = "application/json";
  const res = await fetch(`${url}${path}`, { ...init, headers });
  const body = res.status === 204 ? undefined : await res.json();
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

const client = new HoldfastClient({ url, storage: new MemoryStorage() });
let table: TableConnection | undefined;

await step("healthz", async () => (await json("/healthz")).ok ? "" : Promise.reject(new Error("not ok")));
await step("readyz", async () => {
  const r = await json("/readyz");
  return `redis ${r.redis.mode} ${r.redis.ms} ms, db ${r.db.mode} ${r.db.ms} ms`;
});
const signedIn = await step("guest sign-in", async () => (await client.auth.guest("smoke")).userId);
if (signedIn) {
  table = await step(`join ${opts.table}`, () => client.tables.join(opts.table));
  if (table) await step("sit", async () => `seat ${(await table!.sit()).seat}`);
  const hold = await step(`hold 1 ${opts.sku}`, async () =>
    json("/api/holds", { method: "POST", body: JSON.stringify({ sku: opts.sku, quantity: 1 }) }, client.auth.token),
  );
  const order = hold
    ? await step("order", async () =>
        json("/api/orders", { method: "POST", body: JSON.stringify({ holdIds: [hold.holdId] }), headers: { "idempotency-key": randomUUID() } }, client.auth.token),
      )
    : undefined;
  if (order) {
    const orderId = order.order.orderId as string;
    await step("feed event (order cancelled)", async () => {
      const feed = await client.feed.subscribe([`order:${orderId}`]);
      const seen = new Promise<string>((resolve) => feed.onEvent((e) => e.type === "order.cancelled" && resolve(e.type)));
      await json(`/api/orders/${orderId}/cancel`, { method: "POST" }, client.auth.token);
      const type = await seen;
      await feed.leave();
      return type;
    });
  }
  if (table?.seat !== null && table) await step("stand", async () => `seat ${(await table!.stand()).seat}`);
  await table?.leave();
  await step("logout", () => client.auth.logout());
}
console.log(failed ? "smoke: FAILED" : "smoke: all steps passed");
process.exit(failed ? 1 : 0);
