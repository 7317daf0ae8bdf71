import { fail, isPlainObject, rejectUnknown, wholeNumber } from '../checks';
import { CIRCUIT_DEFAULTS, MAX_CIRCUIT_THRESHOLD, MAX_COOLDOWN_MS } from '../defaults';
import { circuitOpen, type LwaErrorCode } from '../errors';
import { publishCircuit, type CircuitEvent } from '../observability/events';

/**
 * Settings of the circuit breaker (the `circuitBreaker` option).
 * @example
 * ```ts
 * new Strategy({ clientID, circuitBreaker: { threshold: 10, cooldown: 30_000 } }, verify);
 * ```
 */
export interface CircuitBreakerOptions {
  /** Verifications in a row ending in an outage that open the circuit. A whole number from 1 to 1000. Default 5. */
  threshold?: number;
  /** Milliseconds the circuit stays open before one probe goes through; at most an hour. Default 10000. */
  cooldown?: number;
}

/** `circuitBreaker`: `false`, or settings (unknown names refused), defaults filled in. */
export function resolveCircuitBreaker(value: unknown): CircuitSettings | false {
  if (value === false) return false;
  if (value === undefined || value === true) return CIRCUIT_DEFAULTS;
  if (!isPlainObject(value)) fail('circuitBreaker', 'a boolean or `{ threshold, cooldown }`');
  rejectUnknown(value, ['threshold', 'cooldown'], 'circuitBreaker.');
  const { threshold, cooldown } = CIRCUIT_DEFAULTS;
  return Object.freeze({
    threshold: wholeNumber('circuitBreaker.threshold', value.threshold, threshold, 1, MAX_CIRCUIT_THRESHOLD),
    cooldown: wholeNumber('circuitBreaker.cooldown', value.cooldown, cooldown, 1, MAX_COOLDOWN_MS, ' of milliseconds'),
  });
}

/** The checked `circuitBreaker` option. */
export interface CircuitSettings {
  /** Verifications in a row that must end in an outage to open the circuit. */
  readonly threshold: number;
  /** Milliseconds the circuit stays open before one probe may go through. */
  readonly cooldown: number;
}

type State = CircuitEvent['state'];

/** What {@link CircuitBreaker.admit} hands out: whose result counts, and how. */
export interface CircuitTicket {
  /** The breaker's state generation when the call was let through. */
  readonly generation: number;
  /** The one call let through after the cooldown: its result closes or reopens the circuit. */
  readonly probe: boolean;
  /** When the call was let through (the breaker's clock). */
  readonly at: number;
}

/**
 * A consecutive-failure circuit breaker in front of Amazon, written for this library's two rules:
 * a call it does not let through fails *at once* (never waits for the probe), and only outages
 * count. Closed: every call goes through; `threshold` outages in a row open it. Open: every call is
 * refused (an `LwaUnavailableError`, `ERR_LWA_CIRCUIT_OPEN`) until `cooldown` has passed; then the next call is the
 * probe (half-open), and every other call is still refused while it is in flight. The probe's
 * success (an answer or a refusal: Amazon is up) closes the circuit; an outage reopens it, the
 * cooldown counted from when the probe was sent, so a probe that hangs for the whole `timeout`
 * does not stretch the wait for the next one.
 *
 * Results of calls let through before the last change of state are ignored: a slow call that
 * started before the circuit opened says nothing about Amazon now.
 *
 * The clock is the wall clock, read on each use (as the cache's), so tests move both together; a
 * clock that jumps back counts as the cooldown being over, never as a longer outage.
 */
export class CircuitBreaker {
  private state: State = 'closed';
  private generation = 0;
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly settings: CircuitSettings,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Milliseconds the circuit stays open before a probe; also the most a probe may take. */
  get cooldown(): number {
    return this.settings.cooldown;
  }

  /** The current state (for tests and diagnostics). */
  get current(): State {
    return this.state;
  }

  /** Lets a call through, or throws `circuitOpen()` (an `LwaUnavailableError`). */
  admit(): CircuitTicket {
    const at = this.now();
    if (this.state === 'closed') return { generation: this.generation, probe: false, at };
    if (this.state === 'open') {
      const waited = at - this.openedAt;
      if (waited >= 0 && waited < this.settings.cooldown) {
        throw circuitOpen(Math.ceil((this.settings.cooldown - waited) / 1000));
      }
      this.move('half-open');
    }
    if (this.probing) throw circuitOpen();
    this.probing = true;
    return { generation: this.generation, probe: true, at };
  }

  /** The call got an answer from Amazon (a verdict, a refusal included). */
  succeeded(ticket: CircuitTicket): void {
    if (ticket.generation !== this.generation) return;
    if (ticket.probe) {
      this.probing = false;
      this.move('closed');
    } else {
      this.failures = 0;
    }
  }

  /** The call ended in an outage. */
  failed(ticket: CircuitTicket, code: LwaErrorCode): void {
    if (ticket.generation !== this.generation) return;
    if (ticket.probe) {
      this.probing = false;
      this.open(ticket.at, code);
    } else if (++this.failures >= this.settings.threshold) {
      this.open(this.now(), code);
    }
  }

  /** The call ended in something that says nothing about Amazon (a bug): a probe's turn is given back. */
  released(ticket: CircuitTicket): void {
    if (ticket.generation === this.generation && ticket.probe) this.probing = false;
  }

  private open(at: number, code: LwaErrorCode): void {
    this.openedAt = at;
    this.move('open', code);
  }

  private move(state: State, code?: LwaErrorCode): void {
    const previous = this.state;
    this.state = state;
    this.generation += 1;
    this.failures = 0;
    publishCircuit(code === undefined ? { state, previous } : { state, previous, code });
  }
}
