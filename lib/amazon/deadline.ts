/**
 * One verification's time budget (`timeout`), shared by everything it waits for: the store lookup,
 * a free connection in the pool, both calls to Amazon, every retry and every backoff.
 *
 * An abort signal alone does not bound the wait: undici acts on an aborted request only once it
 * reaches a connection, so a request queued behind busy connections would wait past its deadline.
 * {@link Deadline.race} settles at the deadline whatever the work is doing; the signal then stops
 * the work itself (the queued request is dropped when it reaches a connection, a body being read is
 * destroyed).
 */
export class Deadline {
  /** Aborts when the time is up. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly endsAt: number;
  private readonly timer: NodeJS.Timeout;

  /**
   * @param timeoutMs the whole budget, from now
   * @param now a monotonic clock in milliseconds (tests of the retry loop pass a fake one)
   */
  constructor(
    readonly timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.endsAt = now() + timeoutMs;
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => this.controller.abort(), timeoutMs);
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
  }
}
