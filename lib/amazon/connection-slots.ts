/**
 * The client's own queue in front of undici: at most `max` calls to one origin are handed to the
 * pool at once (the pool's connection count), and the rest wait here.
 *
 * Why not let undici queue them: undici drops an aborted request only when it reaches a
 * connection, and opens one for it if none is free. After a burst whose deadlines passed while
 * queued, the pool would open a connection for each dead request in turn (about a hundred in one
 * run), against an Amazon that is already struggling. A call waiting here whose signal aborts
 * leaves the queue at once and opens nothing.
 */
export class ConnectionSlots {
  private busy = 0;
  /** Each waiter takes the slot (true) or, its time being up, leaves and lets the next take it (false). */
  private readonly waiting: Array<() => boolean> = [];

  constructor(readonly max: number) {}

  /**
   * Resolves with a release function once a slot is free, or rejects (with nothing dispatched)
   * as soon as `signal` aborts, or when a slot frees up after `expired()` became true (a deadline
   * whose time is up but whose signal has not fired yet: its abort waits one turn of the event
   * loop, see deadline.ts). Call the release function exactly once, when the call is over.
   */
  acquire(signal: AbortSignal, expired: () => boolean = () => false): Promise<() => void> {
    if (signal.aborted || expired()) return Promise.reject(new SlotAbortedError());
    if (this.busy < this.max) {
      this.busy += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): boolean => {
        signal.removeEventListener('abort', leave);
        if (expired()) {
          reject(new SlotAbortedError());
          return false;
        }
        resolve(this.releaser());
        return true;
      };
      const leave = (): void => {
        const index = this.waiting.indexOf(grant);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(new SlotAbortedError());
      };
      signal.addEventListener('abort', leave, { once: true });
      this.waiting.push(grant);
    });
  }

  /** Calls handed to the pool now (for tests and diagnostics). */
  get inUse(): number {
    return this.busy;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter still in time: `busy` stays as it is.
      for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
        if (next()) return;
      }
      this.busy -= 1;
    };
  }
}

/** A call left the queue because its signal aborted; it never reached undici. */
export class SlotAbortedError extends Error {}
