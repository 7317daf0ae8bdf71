import type { CircuitBreaker } from './circuit-breaker';
import type { Deadline } from '../amazon/deadline';
import { MIN_PROBE_MS } from '../defaults';
import { isOutage, LwaTimeoutError } from '../errors';
import type { Admission } from './admission';
import type { Audience, Need, TokenVerifier, Verdict } from '../amazon/amazon-verifier';

/**
 * Decides whether and when a verification may call Amazon: the circuit breaker first (an open
 * circuit fails at once, before queueing), then admission (a place now, or its turn in the queue, or
 * refused early when its turn would come too late: admission.ts). One that waited asks the circuit
 * again when its turn comes (it may have opened meanwhile); a probe does not hold its turn as the
 * probe while it waits. A verification let through reports how it ended: an answer (a refusal
 * included) or an outage; anything else (a bug) counts as neither.
 *
 * Two bad-day rules live here. The probe sent after the cooldown gets a deadline of at most
 * `cooldown` (or {@link MIN_PROBE_MS} if that is longer; within the verification's `timeout`): a
 * probe that hangs ends by the time the next one may go, so after Amazon returns, new users are
 * served again within one cooldown (plus the next probe's round trip) even when `timeout` is longer. And a timeout whose deadline ran late
 * because our own event loop was blocked ({@link Deadline.stalled}) says nothing about Amazon: it
 * neither opens the circuit nor counts toward opening it.
 */
export class AmazonGate implements TokenVerifier {
  constructor(
    private readonly upstream: TokenVerifier,
    private readonly admission: Admission,
    private readonly breaker: CircuitBreaker | undefined,
  ) {}

  async verify(token: string, audience: Audience, deadline?: Deadline, need?: Need): Promise<Verdict> {
    let ticket = this.breaker?.admit();
    let leave = this.admission.tryEnter();
    if (leave === undefined) {
      if (ticket) this.breaker?.released(ticket);
      leave = await this.admission.wait(deadline);
      try {
        ticket = this.breaker?.admit();
      } catch (err) {
        leave();
        throw err;
      }
    }
    const bounded =
      ticket?.probe && this.breaker ? deadline?.within(Math.max(this.breaker.cooldown, MIN_PROBE_MS)) : undefined;
    const used = bounded ?? deadline;
    try {
      const verdict = await this.upstream.verify(token, audience, used, need);
      if (ticket) this.breaker?.succeeded(ticket);
      return verdict;
    } catch (err) {
      if (ticket) {
        const ourStall = err instanceof LwaTimeoutError && used?.stalled === true;
        if (isOutage(err) && !ourStall) this.breaker?.failed(ticket, err.code);
        else this.breaker?.released(ticket);
      }
      throw err;
    } finally {
      bounded?.dispose();
      leave();
    }
  }
}
