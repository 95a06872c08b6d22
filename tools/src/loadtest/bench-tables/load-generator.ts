/**
 * One load-generator process of `npm run bench -- tables` (forked by bench-tables.ts, IPC
 * messages in, results out). It holds a slice of the clients: for Holdfast, SDK clients
 * (HoldfastClient + TableConnection, as an app uses them); for the baseline, bare
 * @colyseus/sdk rooms. Every socket goes through this process's loopback TCP proxy, so a
 * drop storm resets them without a close frame (the server sees 1006), and through a
 * counting WebSocket, so messages and bytes received are measured where they arrive.
 */
import { performance } from "node:perf_hooks";
import type { Room } from "@colyseus/sdk";
import type { HoldfastClient, TableConnection } from "@holdfast/client-sdk";
import { startTcpProxy, type TcpProxy } from "../tcp-proxy.ts";
import type { GenRequest, GenResult, CommandOutcome } from "./protocol.ts";

// The Colyseus SDK narrates every reconnection on console.info: a drop storm would print thousands.
console.info = () => undefined;

// Counting sockets: installed before any SDK module captures globalThis.WebSocket.
const received = { messages: 0, bytes: 0 };
const BaseWebSocket = globalThis.WebSocket;
globalThis.WebSocket = class CountingWebSocket extends BaseWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    this.addEventListener("message", (e: MessageEvent) => {
      received.messages++;
      const d = e.data as ArrayBuffer | string;
      received.bytes += typeof d === "string" ? Buffer.byteLength(d) : d.byteLength;
    });
  }
} as typeof WebSocket;
const { Client: ColyseusClient } = await import("@colyseus/sdk");
const { HoldfastClient: Holdfast, MemoryStorage, HoldfastError } = await import("@holdfast/client-sdk");

interface BenchClient {
  name: string;
  tableId: string;
  seat: number;
  /** Holdfast */
  hf?: HoldfastClient;
  conn?: TableConnection;
  /** Baseline */
  bare?: InstanceType<typeof ColyseusClient>;
  room?: Room;
  /** Closes the server made (not the drop storm's resets) and drops seen. */
  drops: number;
  closes: number;
  /** How long this client's join took (the sit phase reports join + sit). */
  joinMs: number;
  back?: () => void;
}

let target: "bare" | "holdfast" = "bare";
let proxy: TcpProxy | undefined;
let clients: BenchClient[] = [];
let sku = "";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function pool<T>(items: T[], inFlight: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

function watch(c: BenchClient): void {
  if (c.conn) {
    c.conn.onStatus((s) => {
      if (s === "reconnecting") c.drops++;
      if (s === "restored" || s === "connected") c.back?.();
      if (s === "lost" || s === "replaced" || s === "closed") c.closes++;
    });
  } else if (c.room) {
    c.room.onDrop(() => c.drops++);
    c.room.onReconnect(() => c.back?.());
    c.room.onLeave((code) => {
      if (code !== 4000 && code !== 1000) c.closes++;
    });
  }
}

async function join(c: BenchClient): Promise<void> {
  if (target === "holdfast") {
    c.conn = await c.hf!.tables.join(c.tableId);
  } else {
    c.room = await c.bare!.joinOrCreate("bare", { tableId: c.tableId, name: c.name });
    // Like the Holdfast SDK's policy: retry at once, whatever the room's age.
    Object.assign(c.room.reconnection, { minUptime: 0, minDelay: 50, maxDelay: 1000, maxRetries: 30 });
  }
  watch(c);
}

async function sit(c: BenchClient): Promise<void> {
  if (c.conn) await c.conn.sit({ seat: c.seat });
  else await c.room!.request("sit", { seat: c.seat });
}

async function command(c: BenchClient, type: string, payload: Record<string, unknown>): Promise<unknown> {
  if (c.conn) return type === "hb" ? c.conn.command("hb", {}) : c.conn.command(type, payload);
  return c.room!.request(type, payload);
}

/** Runs `fn`, resolving with its latency or an outcome that is not an answer. */
async function timed(fn: () => Promise<unknown>, timeoutMs: number): Promise<{ ms: number; outcome: CommandOutcome; retryAfterMs?: number }> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return { ms: performance.now() - t0, outcome: "ok" };
  } catch (err) {
    if ((err as Error).message === "timeout") return { ms: timeoutMs, outcome: "unanswered" };
    const e = HoldfastError.from(err);
    if (e.disconnected) return { ms: performance.now() - t0, outcome: "unanswered" };
    return { ms: performance.now() - t0, outcome: e.code, retryAfterMs: e.retryAfterMs };
  } finally {
    clearTimeout(timer);
  }
}

async function handle(req: GenRequest): Promise<GenResult> {
  switch (req.type) {
    case "setup": {
      target = req.target;
      sku = req.sku ?? "";
      proxy = await startTcpProxy(req.port);
      clients = req.clients.map((c) => ({ ...c, drops: 0, closes: 0, joinMs: 0 }));
      await pool(clients, 20, async (c) => {
        if (target === "holdfast") {
          c.hf = new Holdfast({ url: proxy!.url, storage: new MemoryStorage(), heartbeatSeconds: 30, reconnect: { minDelayMs: 50, maxDelayMs: 1000 } });
          await c.hf.auth.guest(c.name);
        } else {
          c.bare = new ColyseusClient(proxy!.url);
        }
      });
      return { type: "ok" };
    }
    case "join":
    case "sit": {
      const latencies: number[] = [];
      let errors = 0;
      const t0 = performance.now();
      await pool(clients, req.inFlight, async (c) => {
        const s = performance.now();
        try {
          await (req.type === "join" ? join(c) : sit(c));
          const ms = performance.now() - s;
          if (req.type === "join") c.joinMs = ms;
          latencies.push(req.type === "join" ? ms : c.joinMs + ms);
        } catch (err) {
          errors++;
          if (errors <= 3) console.error(`${req.type} failed: ${(err as Error).message}`);
        }
      });
      return { type: "timing", latencies, errors, elapsedMs: performance.now() - t0 };
    }
    case "commands": {
      const before = { ...received };
      const latencies: number[] = [];
      const outcomes: Record<string, number> = {};
      const retryHints: number[] = [];
      const closes0 = clients.reduce((n, c) => n + c.closes + c.drops, 0);
      let sent = 0;
      const t0 = performance.now();
      const until = t0 + req.seconds * 1000;
      const everyMs = 1000 / req.ratePerClient;
      const inflight: Promise<void>[] = [];
      await Promise.all(
        clients.map(async (c, i) => {
          // Spread the clients over the interval, then a steady rate (open loop: a slow
          // answer does not slow the sender, as with real users).
          let next = t0 + (everyMs * i) / clients.length;
          let k = 0;
          for (;;) {
            const now = performance.now();
            if (next > now) await sleep(next - now);
            if (performance.now() >= until) break;
            next += everyMs;
            sent++;
            const payload = req.command === "cart.set" ? { sku, quantity: 1 + (k++ % 2), options: { diner: c.seat } } : {};
            inflight.push(
              timed(() => command(c, req.command, payload), req.timeoutMs).then((r) => {
                outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
                if (r.outcome === "ok") latencies.push(r.ms);
                if (r.retryAfterMs !== undefined) retryHints.push(r.retryAfterMs);
              }),
            );
          }
        }),
      );
      const sendingMs = performance.now() - t0;
      await Promise.all(inflight);
      // Let the last patches arrive before counting what was received.
      await sleep(200);
      return {
        type: "commands",
        sent,
        outcomes,
        latencies,
        retryHints,
        sendingMs,
        messages: received.messages - before.messages,
        bytes: received.bytes - before.bytes,
        closed: clients.reduce((n, c) => n + c.closes + c.drops, 0) - closes0,
      };
    }
    case "drop": {
      const backAt: number[] = [];
      const waits = clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.back = () => {
              c.back = undefined;
              backAt.push(performance.now());
              resolve();
            };
          }),
      );
      const t0 = performance.now();
      proxy!.dropAll();
      await Promise.race([Promise.all(waits), sleep(req.timeoutMs)]);
      for (const c of clients) c.back = undefined;
      return { type: "timing", latencies: backAt.map((t) => t - t0), errors: clients.length - backAt.length, elapsedMs: performance.now() - t0 };
    }
    case "resync": {
      // Bytes of a resync answer for the last 20 events, and of a fresh spectator join
      // (the join answer and the full state: what any rejoin downloads).
      const c = clients[0];
      const fromSeq = Math.max(0, c.conn!.lastSeq - req.missed);
      const b0 = received.bytes;
      // packed: 1, the events format the SDK reads (PACKED_EVENTS_VERSION), as its own resyncs ask.
      await c.conn!.command("resync", { lastSeq: fromSeq, packed: 1 });
      const resyncBytes = received.bytes - b0;
      const extra = new Holdfast({ url: proxy!.url, storage: new MemoryStorage() });
      await extra.auth.guest("resync-probe");
      const b1 = received.bytes;
      const conn = await extra.tables.join(c.tableId, { spectate: true });
      const joinBytes = received.bytes - b1;
      await conn.leave();
      return { type: "resync", resyncBytes, joinBytes, events: c.conn!.lastSeq - fromSeq };
    }
    case "leave": {
      await pool(clients, 50, async (c) => {
        await Promise.race([c.conn ? c.conn.leave() : c.room?.leave(true), sleep(3000)]).catch(() => undefined);
      });
      await proxy?.close();
      return { type: "ok" };
    }
  }
}

process.on("message", (req: GenRequest) => {
  void handle(req).then(
    (result) => process.send!(result),
    (err: Error) => process.send!({ type: "error", message: err.stack ?? err.message } satisfies GenResult),
  );
});
process.send!({ type: "ok" } satisfies GenResult);
