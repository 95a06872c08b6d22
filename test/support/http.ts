/** Small fetch helpers for tests against a running server. */
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function http<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers["content-type"] ??= "application/json";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: leave as text so the assertion shows it */
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export async function signInGuest(baseUrl: string, name = "tester"): Promise<{ token: string; userId: string; sessionId: string }> {
  const res = await http(baseUrl, "POST", "/api/auth/guest", { body: { name } });
  if (res.status !== 201) throw new Error(`guest sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Table clients connected to the node at `baseUrl` (its metrics): which node hosts a room. */
export async function tableClients(baseUrl: string): Promise<number> {
  const text: string = (await http(baseUrl, "GET", "/metrics")).body;
  const match = /^holdfast_connected_clients\{room="table"\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}
