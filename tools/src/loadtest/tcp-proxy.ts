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

/**
 * A round-robin TCP balancer over several local ports (what a load balancer in front
 * of the nodes does): each new connection goes to the next port that accepts it, so a
 * dead node is skipped. WebSockets go to a node's PUBLIC_ADDRESS directly, not here.
 */
export async function startBalancer(ports: number[]): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    const tryPort = (left: number) => {
      if (left === 0) return client.destroy();
      const port = ports[next++ % ports.length];
      const upstream = net.connect(port, "127.0.0.1");
      let connected = false;
      upstream.once("error", () => {
        upstream.destroy();
        if (!connected) tryPort(left - 1); // refused: that node is down, try the next
        else client.destroy();
      });
      upstream.once("connect", () => {
        connected = true;
        sockets.add(upstream);
        upstream.on("close", () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on("error", () => upstream.destroy());
        client.on("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryPort(ports.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
