import { ErrorCode, type ErrorBody } from "@holdfast/shared";
import { AppError, CommandRefused } from "../errors.ts";
import { toReplyError } from "./room-errors.ts";

export interface CommandRepliesOptions {
  /** How long an answer is kept (a repeat later than this runs the command again). */
  keepMs: number;
  /** Answers kept per owner (user); the oldest is forgotten first. */
  perOwner: number;
  /** Answers larger than this (JSON) are not kept; a repeat gets CONFLICT. */
  maxAnswerBytes?: number;
  now?: () => number;
}

/** One remembered command: in flight (the promise), or settled (a small value or an error body). */
interface Kept {
  at: number;
  pending?: Promise<unknown>;
  settled?: { ok: true; value: unknown } | { ok: false; error: ErrorBody };
}

const DEFAULT_MAX_ANSWER_BYTES = 2048;
const TOO_LARGE: ErrorBody = { code: ErrorCode.CONFLICT, message: "this command was applied; its answer was too large to keep" };

/**
 * Remembers the answer to each client command id for a while, so a command repeated
 * with the same `cid` (re-sent after a reconnect, say) is answered with the first
 * answer and applied once. Failures are remembered too: a retried failing command
 * fails the same way, except a refusal by a full queue (CommandRefused: not applied).
 *
 * Bounded so a client cannot grow it at will: at most `perOwner` answers per user (the
 * oldest go first), each for `keepMs`, and only small ones. A settled answer is kept as
 * its value or its `{code, message}`: never the promise, never an Error with its stack.
 */
export class CommandReplies {
  private readonly owners = new Map<string, Map<string, Kept>>();
  private readonly keepMs: number;
  private readonly perOwner: number;
  private readonly maxAnswerBytes: number;
  private readonly now: () => number;
  private lastSweep: number;

  constructor(o: CommandRepliesOptions) {
    this.keepMs = o.keepMs;
    this.perOwner = o.perOwner;
    this.maxAnswerBytes = o.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
    this.now = o.now ?? Date.now;
    this.lastSweep = this.now();
  }

  once<T>(owner: string, cid: string, fn: () => Promise<T>): Promise<T> {
    const now = this.now();
    if (now - this.lastSweep >= Math.min(this.keepMs, 10_000)) this.sweep(now);
    let kept = this.owners.get(owner);
    const hit = kept?.get(cid);
    if (hit && now - hit.at < this.keepMs) return replay(hit) as Promise<T>;
    if (!kept) {
      kept = new Map();
      this.owners.set(owner, kept);
    }
    const result = fn();
    const entry: Kept = { at: now, pending: result };
    kept.delete(cid); // re-inserted last: Map order is age order
    kept.set(cid, entry);
    if (kept.size > this.perOwner) kept.delete(kept.keys().next().value!);
    result.then(
      (value) => {
        entry.pending = undefined;
        entry.settled = this.fits(value) ? { ok: true, value } : { ok: false, error: TOO_LARGE };
      },
      (err: unknown) => {
        entry.pending = undefined;
        // Refused by a full queue: not applied, so a repeat must run it (once there is room).
        if (err instanceof CommandRefused) {
          if (kept.get(cid) === entry) kept.delete(cid);
          return;
        }
        entry.settled = { ok: false, error: toReplyError(err) };
      },
    );
    return result;
  }

  /** Answers kept, all owners together. */
  get size(): number {
    let n = 0;
    for (const kept of this.owners.values()) n += kept.size;
    return n;
  }

  private fits(value: unknown): boolean {
    if (value === undefined) return true;
    try {
      return JSON.stringify(value).length <= this.maxAnswerBytes;
    } catch {
      return false;
    }
  }

  /** Forgets expired answers and owners with none left. */
  private sweep(now: number): void {
    this.lastSweep = now;
    const cutoff = now - this.keepMs;
    for (const [owner, kept] of this.owners) {
      for (const [cid, entry] of kept) {
        if (entry.at >= cutoff) break; // insertion order = age order
        if (!entry.pending) kept.delete(cid);
      }
      if (kept.size === 0) this.owners.delete(owner);
    }
  }
}

function replay(kept: Kept): Promise<unknown> {
  if (kept.pending) return kept.pending;
  const settled = kept.settled!;
  if (settled.ok) return Promise.resolve(settled.value);
  const { code, message, details, retryAfterMs } = settled.error;
  return Promise.reject(new AppError(code, message, { details, retryAfterMs }));
}
