import { ErrorCode } from "@holdfast/shared";
import type { HoldfastError } from "./errors.ts";

/** Small pieces the SDK's reconnect loops and commands share. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fresh client command id (`cid`). */
export function newCid(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * Exponential backoff with "equal jitter": half the delay fixed, half random, so a
 * thousand clients dropped at once do not come back in lockstep.
 */
export function jitteredBackoff(attempt: number, minDelayMs: number, maxDelayMs: number): number {
  const backoff = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt, 10));
  return backoff / 2 + Math.random() * (backoff / 2);
}

/**
 * Whether a refused join is worth another try: a retryable error (`retryable`, decided
 * by the code: UNAVAILABLE, a backend or the node away for a moment; RATE_LIMITED;
 * DISCONNECTED, no answer) and INTERNAL (a matchmaker answer without a room while a
 * table changes rooms) are; anything else (UNAUTHORIZED, NOT_FOUND, SEAT_TAKEN...) is
 * the answer.
 */
export function isRetryableJoinError(error: HoldfastError): boolean {
  return error.retryable || error.code === ErrorCode.INTERNAL;
}
