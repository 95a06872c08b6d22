import { ErrorCode, isErrorCode } from "@holdfast/shared";
import { HoldfastError } from "./errors.ts";

/** JSON over fetch against the Holdfast HTTP API; errors become HoldfastError. */
export async function requestJson<T>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (err) {
    throw new HoldfastError(ErrorCode.UNAVAILABLE, `cannot reach ${baseUrl}: ${(err as Error).message}`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = isErrorCode(error?.code) ? error.code : res.status >= 500 ? ErrorCode.INTERNAL : ErrorCode.VALIDATION_FAILED;
    throw new HoldfastError(code, String(error?.message ?? `HTTP ${res.status}`), res.status);
  }
  return body as T;
}
