import type { Config } from "../config.ts";
import type { ErrorBoundary } from "../error-boundary.ts";
import type { Metrics } from "../metrics.ts";
import type { SessionRevocations } from "../identity/session-revocations.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { Logger } from "../logger.ts";
import type { MessageBudgets } from "./message-budgets.ts";

/** What rooms get from the composition root. Grows as rooms need more services. */
export interface RoomDeps {
  config: Config;
  logger: Logger;
  /** Classifies and logs what rooms refuse or fail with (the same boundary as HTTP). */
  errors: ErrorBoundary;
  metrics: Metrics;
  sessions: SessionService;
  revocations: SessionRevocations;
  /** The node's per-user message budgets; absent when ROOM_LIMITS=off. */
  budgets?: MessageBudgets;
}
