import type { Deadline } from '../amazon/deadline';
import { ADMISSION_HEADROOM, ADMISSION_TICK_MS, MAX_RUNNING, MAX_WAITING } from '../defaults';
import { LwaTimeoutError, overloaded, type LwaError } from '../errors';

/**
 * The weight of the newest verification in the running average of how long one takes: large when it
 * was quicker than the average, small when slower. The average thus follows the quick end of what
 * Amazon does now: a burst's first verifications, slowed by our own CPU taking in the burst, would
 * otherwise predict rounds far longer than the ones that follow and refuse customers who would have
 * been served in time. A slower Amazon still shows within a few rounds, and a hanging one through
 * the pool's stillness, which does not wait for the average.
 */
const QUICKER_WEIGHT = 0.5;
const SLOWER_WEIGHT = 0.1;

/**
 * How long the pool may go without a verification ending before that stillness counts as the length
 * of a round: a cold start's first round connects first; a hanging Amazon still shows within a second.
 */
const STILL_GRACE_MS = 150;

/** Late ticks in a row after which waiters are judged all the same. */
const MAX_LATE_TICKS = 10;

interface Waiter {
  readonly deadline: Deadline | undefined;
  readonly admit: (leave: () => void) => void;
  readonly refuse: (err: LwaError) => void;
}

/** What {@link Admission} is built from; each has a default for production. */
export interface AdmissionOptions {
  /** Verifications calling Amazon at once. */
  readonly running?: number;
  /** The memory backstop: verifications waiting at most. */
  readonly maxWaiting?: number;
  /** Whether refusals dominate Amazon's recent answers (a junk flood): then one round waits at most. */
  readonly flooded?: () => boolean;
}

/**
 * Admission by deadline. At most `running` verifications call Amazon at once; the others wait their
 * turn here, in order of arrival, as long as they can still be answered within their `timeout`. A
 * verification is refused (a 503 `ERR_LWA_OVERLOADED`, no call) only when it cannot: when waiting
 * it gets there, and again every {@link ADMISSION_TICK_MS} while it waits, as Amazon slows down.
 *
 * The prediction for the one at place `k` in the queue: a place frees when the oldest running
 * verification ends (what it has left of the running average of those that ended), then
 * `floor(k / running)` more rounds of that average pass, then it takes one itself. The pool going
 * still counts too: once the oldest is overdue, a place is expected only after as long again as
 * nothing has ended, and its own run to take at least that long; an Amazon that hangs thus shows
 * within a second, before any average could. Admitted while the prediction fits in
 * {@link ADMISSION_HEADROOM} of its time left.
 *
 * And a backstop for memory: at most `maxWaiting` wait, whatever the prediction says.
 */
export class Admission {
  /** The running verifications' start times, oldest first (a Map keeps insertion order). */
  private readonly started = new Map<symbol, number>();
  private waiting: Waiter[] = [];
  private average: number | undefined;
  private lastEnded = -Infinity;
  private ticker: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private lateTicks = 0;
  private endedSinceIdle = 0;

  readonly running: number;
  readonly maxWaiting: number;
  private readonly now = (): number => performance.now();
  private readonly flooded: () => boolean;

  constructor(options: AdmissionOptions = {}) {
    this.running = options.running ?? MAX_RUNNING;
    this.maxWaiting = options.maxWaiting ?? MAX_WAITING;
    this.flooded = options.flooded ?? (() => false);
  }

  /** A place to call Amazon now, if one is free and nobody waits; `undefined` otherwise. */
  tryEnter(): (() => void) | undefined {
    if (this.started.size >= this.running || this.waiting.length > 0) return undefined;
    return this.start();
  }

  /**
   * Waits its turn: resolves with the function that gives the place back, or rejects with
   * `overloaded()` once it cannot be answered within `deadline`, or with a timeout if the deadline
   * passes while it waits (the prediction missed).
   */
  wait(deadline: Deadline | undefined): Promise<() => void> {
    const free = this.tryEnter();
    if (free) return Promise.resolve(free);
    // Judged on arrival only on evidence (two rounds ended since the pool was idle, our loop on
    // time): a burst from idle arrives while our own CPU is busiest taking it in, the worst moment to
    // read Amazon's pace, and waits for the next tick; a flood against a known pace is told at once.
    const now = this.now();
    const judged = this.trusted() > 0 && !this.late(now);
    // While refusals dominate (a flood of junk), one round waits at most: a queue as long as the
    // deadline allows would hold that many junk requests open, and every request, a cached user's
    // included, pays for the sockets; a customer amid the flood still waits at most a round.
    const most = this.flooded() ? this.running : this.maxWaiting;
    if (this.waiting.length >= most || (judged && !this.fits(this.waiting.length, deadline, now))) {
      return Promise.reject(overloaded(this.waiting.length));
    }
    return new Promise((resolve, reject) => {
      const expire = (): void => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        reject(new LwaTimeoutError('tokeninfo', deadline?.timeoutMs ?? 0));
      };
      const settle = (): void => deadline?.signal.removeEventListener('abort', expire);
      const waiter: Waiter = {
        deadline,
        admit: (leave) => {
          settle();
          resolve(leave);
        },
        refuse: (err) => {
          settle();
          reject(err);
        },
      };
      deadline?.signal.addEventListener('abort', expire, { once: true });
      this.waiting.push(waiter);
      if (this.ticker === undefined) {
        this.lastTick = this.now();
        this.ticker = setInterval(() => this.tick(), ADMISSION_TICK_MS).unref();
      }
    });
  }

  /** Verifications waiting now (for tests and diagnostics). */
  get queued(): number {
    return this.waiting.length;
  }

  /** Verifications calling Amazon now (for tests and diagnostics). */
  get inFlight(): number {
    return this.started.size;
  }

  private start(): () => void {
    // An idle pool knows nothing of Amazon now (a burst an hour ago, our own slow start): the
    // average starts afresh, and until one ends, the pool's stillness alone judges.
    if (this.started.size === 0 && this.waiting.length === 0) {
      this.average = undefined;
      this.endedSinceIdle = 0;
    }
    const id = Symbol('verification');
    this.started.set(id, this.now());
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.end(id);
    };
  }

  private end(id: symbol): void {
    const now = this.now();
    const took = now - (this.started.get(id) ?? now);
    this.started.delete(id);
    this.lastEnded = now;
    this.endedSinceIdle += 1;
    if (this.average === undefined) this.average = took;
    else this.average += (took < this.average ? QUICKER_WEIGHT : SLOWER_WEIGHT) * (took - this.average);
    // The place goes to the next waiter that can still make it in time.
    while (this.started.size < this.running && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      if (this.fits(-1, next.deadline, now)) next.admit(this.start());
      else next.refuse(overloaded(this.waiting.length));
    }
    this.idle();
  }

  /**
   * A tick that came late says our own event loop was busy (a burst being taken in): what the pool
   * shows then is our CPU, not Amazon, so judging waits for a tick on time, for at most
   * {@link MAX_LATE_TICKS} in a row (a loop busy for good must not turn every refusal into a timeout).
   */
  private tick(): void {
    const now = this.now();
    const late = this.late(now);
    this.lastTick = now;
    if (late && this.lateTicks < MAX_LATE_TICKS) {
      this.lateTicks += 1;
      return;
    }
    this.lateTicks = 0;
    this.judge();
  }

  /** Whether the ticker, if it runs, is overdue: our own event loop is busy. */
  private late(now: number): boolean {
    return this.ticker !== undefined && now - this.lastTick > 2 * ADMISSION_TICK_MS;
  }

  /** Judges every waiter again, in order: those that can no longer make it are refused now. */
  private judge(): void {
    const now = this.now();
    const kept: Waiter[] = [];
    const refused: Waiter[] = [];
    for (const waiter of this.waiting) {
      (this.fits(kept.length, waiter.deadline, now) ? kept : refused).push(waiter);
    }
    this.waiting = kept;
    for (const waiter of refused) waiter.refuse(overloaded(kept.length));
    this.idle();
  }

  private idle(): void {
    if (this.waiting.length === 0 && this.ticker !== undefined) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /**
   * The average, once two rounds have ended since the pool last went idle: the first round of a burst
   * also pays for connecting and for our own CPU taking the burst in, and would predict every later
   * round as slow as itself. Until then, 0: only the pool's stillness judges.
   */
  private trusted(): number {
    return this.endedSinceIdle >= 2 * this.running ? (this.average ?? 0) : 0;
  }

  /**
   * Whether the verification at `place` in the queue (-1: starting now) is predicted to be answered
   * within {@link ADMISSION_HEADROOM} of what `deadline` has left.
   */
  private fits(place: number, deadline: Deadline | undefined, now: number): boolean {
    return deadline === undefined || this.predict(place, now) <= ADMISSION_HEADROOM * deadline.remaining();
  }

  /** Milliseconds until the verification at `place` (-1: starting now) is answered (see the class comment). */
  private predict(place: number, now: number): number {
    const oldest = this.started.values().next();
    const age = oldest.done === true ? 0 : now - oldest.value;
    // How long the pool has gone without a verification ending.
    const still = oldest.done === true ? 0 : now - Math.max(oldest.value, this.lastEnded);
    // A round: the average, or, once the pool has been still longer than that, as long as it has
    // been still (Amazon may have hung, and rounds are at least that long now).
    const round = Math.max(this.trusted(), still - STILL_GRACE_MS);
    if (place < 0) return round;
    // Until a place frees: what the oldest running one has left, or, once it is overdue, a round.
    const average = this.trusted();
    const firstFree = average > 0 && age < average ? average - age : Math.max(0, still - STILL_GRACE_MS);
    return firstFree + Math.floor(place / this.running) * round + round;
  }
}
