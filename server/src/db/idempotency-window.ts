/**
 * How long an idempotency claim may stay unfinished. Shared by the HTTP idempotency layer
 * (which lets another request retake a claim older than this: its node crashed) and the
 * row-retention job (which never deletes a claim younger than this, even with a short
 * retention setting, so a retry can't run the request twice). It lives with the database
 * code because both read it and the database layer does not import http/.
 */
/** A claim on (user, scope, key) left unfinished this long (a crashed node) may be retaken. */
export const ABANDONED_AFTER_MS = 30_000;
