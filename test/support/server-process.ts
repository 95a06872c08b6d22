import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnServerProcess } from "../../tools/src/loadtest/common.ts";

/** A free loopback port (for servers that must know their port before they start). */
export { freePort } from "../../tools/src/loadtest/common.ts";

export interface ServerProcess {
  readonly port: number;
  readonly url: string;
  readonly wsUrl: string;
  readonly proc: ChildProcess;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash) and wait for exit. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** Extra environment; REDIS_URL, REDIS_CLUSTER_NODES, DATABASE_URL are NOT inherited unless given here. */
  env?: Record<string, string | undefined>;
  /** Data dir for embedded mode; a fresh temp dir (removed on stop) when omitted. */
  dataDir?: string;
  timeoutMs?: number;
  /** A fixed port (e.g. to set PUBLIC_ADDRESS before start); default: a free one. */
  port?: number;
  /** Start it as an operator does, through `npm start` (npm -> with-node -> server). */
  viaNpm?: boolean;
}

/**
 * Starts the real server (`server/src/main.ts`) as a child process on a free port, the
 * way `npm start` does, and resolves once it logs that it is listening.
 */
export async function spawnServer(options: SpawnOptions = {}): Promise<ServerProcess> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "holdfast-test-"));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !["REDIS_URL", "REDIS_CLUSTER_NODES", "DATABASE_URL", "PORT", "DATA_DIR", "REQUIRE_SERVICES"].includes(k)) env[k] = v;
  }
  Object.assign(env, { PORT: String(options.port ?? 0), DATA_DIR: dataDir, LOG_LEVEL: "info", NODE_ENV: "test", RATE_LIMITS: "off" });
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawnServerProcess({
    env,
    viaNpm: options.viaNpm,
    cleanup: () => ownDataDir && rmSync(dataDir, { recursive: true, force: true }),
  });
  // Generous: a cold start on a loaded 2-core machine (npm, tsx, migrations) takes a while.
  const port = await child.listening(options.timeoutMs ?? 120_000).catch(async (err: Error) => {
    await child.kill();
    throw err;
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    proc: child.proc,
    output: child.output,
    stop: child.stop,
    kill: child.kill,
  };
}

/** `pid` and every process below it, now (Linux /proc; parents before children). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const tree: number[] = [];
  const visit = (p: number) => {
    tree.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return tree;
}

/** True while a process with this id exists (and is not a zombie). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
