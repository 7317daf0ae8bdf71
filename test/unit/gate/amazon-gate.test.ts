/**
 * The gate between the cache and Amazon (lib/gate/amazon-gate.ts), with an upstream the test
 * answers by hand: what happens to a verification that waited in admission's queue.
 */
import type { Audience, TokenVerifier, Verdict } from '../../../lib/amazon/amazon-verifier';
import { Deadline } from '../../../lib/amazon/deadline';
import { LwaUpstreamError } from '../../../lib/errors';
import { Admission } from '../../../lib/gate/admission';
import { AmazonGate } from '../../../lib/gate/amazon-gate';
import { CircuitBreaker } from '../../../lib/gate/circuit-breaker';
import { refusals } from '../../../lib/refusal';

const audience: Audience = {
  tag: 'test',
  clientIDs: new Set(['amzn1.application-oa2-client.test']),
  appIDs: undefined,
};

/** An upstream whose calls wait until the test settles them, in order. */
function heldUpstream() {
  const calls: Array<{ resolve: (v: Verdict) => void; reject: (e: unknown) => void }> = [];
  const upstream: TokenVerifier = {
    verify: () => new Promise<Verdict>((resolve, reject) => calls.push({ resolve, reject })),
  };
  return { upstream, calls };
}

test('one that waited asks the circuit again when its turn comes: opened meanwhile, a 503 without a call', async () => {
  const { upstream, calls } = heldUpstream();
  const admission = new Admission({ running: 1 });
  const gate = new AmazonGate(upstream, admission, new CircuitBreaker({ threshold: 1, cooldown: 60_000 }));
  const deadline = new Deadline(60_000);
  const first = gate.verify('Atza|first', audience, deadline);
  const second = gate.verify('Atza|second', audience, deadline);
  expect([admission.inFlight, admission.queued, calls.length]).toEqual([1, 1, 1]);
  // The running one ends in an outage: with threshold 1 the circuit opens, then the waiter's turn comes.
  calls[0].reject(new LwaUpstreamError('ERR_LWA_UPSTREAM_STATUS', 'tokeninfo', 'status 500', 500));
  await expect(first).rejects.toMatchObject({ code: 'ERR_LWA_UPSTREAM_STATUS' });
  await expect(second).rejects.toMatchObject({ status: 503, code: 'ERR_LWA_CIRCUIT_OPEN' });
  expect(calls).toHaveLength(1);
  // Its place was given back.
  expect([admission.inFlight, admission.queued]).toEqual([0, 0]);
  deadline.dispose();
});

test('a deadline that passes while waiting (the prediction missed): a 504 timeout, and it leaves the queue', async () => {
  const { upstream, calls } = heldUpstream();
  const admission = new Admission({ running: 1 });
  const gate = new AmazonGate(upstream, admission, undefined);
  const long = new Deadline(60_000);
  const first = gate.verify('Atza|first', audience, long);
  // Too short for the pool's stillness to count (it does past 150 ms): it is kept until it expires.
  const short = new Deadline(100);
  await expect(gate.verify('Atza|second', audience, short)).rejects.toMatchObject({
    status: 504,
    code: 'ERR_LWA_TIMEOUT',
  });
  expect([admission.inFlight, admission.queued, calls.length]).toEqual([1, 0, 1]);
  calls[0].resolve({ ok: false, refusal: refusals.tokenRejected });
  await first;
  expect(admission.inFlight).toBe(0);
  long.dispose();
  short.dispose();
});
