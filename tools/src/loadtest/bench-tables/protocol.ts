/** What bench-tables.ts and its load-generator processes say to each other (IPC). */

export interface GenClient {
  name: string;
  tableId: string;
  seat: number;
}

/** A command's fate: "ok", an error code (a refusal: RATE_LIMITED, UNAVAILABLE...), or no answer. */
export type CommandOutcome = string;

export type GenRequest =
  | { type: "setup"; target: "bare" | "holdfast"; port: number; clients: GenClient[]; sku?: string }
  | { type: "join" | "sit"; inFlight: number }
  | { type: "commands"; command: "cart.set" | "hb"; ratePerClient: number; seconds: number; timeoutMs: number }
  | { type: "drop"; timeoutMs: number }
  | { type: "resync"; missed: number }
  | { type: "leave" };

export type GenResult =
  | { type: "ok" }
  | { type: "error"; message: string }
  | { type: "timing"; latencies: number[]; errors: number; elapsedMs: number }
  | {
      type: "commands";
      sent: number;
      outcomes: Record<CommandOutcome, number>;
      latencies: number[];
      retryHints: number[];
      sendingMs: number;
      messages: number;
      bytes: number;
      closed: number;
    }
  | { type: "resync"; resyncBytes: number; joinBytes: number; events: number };
