import { STALL_MS } from '../defaults';

/**
 * One verification's time budget (`timeout`), shared by everything it waits for: the store lookup,
 * a free connection in the pool, both calls to Amazon, every retry and every backoff.
 *
 * An abort signal alone does not bound the wait: undici acts on an aborted request only once it
 * reaches a connection, so a request queued behind busy connections would wait past its deadline.
 * {@link Deadline.race} settles at the deadline whatever the work is doing; the signal then stops
 * the work itself (a body being read is destroyed; the client's own queue drops a call that has not
 * reached a connection yet, see connection-slots.ts).
 *
 * Our own event loop can miss the deadline: a synchronous stall (a busy loop, a huge JSON.parse)
 * delays every timer, and Amazon's answer may be sitting in the socket, unread, when the deadline's
 * timer finally runs. So the timer does not abort at once: it lets one turn of the event loop read
 * what has arrived (the abort runs in `setImmediate`, after the poll phase), and a timer that ran
 * more than {@link STALL_MS} late marks the deadline {@link Deadline.stalled}: a timeout then is our
 * process's fault, not Amazon's, and the circuit breaker does not count it.
 */
export class Deadline {
  /** Aborts when the time is up. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly endsAt: number;
  private readonly timer: NodeJS.Timeout;
  private immediate: NodeJS.Immediate | undefined;
  private late = false;
  /** When the timer was set, on the real clock (a fake `now` says nothing about the event loop). */
  private readonly createdAt = performance.now();
  private readonly detach: (() => void) | undefined;

  /**
   * @param timeoutMs the whole budget, from now
   * @param now a monotonic clock in milliseconds (tests of the retry loop pass a fake one)
   * @param parent a deadline this one may not outlive: it expires when the parent does
   */
  constructor(
    readonly timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly parent?: Deadline,
  ) {
    this.endsAt = now() + timeoutMs;
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => this.onTimer(), timeoutMs);
    if (parent !== undefined) {
      const follow = (): void => this.controller.abort();
      if (parent.signal.aborted) follow();
      else parent.signal.addEventListener('abort', follow, { once: true });
      this.detach = () => parent.signal.removeEventListener('abort', follow);
    }
  }

  /**
   * A deadline of at most `ms` from now, within this one (the circuit breaker's probe gets
   * `min(timeout, cooldown)` this way). Dispose of it when done; disposing does not touch this one.
   */
  within(ms: number): Deadline {
    return new Deadline(Math.max(0, Math.min(ms, this.remaining())), this.now, this);
  }

  /**
   * A controller whose signal also aborts when this deadline does: abort it to stop work before
   * the deadline (a call whose answer is no longer needed).
   */
  cancellable(): AbortController {
    const controller = new AbortController();
    if (this.signal.aborted) controller.abort();
    else {
      const follow = (): void => controller.abort();
      this.signal.addEventListener('abort', follow, { once: true });
      controller.signal.addEventListener('abort', () => this.signal.removeEventListener('abort', follow), {
        once: true,
      });
    }
    return controller;
  }

  /** Milliseconds left (0 once the time is up). */
  remaining(): number {
    return this.signal.aborted ? 0 : Math.max(0, this.endsAt - this.now());
  }

  /** Whether the time is up. */
  get expired(): boolean {
    return this.signal.aborted;
  }

  /**
   * Whether the time ran out while our own event loop was blocked: the timer ran more than
   * {@link STALL_MS} after its time (this deadline's, or its parent's).
   */
  get stalled(): boolean {
    return this.late || (this.parent?.stalled ?? false);
  }

  /**
   * Settles as `work` does, or rejects with `onExpiry()` when the time is up, whichever comes
   * first. What `work` does after that is ignored (its rejection is handled here).
   */
  race<T>(work: Promise<T>, onExpiry: () => Error): Promise<T> {
    if (this.signal.aborted) {
      work.catch(() => undefined);
      return Promise.reject(onExpiry());
    }
    return new Promise<T>((resolve, reject) => {
      const expire = (): void => reject(onExpiry());
      this.signal.addEventListener('abort', expire, { once: true });
      work.then(
        (value) => {
          this.signal.removeEventListener('abort', expire);
          resolve(value);
        },
        (err: unknown) => {
          this.signal.removeEventListener('abort', expire);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes the work's own rejection through
          reject(err);
        },
      );
    });
  }

  /** Stops the timer: call it once the verification has settled. */
  dispose(): void {
    clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.detach?.();
  }

  private onTimer(): void {
    this.late = performance.now() - this.createdAt > this.timeoutMs + STALL_MS;
    // One turn of the event loop first: an answer already in a socket is read in the poll phase,
    // which runs before `setImmediate` callbacks, and wins.
    this.immediate = setImmediate(() => this.controller.abort());
  }
}
