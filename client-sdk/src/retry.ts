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
 * Whether a refused join is worth another try: UNAVAILABLE (a backend or the node is away
 * for a moment: the server says "retry") and INTERNAL are; anything else (UNAUTHORIZED,
 * NOT_FOUND, SEAT_TAKEN...) is the answer.
 */
export function isRetryableJoinError(error: HoldfastError): boolean {
  return error.code === ErrorCode.UNAVAILABLE || error.code === ErrorCode.INTERNAL;
}
