import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";

/**
 * A table's commands, one at a time in arrival order: each decides on the model the
 * previous one left (log appends are async, so without this two commands could decide
 * on the same seq). The one place a bound on waiting commands belongs.
 */
export class CommandQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private closedWith: AppError | null = null;

  /**
   * @param guard checked just before each command runs (not when it is queued): an
   *   error here refuses the command (e.g. the table's lease was lost while it waited).
   */
  constructor(private readonly guard: () => AppError | null = () => null) {}

  /** Runs `fn` after every earlier command has settled; its result or error is the caller's. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const guarded = () => {
      const refused = this.guard();
      return refused ? Promise.reject(refused) : fn();
    };
    const next = this.tail.then(guarded, guarded);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Refuses every later command with `reason`; those already queued still run. */
  close(reason: AppError = new AppError(ErrorCode.UNAVAILABLE, "this table takes no more commands")): void {
    this.closedWith ??= reason;
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Settles when every command queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
