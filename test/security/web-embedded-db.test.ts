/**
 * The embedded database: PGlite has no authentication, so it must not be
 * reachable by other local processes. The server listens on TCP only for HTTP; the
 * embedded Postgres is a unix socket (0600) in a private directory (0700): inside
 * DATA_DIR, or a temp directory for `DATA_DIR=:memory:` that is removed at stop.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { openDatabase } from "../../server/src/db/database.ts";
import { createLogger } from "../../server/src/logger.ts";
import { http, signInGuest } from "../support/http.ts";
import { processTree, spawnServer, type ServerProcess } from "../support/server-process.ts";

/** TCP ports the processes listen on (from /proc: their socket inodes in LISTEN state). */
function listeningTcpPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== "0A") continue; // 0A = LISTEN
      if (inodes.has(cols[9])) ports.add(parseInt(cols[1].split(":")[1], 16));
    }
  }
  return [...ports].sort();
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe("security: the embedded database is reachable only by the server", function () {
  this.timeout(240_000);
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function start(dataDir: string): Promise<ServerProcess> {
    // A fresh on-disk PGlite takes a while to create on a loaded machine.
    const server = await spawnServer({ dataDir, timeoutMs: 120_000, env: { JWT_SECRET: `web-embedded-${randomUUID()}` } });
    servers.push(server);
    // The database answers through its socket (sign-in writes to it).
    await signInGuest(server.url, "socket");
    assert.equal((await http(server.url, "GET", "/readyz")).status, 200);
    return server;
  }

  it("DATA_DIR: only the HTTP port listens on TCP; the socket is DATA_DIR/run/.s.PGSQL.5432, 0600 in a 0700 directory", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-sec-db-"));
    dirs.push(dataDir);
    const server = await start(dataDir);
    assert.deepEqual(listeningTcpPorts(processTree(server.proc.pid!)), [server.port]);
    const socket = path.join(dataDir, "run", ".s.PGSQL.5432");
    assert.ok(statSync(socket).isSocket(), `${socket} is a socket`);
    assert.equal(mode(socket).toString(8), "600");
    assert.equal(mode(path.dirname(socket)).toString(8), "700");
    assert.match(server.output(), new RegExp(`"conn":"${socket.replace(/[.]/g, "\\.")}"`), "the log names the socket");
    // A second process on the same DATA_DIR is refused before it touches the data.
    await assert.rejects(openDatabase({ dataDir, logger: createLogger("silent") }), /DATA_DIR is in use/);
    assert.ok(statSync(socket).isSocket(), "the live server keeps its socket");
    assert.equal((await http(server.url, "GET", "/readyz")).status, 200);
  });

  it("DATA_DIR=:memory: uses a private temp directory, gone after stop", async () => {
    const server = await start(":memory:");
    assert.deepEqual(listeningTcpPorts(processTree(server.proc.pid!)), [server.port]);
    const conn = /"conn":"([^"]+)"/.exec(server.output())?.[1];
    assert.ok(conn && path.isAbsolute(conn), `socket path in the log: ${conn}`);
    assert.ok(statSync(conn).isSocket());
    assert.equal(mode(conn).toString(8), "600");
    assert.equal(mode(path.dirname(conn)).toString(8), "700");
    await server.stop();
    assert.equal(existsSync(path.dirname(conn)), false, "the temp directory is removed at stop");
  });
});
