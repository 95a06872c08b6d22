/**
 * One room creation per key and node: the first `joinOrCreate` of a key (a table's
 * tableId) that this node has not seen a room for leads; joins of the same key that
 * arrive meanwhile wait for it, then go to the matchmaker, which finds the new room.
 *
 * Why: Colyseus's own guard for concurrent creates makes the other callers wait for a
 * pub/sub message with a 0.5-1.1 s timeout; a caller that subscribes after the message
 * was sent, or a creation that takes longer than that (a table restored from Postgres,
 * a lease taken in Redis), sends them on to create a duplicate room (which loses the
 * table's lease and is redirected) or to wait out the timeout: the join tail.
 *
 * Keys with a room this node saw stay `known` (at most `maxKnown`, oldest first out),
 * so joins of live rooms never queue here; `forget` drops a key when its room closes
 * here. A stale entry (the room closed on another node) only means the old behaviour
 * for that key, never a wrong answer: every caller still asks the matchmaker.
 */
export class JoinSingleFlight {
  private readonly leaders = new Map<string, Promise<unknown>>();
  private readonly known = new Set<string>();

  constructor(private readonly maxKnown = 10_000) {}

  async run<T>(key: string, join: () => Promise<T>): Promise<T> {
    if (this.known.has(key)) {
      this.remember(key); // a hit keeps the table among the newest, so eviction takes idle ones
      return join();
    }
    const leader = this.leaders.get(key);
    if (leader) {
      // The leader's failure is its own (its auth, its options): try again, one of the
      // waiters leading this time (not all at once: that is the stampede this prevents).
      await leader.catch(() => undefined);
      return this.run(key, join);
    }
    const led = join();
    this.leaders.set(key, led);
    try {
      const result = await led;
      this.remember(key);
      return result;
    } finally {
      this.leaders.delete(key);
    }
  }

  forget(key: string): void {
    this.known.delete(key);
  }

  /** Keys with a room now known (tests, metrics). */
  get size(): number {
    return this.known.size;
  }

  private remember(key: string): void {
    this.known.delete(key); // re-inserted last: a Set iterates in insertion order
    this.known.add(key);
    if (this.known.size > this.maxKnown) this.known.delete(this.known.values().next().value as string);
  }
}
