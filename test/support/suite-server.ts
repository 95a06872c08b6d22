import { randomUUID } from "node:crypto";
import { HoldfastClient, MemoryStorage, type TableConnection } from "@holdfast/client-sdk";
import { adminToken } from "./e2e.ts";
import { spawnServer, type ServerProcess } from "./server-process.ts";

/** A real server of one suite, with an admin token and SDK players left at the end. */
export interface SuiteServer {
  readonly url: string;
  /** An admin access token signed with this server's own JWT_SECRET. */
  readonly admin: string;
  /** A guest signed in through the SDK and joined to `tableId`. */
  player(name: string, tableId: string): Promise<{ conn: TableConnection; token: string; userId: string }>;
  /** Leaves `conn` when the suite ends. */
  track(conn: TableConnection): TableConnection;
}

/**
 * Starts a server (with a JWT_SECRET of its own, so the suite can mint admin tokens)
 * before the suite's tests and, after them, leaves every tracked connection and stops
 * it. Call inside `describe`.
 */
export function serverForSuite(name: string): SuiteServer {
  const secret = `${name}-${randomUUID()}`;
  let server: ServerProcess | undefined;
  let admin = "";
  const open: TableConnection[] = [];
  before(async () => {
    server = await spawnServer({ env: { JWT_SECRET: secret } });
    admin = adminToken(secret);
  });
  after(async () => {
    await Promise.all(open.map((c) => c.leave().catch(() => undefined)));
    await server?.stop();
  });
  const suite: SuiteServer = {
    get url() {
      if (!server) throw new Error("the suite's server is not started yet");
      return server.url;
    },
    get admin() {
      return admin;
    },
    track(conn) {
      open.push(conn);
      return conn;
    },
    async player(playerName, tableId) {
      const client = new HoldfastClient({ url: suite.url, storage: new MemoryStorage() });
      const session = await client.auth.guest(playerName);
      const conn = suite.track(await client.tables.join(tableId));
      return { conn, token: session.token, userId: session.userId };
    },
  };
  return suite;
}
