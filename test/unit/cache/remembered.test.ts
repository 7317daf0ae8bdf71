/** How long verdicts are remembered, and when one may stand in stale. */
import { capFresh, longerLived, rememberFor, staleStandIn, type Lifetimes } from '../../../lib/cache/remembered';
import { resolveOptions } from '../../../lib/options';
import { refusals } from '../../../lib/refusal';
import type { Verdict } from '../../../lib/amazon/amazon-verifier';

const NOW = 1_700_000_000_000;
/** The cache's lifetimes as the options give them (refusalTtl derived: min(10000, ttl)). */
function lifetimesOf(cache?: { ttl?: number; staleIfError?: number }): Lifetimes {
  const settings = resolveOptions({ clientID: 'c', cache }).cache;
  if (settings === false) throw new Error('the cache is on');
  return settings;
}
const lifetimes = lifetimesOf();
const verified = (expiresAt: number): Verdict => ({
  ok: true,
  verified: {
    tokenInfo: { aud: 'c', appID: undefined, userID: 'u', expiresAt, issuedAt: undefined },
    profile: { provider: 'amazon', id: 'u', _raw: '{}', _json: {} },
  },
});
const refused: Verdict = { ok: false, refusal: refusals.tokenRejected };

test('a verified verdict: fresh for ttl, stale for staleIfError more, never past the token', () => {
  expect(rememberFor(verified(NOW + 3_600_000), NOW, lifetimes)).toMatchObject({
    freshUntil: NOW + 300_000,
    staleUntil: NOW + 1_200_000,
  });
  expect(rememberFor(verified(NOW + 600_000), NOW, lifetimes)).toMatchObject({
    freshUntil: NOW + 300_000,
    staleUntil: NOW + 600_000,
  });
  expect(rememberFor(verified(NOW), NOW, lifetimes)).toBeUndefined();
  // staleIfError 0: no stale window at all.
  expect(rememberFor(verified(NOW + 3_600_000), NOW, lifetimesOf({ staleIfError: 0 }))).toMatchObject({
    freshUntil: NOW + 300_000,
    staleUntil: NOW + 300_000,
  });
});

test('the default lifetimes: 5 minutes fresh, 15 more stale, refusals 10 seconds', () => {
  expect(lifetimes).toMatchObject({ ttl: 300_000, refusalTtl: 10_000, staleIfError: 900_000 });
});

test('a refusal: min(10 s, ttl), and no stale window', () => {
  expect(rememberFor(refused, NOW, lifetimes)).toMatchObject({ freshUntil: NOW + 10_000, staleUntil: NOW + 10_000 });
  // A ttl under 10 s bounds refusals too: a refusal is never kept longer than a verified token.
  expect(rememberFor(refused, NOW, lifetimesOf({ ttl: 4_000 }))).toMatchObject({
    freshUntil: NOW + 4_000,
    staleUntil: NOW + 4_000,
  });
  expect(rememberFor(refused, NOW, lifetimesOf({ ttl: 1 }))).toMatchObject({ freshUntil: NOW + 1 });
  // Not reachable through the options any more (ttl is at least 1), but a zero keeps none.
  expect(rememberFor(refused, NOW, { ...lifetimes, refusalTtl: 0 })).toBeUndefined();
});

test('the local layer caps freshness, not the stale window', () => {
  const r = rememberFor(verified(NOW + 3_600_000), NOW, lifetimes)!;
  expect(capFresh(r, NOW, 30_000)).toMatchObject({ freshUntil: NOW + 30_000, staleUntil: NOW + 1_200_000 });
  const refusal = rememberFor(refused, NOW, lifetimes)!;
  expect(capFresh(refusal, NOW, 1_000)).toMatchObject({ freshUntil: NOW + 1_000, staleUntil: NOW + 1_000 });
});

test('a stale stand-in: only a verified verdict, only within its window, marked stale', () => {
  const r = rememberFor(verified(NOW + 3_600_000), NOW, lifetimes)!;
  expect(staleStandIn(r, NOW + 1_199_999)).toMatchObject({ ok: true, stale: true });
  expect(staleStandIn(r, NOW + 1_200_000)).toBeUndefined();
  expect(staleStandIn(rememberFor(refused, NOW, lifetimes), NOW + 1)).toBeUndefined();
  expect(staleStandIn(undefined, NOW)).toBeUndefined();
  expect(longerLived(r, undefined)).toBe(r);
});
