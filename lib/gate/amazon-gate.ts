import type { CircuitBreaker } from './circuit-breaker';
import type { Deadline } from '../amazon/deadline';
import { isOutage, overloaded } from '../errors';
import type { PendingLimit } from './pending-limit';
import type { Audience, Need, TokenVerifier, Verdict } from '../amazon/amazon-verifier';

/**
 * Decides whether a verification may call Amazon now: the circuit breaker first (an open circuit
 * fails at once, before taking a place), then the pending limit (no place: refused at once). A
 * verification let through reports how it ended: an answer (a refusal included) or an outage;
 * anything else (a bug) counts as neither. Nothing here waits.
 */
export class AmazonGate implements TokenVerifier {
  constructor(
    private readonly upstream: TokenVerifier,
    private readonly pending: PendingLimit,
    private readonly breaker: CircuitBreaker | undefined,
  ) {}

  async verify(token: string, audience: Audience, deadline?: Deadline, need?: Need): Promise<Verdict> {
    const ticket = this.breaker?.admit();
    if (!this.pending.tryAcquire()) {
      if (ticket) this.breaker?.released(ticket);
      throw overloaded(this.pending.max);
    }
    try {
      const verdict = await this.upstream.verify(token, audience, deadline, need);
      if (ticket) this.breaker?.succeeded(ticket);
      return verdict;
    } catch (err) {
      if (ticket) {
        if (isOutage(err)) this.breaker?.failed(ticket, err.code);
        else this.breaker?.released(ticket);
      }
      throw err;
    } finally {
      this.pending.release();
    }
  }
}
