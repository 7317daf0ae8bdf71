/**
 * How many verifications may wait on Amazon at once (`maxPending`). Past it a new one is refused at
 * once rather than queued: a queue longer than the pool can work off within `timeout` only turns
 * into timeouts later, and every waiting verification holds memory. Requests that join a
 * verification already in flight (single flight) do not pass through here.
 */
export class PendingLimit {
  private pending = 0;

  constructor(readonly max: number) {}

  /** Takes a place if one is free; `false` if all `max` are taken. */
  tryAcquire(): boolean {
    if (this.pending >= this.max) return false;
    this.pending += 1;
    return true;
  }

  /** Gives back a place taken by {@link tryAcquire}. */
  release(): void {
    this.pending -= 1;
  }

  /** Places taken (for tests and diagnostics). */
  get size(): number {
    return this.pending;
  }
}
