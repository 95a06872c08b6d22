import net from "node:net";

/**
 * A loopback TCP proxy in front of a server, so a test can drop connections the way a
 * network does: `dropAll()` destroys the sockets with no close frame (the server sees
 * 1006), `pause()` refuses new connections for a while (an outage).
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Destroys every open connection abruptly. Returns how many it dropped. */
  dropAll(): number;
  /** While paused, new connections are destroyed at once. */
  setPaused(paused: boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let paused = false;
  const server = net.createServer((client) => {
    if (paused) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    const cleanup = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", cleanup);
    upstream.on("error", cleanup);
    client.on("close", cleanup);
    upstream.on("close", cleanup);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dropAll() {
      const n = sockets.size / 2;
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
      return n;
    },
    setPaused(value) {
      paused = value;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
