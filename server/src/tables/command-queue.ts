import { performance } from "node:perf_hooks";
import { ErrorCode } from "@holdfast/shared";
import type { RoomLimits } from "../config.ts";
import { AppError, CommandRefused } from "../errors.ts";

export { CommandRefused };

/** How much one table's command queue may hold and how long a command may wait in it. */
export interface CommandQueueLimits {
  /** Clients' commands waiting to start (the running one not counted); past it a command is refused RATE_LIMITED. */
  maxQueued: number;
  /** A client's command that waited longer than this when its turn comes is refused UNAVAILABLE, not run. */
  maxWaitMs: number;
}

/** The queue limits of ROOM_LIMITS (none when ROOM_LIMITS=off). */
export function commandQueueLimits(limits: RoomLimits | null | undefined): CommandQueueLimits | null {
  return limits ? { maxQueued: limits.commandQueue, maxWaitMs: limits.commandWaitMs } : null;
}

/** Work one queue does in a row before it lets the event loop turn. */
export const SLICE_MS = 10;
const MIN_RETRY_MS = 50;
const MAX_RETRY_MS = 5000;

/**
 * Turns of the event loop, as the queues see them: `loopTurns` moves on in a setImmediate
 * scheduled by the first queue that looks after a turn, `turnStartedAt` is when that was.
 * A queue yields (setImmediate) once it has run SLICE_MS in a row without the loop
 * turning, so timers (lease renewals, seat deadlines) and socket reads run between
 * slices: without it, commands whose awaits resolve at once chain through microtasks
 * and hold the loop for seconds. A command that awaited real I/O let the loop turn
 * anyway and costs no yield. The slice is per queue, not shared: a node-wide one is
 * spent by socket reads alone when the node is busy, and then every command waits a
 * whole (busy) loop turn, so each table runs a command or two per turn and the node's
 * goodput collapses into refusals.
 */
let loopTurns = 0;
let turnStartedAt = -1;
function observeTurn(now: number): void {
  if (turnStartedAt >= 0) return;
  turnStartedAt = now;
  setImmediate(() => {
    loopTurns++;
    turnStartedAt = -1;
  });
}
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Task {
  fn: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** A client's command (may be refused); the table's own work (timers, drops, returns) never is. */
  refusable: boolean;
  queuedAt: number;
}

/**
 * A table's commands, one at a time in arrival order: each decides on the model the
 * previous one left (log appends are async, so without this two commands could decide
 * on the same seq).
 *
 * Bounded for clients' commands (`submit`): past `maxQueued` waiting, or after waiting
 * `maxWaitMs`, a command is answered with a CommandRefused carrying a retry hint (the
 * backlog at the queue's recent pace) instead of joining a backlog nobody would wait
 * for. The table's own work (`run`: timers, drops, returns, reclaims) is queued whatever
 * the length, so a flood delays a seat deadline by at most the bounded backlog. Without
 * limits (ROOM_LIMITS=off) nothing is refused for length or wait.
 */
export class CommandQueue {
  private readonly tasks: Task[] = [];
  private running = false;
  private waitingClients = 0;
  /** Moving average of a command's run time in ms, for the retry hint. */
  private avgRunMs = 1;
  private closedWith: AppError | null = null;

  /**
   * @param guard checked just before each command runs (not when it is queued): an
   *   error here refuses the command (e.g. the table's lease was lost while it waited).
   */
  constructor(
    private readonly guard: () => AppError | null = () => null,
    private readonly limits: CommandQueueLimits | null = null,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The table's own work: runs after every earlier command has settled; never refused for length. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return this.push(fn, false);
  }

  /** A client's command: as `run`, but refused with a retry hint when the queue is full. */
  submit<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const busy = this.busy();
    if (busy) return Promise.reject(new CommandRefused(busy.code, busy.message, busy.retryAfterMs));
    return this.push(fn, true);
  }

  /** The answer a client's command would get now because the queue is full, or undefined when it has room. */
  busy(): { code: typeof ErrorCode.RATE_LIMITED; message: string; retryAfterMs: number } | undefined {
    if (!this.limits || this.waitingClients < this.limits.maxQueued) return undefined;
    const retryAfterMs = this.retryHint();
    return { code: ErrorCode.RATE_LIMITED, message: `this table is busy (${this.waitingClients} commands waiting); retry in ${retryAfterMs} ms`, retryAfterMs };
  }

  /** Refuses every later command with `reason`; those already queued still run. */
  close(reason: AppError = new AppError(ErrorCode.UNAVAILABLE, "this table takes no more commands")): void {
    this.closedWith ??= reason;
  }

  /** Commands waiting or running. */
  get length(): number {
    return this.tasks.length + (this.running ? 1 : 0);
  }

  /** Settles when every command queued so far has finished. */
  async idle(): Promise<void> {
    if (!this.running && this.tasks.length === 0) return;
    await this.push(async () => undefined, false);
  }

  private push<T>(fn: () => Promise<T>, refusable: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.tasks.push({ fn, resolve: resolve as (v: unknown) => void, reject, refusable, queuedAt: this.now() });
      if (refusable) this.waitingClients++;
      if (this.running) return;
      // Started as a microtask, as a promise chain would: never inside the caller's frame.
      this.running = true;
      queueMicrotask(() => void this.pump());
    });
  }

  private async pump(): Promise<void> {
    let sliceTurn = -1;
    let sliceStart = 0;
    try {
      while (this.tasks.length > 0) {
        const now = this.now();
        observeTurn(now);
        if (sliceTurn !== loopTurns) {
          // The loop turned since this queue's slice began: a new slice.
          sliceTurn = loopTurns;
          sliceStart = now;
        } else if (now - sliceStart >= SLICE_MS) {
          await nextTurn();
          continue;
        }
        const task = this.tasks.shift()!;
        if (task.refusable) this.waitingClients--;
        const started = this.now();
        if (task.refusable && this.limits && started - task.queuedAt > this.limits.maxWaitMs) {
          const retryAfterMs = this.retryHint();
          const waited = Math.round(started - task.queuedAt);
          task.reject(new CommandRefused(ErrorCode.UNAVAILABLE, `this table is overloaded (the command waited ${waited} ms); retry in ${retryAfterMs} ms`, retryAfterMs));
          continue;
        }
        try {
          const refused = this.guard();
          if (refused) throw refused;
          task.resolve(await task.fn());
        } catch (err) {
          task.reject(err);
        }
        this.avgRunMs = 0.9 * this.avgRunMs + 0.1 * Math.max(0.01, this.now() - started);
      }
    } finally {
      this.running = false;
    }
  }

  /** The backlog at the recent pace (at least 50 ms, at most 5 s). */
  private retryHint(): number {
    return Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, (this.tasks.length + 1) * this.avgRunMs)));
  }
}
