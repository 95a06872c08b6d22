/**
 * A loopback TCP proxy that can drop every connection abruptly (the server sees 1006,
 * no close frame). The implementation ships with the load scenarios; tests reuse it.
 */
export { startTcpProxy, type TcpProxy } from "../../tools/src/loadtest/tcp-proxy.ts";
