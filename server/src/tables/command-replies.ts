/**
 * Remembers the answer to each client command id for a while, so a command repeated
 * with the same `cid` (re-sent after a reconnect, say) is answered with the first
 * answer and applied once. Failures are remembered too: a retried failing command
 * fails the same way.
 */
export class CommandReplies {
  private readonly entries = new Map<string, { at: number; result: Promise<unknown> }>();

  constructor(
    private readonly keepMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    this.prune();
    const existing = this.entries.get(key);
    if (existing) return existing.result as Promise<T>;
    const result = fn();
    result.catch(() => undefined); // the caller handles it; keep the rejection for repeats
    this.entries.set(key, { at: this.now(), result });
    return result;
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(): void {
    const cutoff = this.now() - this.keepMs;
    for (const [key, entry] of this.entries) {
      if (entry.at >= cutoff) break; // insertion order = time order
      this.entries.delete(key);
    }
  }
}
