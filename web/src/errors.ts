import { HoldfastError } from "@holdfast/client-sdk";
import { Store } from "./store.ts";

export interface ShownError {
  id: number;
  text: string;
}

/** The one error the banner shows (null: none). */
export const currentError = new Store<ShownError | null>(null);

/** How long an error stays up unless a later one replaces it or the user dismisses it. */
const ERROR_SHOWN_MS = 8000;
let nextId = 1;

/**
 * Shows an error in the banner. Each error has its own id and its timer clears only that
 * error: a timer left over from an earlier error never hides a later one.
 */
export function showError(err: unknown, shownMs = ERROR_SHOWN_MS): void {
  const e = HoldfastError.from(err);
  const shown = { id: nextId++, text: `${e.message} (${e.code})` };
  currentError.set(shown);
  setTimeout(() => dismissError(shown.id), shownMs);
}

export function dismissError(id: number): void {
  if (currentError.value?.id === id) currentError.set(null);
}

/** Wraps an event handler so a thrown or rejected error lands in the banner. */
export function guard<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => void {
  return (...args: A) => {
    try {
      Promise.resolve(fn(...args)).catch((err: unknown) => showError(err));
    } catch (err) {
      showError(err);
    }
  };
}
