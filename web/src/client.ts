import { HoldfastClient, HoldfastError } from "@holdfast/client-sdk";

/** What `GET /api/info` tells the page about this server. */
export interface ServerInfo {
  heartbeatSeconds?: number;
  seatGraceSeconds?: number;
  demoPayments?: boolean;
}

/** The one SDK client of the page: session and seat tokens live in localStorage (the SDK's default). */
export const client = new HoldfastClient({ url: location.origin });

let info: Promise<ServerInfo> | null = null;
/** The server's `/api/info`, fetched once. */
export function serverInfo(): Promise<ServerInfo> {
  info ??= fetch("/api/info")
    .then((r) => (r.ok ? (r.json() as Promise<ServerInfo>) : {}))
    .catch(() => {
      info = null; // try again next time
      return {};
    });
  return info;
}

/**
 * A JSON call to this server's HTTP API as the signed-in user, for the routes the SDK
 * does not wrap (orders, menus, demo payments). Errors come back as HoldfastError with
 * the contract's code.
 */
export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(client.auth.token ? { authorization: `Bearer ${client.auth.token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw HoldfastError.fromResponse(res.status, json, res.headers);
  return json as T;
}
