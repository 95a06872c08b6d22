import { pino, type Logger } from "pino";
import { PinoPretty } from "pino-pretty";

export type { Logger };

/**
 * `json`: one JSON object per line (log collectors, files, pipes). `pretty`: a readable
 * line per entry, coloured, for a person at a terminal. `auto`: pretty when stdout is a
 * terminal, JSON otherwise.
 */
export type LogFormat = "auto" | "json" | "pretty";

export function resolveLogFormat(format: LogFormat, isTty = Boolean(process.stdout.isTTY)): "json" | "pretty" {
  return format === "auto" ? (isTty ? "pretty" : "json") : format;
}

/**
 * One pino logger per app instance (no module singleton: tests build several apps).
 * Pretty output is formatted in-process (no transport thread), synchronously, so the
 * last lines before an exit are never lost.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, format: LogFormat = "json"): Logger {
  if (resolveLogFormat(format) === "json") return pino({ level, base: { pid: process.pid, ...bindings } });
  const pretty = PinoPretty({
    colorize: Boolean(process.stdout.isTTY),
    sync: true,
    translateTime: "HH:MM:ss.l",
    singleLine: true,
    ignore: "pid,hostname",
    // Errors as their message and stack, under the line they belong to.
    errorLikeObjectKeys: ["err", "error"],
  });
  return pino({ level, base: { ...bindings } }, pretty);
}
