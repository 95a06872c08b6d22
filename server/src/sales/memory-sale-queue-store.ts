import { randomInt } from "node:crypto";
import type { PrequeueMode } from "@holdfast/shared";
import { queueCodeError, type Admission, type QueueEntry, type QueueStats, type SaleQueueStore } from "./sale-queue-store.ts";

interface Line {
  /** Waiting users sorted by score (ascending); scores are unique. */
  waiting: { userId: string; score: number }[];
  scores: Map<string, number>;
  admitted: Map<string, number>;
  finished: Map<string, "holding" | "done" | "lapsed">;
  units: Map<string, number>;
  joinSeq: Map<string, number>;
  log: Admission[];
  seq: number;
  started: boolean;
  admittedTotal: number;
}

/**
 * The sale lines of embedded mode (one process): the same rules as the Lua scripts in
 * lua/, on plain maps and a sorted array. Every method is synchronous inside, so each
 * is atomic in one Node process just as a script is in Redis.
 */
export class MemorySaleQueueStore implements SaleQueueStore {
  readonly kind = "memory" as const;
  private readonly lines = new Map<string, Line>();

  constructor(private readonly now: () => number = Date.now) {}

  private line(saleId: string): Line {
    let line = this.lines.get(saleId);
    if (!line) {
      line = {
        waiting: [],
        scores: new Map(),
        admitted: new Map(),
        finished: new Map(),
        units: new Map(),
        joinSeq: new Map(),
        log: [],
        seq: 0,
        started: false,
        admittedTotal: 0,
      };
      this.lines.set(saleId, line);
    }
    return line;
  }

  /** Index of `score` in the sorted waiting array (binary search); -1 when absent. */
  private indexOf(line: Line, userId: string): number {
    const score = line.scores.get(userId);
    if (score === undefined) return -1;
    let lo = 0;
    let hi = line.waiting.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = line.waiting[mid].score;
      if (s === score) return mid;
      if (s < score) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private entry(line: Line, userId: string): QueueEntry {
    const i = this.indexOf(line, userId);
    if (i >= 0) return { state: "waiting", position: i + 1, admittedUntil: 0, order: line.waiting[i].score };
    const deadline = line.admitted.get(userId);
    if (deadline !== undefined) return { state: "admitted", position: 0, admittedUntil: deadline, order: 0 };
    const finished = line.finished.get(userId);
    if (finished) return { state: finished, position: 0, admittedUntil: 0, order: 0 };
    return { state: "none", position: 0, admittedUntil: 0, order: 0 };
  }

  async join(saleId: string, userId: string): Promise<QueueEntry & { created: boolean }> {
    const line = this.line(saleId);
    const existing = this.entry(line, userId);
    if (existing.state !== "none") return { ...existing, created: false };
    const seq = ++line.seq;
    // A new join number is larger than every score in line (a shuffle permutes old scores only).
    line.waiting.push({ userId, score: seq });
    line.scores.set(userId, seq);
    line.joinSeq.set(userId, seq);
    return { state: "waiting", position: line.waiting.length, admittedUntil: 0, order: seq, created: true };
  }

  async leave(saleId: string, userId: string): Promise<boolean> {
    const line = this.line(saleId);
    let had = false;
    const i = this.indexOf(line, userId);
    if (i >= 0) {
      line.waiting.splice(i, 1);
      line.scores.delete(userId);
      had = true;
    }
    had = line.admitted.delete(userId) || had;
    had = line.finished.delete(userId) || had;
    return had;
  }

  async lookup(saleId: string, userIds: readonly string[]): Promise<{ stats: QueueStats; entries: QueueEntry[] }> {
    const line = this.line(saleId);
    return {
      stats: {
        length: line.waiting.length,
        admittedTotal: line.admittedTotal,
        outstanding: line.admitted.size,
        started: line.started,
        now: this.now(),
        headOrder: line.waiting[0]?.score ?? 0,
      },
      entries: userIds.map((u) => this.entry(line, u)),
    };
  }

  async length(saleId: string): Promise<number> {
    return this.line(saleId).waiting.length;
  }

  async start(saleId: string, prequeue: PrequeueMode, _seed?: number): Promise<boolean> {
    const line = this.line(saleId);
    if (line.started) return false;
    line.started = true;
    if (prequeue === "random") {
      // Fisher-Yates over the members; the set of scores stays, so later joins come after.
      const members = line.waiting.map((w) => w.userId);
      for (let i = members.length - 1; i > 0; i--) {
        const j = randomInt(0, i + 1);
        [members[i], members[j]] = [members[j], members[i]];
      }
      line.waiting.forEach((w, i) => {
        w.userId = members[i];
        line.scores.set(members[i], w.score);
      });
    }
    return true;
  }

  async admit(saleId: string, n: number, ttlMs: number): Promise<{ userIds: string[]; admittedUntil: number }> {
    const line = this.line(saleId);
    const admittedUntil = this.now() + ttlMs;
    if (!line.started || n <= 0) return { userIds: [], admittedUntil };
    const popped = line.waiting.splice(0, Math.floor(n));
    for (const { userId } of popped) {
      line.scores.delete(userId);
      line.admitted.set(userId, admittedUntil);
      line.log.push({ userId, joinSeq: line.joinSeq.get(userId) ?? 0 });
    }
    line.admittedTotal += popped.length;
    return { userIds: popped.map((p) => p.userId), admittedUntil };
  }

  async lapse(saleId: string): Promise<string[]> {
    const line = this.line(saleId);
    const now = this.now();
    const due: string[] = [];
    for (const [userId, deadline] of line.admitted) {
      if (deadline <= now) due.push(userId);
      if (due.length >= 1000) break;
    }
    for (const userId of due) {
      line.admitted.delete(userId);
      line.finished.set(userId, "lapsed");
    }
    return due;
  }

  async claim(saleId: string, userId: string, quantity: number, limit: number): Promise<void> {
    const line = this.line(saleId);
    const deadline = line.admitted.get(userId);
    if (deadline !== undefined) {
      if (deadline <= this.now()) {
        line.admitted.delete(userId);
        line.finished.set(userId, "lapsed");
        throw queueCodeError("NOT_ADMITTED", saleId);
      }
    } else {
      const s = line.finished.get(userId);
      if (s !== "holding" && s !== "done") throw queueCodeError("NOT_ADMITTED", saleId);
    }
    const units = line.units.get(userId) ?? 0;
    if (units + quantity > limit) throw queueCodeError("HOLD_LIMIT", saleId);
    line.units.set(userId, units + quantity);
  }

  async confirm(saleId: string, userId: string): Promise<void> {
    const line = this.line(saleId);
    line.admitted.delete(userId);
    if (line.finished.get(userId) !== "done") line.finished.set(userId, "holding");
  }

  async unclaim(saleId: string, userId: string, quantity: number): Promise<void> {
    const line = this.line(saleId);
    const units = (line.units.get(userId) ?? 0) - quantity;
    if (units <= 0) line.units.delete(userId);
    else line.units.set(userId, units);
  }

  async markDone(saleId: string, userId: string): Promise<void> {
    const line = this.line(saleId);
    if (line.finished.get(userId) === "holding") line.finished.set(userId, "done");
  }

  async admissions(saleId: string, offset: number, limit: number): Promise<Admission[]> {
    return this.line(saleId).log.slice(offset, offset + Math.max(0, limit));
  }

  async close(): Promise<void> {
    this.lines.clear();
  }
}
