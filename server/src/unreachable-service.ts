/**
 * A backing service the configuration names could not be reached at start. main.ts
 * prints it as one line naming the variable (`REDIS_URL`, `DATABASE_URL`), the address
 * without its password, and the cause; no stack.
 */
export class UnreachableServiceError extends Error {
  constructor(
    readonly variable: "REDIS_URL" | "REDIS_CLUSTER_NODES" | "DATABASE_URL",
    readonly url: string,
    cause: unknown,
  ) {
    // A cluster is named by its seed nodes (host:port list, no password in it).
    const where = variable === "REDIS_CLUSTER_NODES" ? url : redact(url);
    super(`cannot reach ${variable === "DATABASE_URL" ? "Postgres" : "Redis"} at ${variable}=${where}: ${describeCause(cause)}`, { cause });
  }
}

/** The URL without its password. */
export function redact(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** A network error's useful part (Node's AggregateError for several addresses has no message). */
export function describeCause(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeCause(err.errors[0]);
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
