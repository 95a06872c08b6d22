import { pino, type Logger } from "pino";

export type { Logger };

/** One pino logger per app instance (no module singleton: tests build several apps). */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings } });
}
