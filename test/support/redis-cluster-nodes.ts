/** Redis Cluster nodes a suite starts for itself (it stops or restarts them). */
import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";

/** A cluster-enabled redis-server on `port` (no persistence; its nodes-PORT.conf in `dir`). */
export function startRedisNode(port: number, dir: string): ChildProcess {
  return spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
}

/** Whether the node on `port` says cluster_state:ok. */
export async function clusterOk(port: number): Promise<boolean> {
  const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return /cluster_state:ok/.test(await r.cluster("INFO"));
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Whether a redis-server answers PING on `port`. */
export async function redisAnswers(port: number): Promise<boolean> {
  const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Resolves once `proc` has exited. */
export function exited(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once("exit", () => resolve())));
}
