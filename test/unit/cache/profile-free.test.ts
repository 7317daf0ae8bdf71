/**
 * Profile-free verdicts in the cache and single flight, in front of a stand-in for Amazon whose
 * answers the test releases one by one: which flights a profile-free verification joins, that its
 * verdict never answers a verification needing the profile, and that it never replaces a full
 * verdict that landed first. Over HTTP, with call counts: test/http/profile-free.test.ts.
 */
import type { Audience, Need, TokenVerifier, Verdict } from '../../../lib/amazon/amazon-verifier';
import { idOnlyProfile } from '../../../lib/amazon/amazon-verifier';
import { CachedVerifier } from '../../../lib/cache/cached-verifier';
import { serves } from '../../../lib/cache/serves';
import { resolveOptions } from '../../../lib/options';
import { refusals } from '../../../lib/refusal';
import { verifiedVerdict } from '../../support/fixture';

const audience: Audience = { clientIDs: new Set(['c']), appIDs: undefined, tag: 'tag-c' };
const TOKEN = 'Atza|profile-free';

// One object each, so that a test can tell which verdict it got back (`toBe`).
const FULL: Verdict = verifiedVerdict();
const ID_ONLY: Verdict = FULL.ok
  ? {
      ok: true,
      verified: { tokenInfo: FULL.verified.tokenInfo, profile: idOnlyProfile('amzn1.account.X'), profileFree: true },
    }
  : FULL;
const SCOPE_REFUSAL: Verdict = { ok: false, refusal: refusals.insufficientScope };
const full = (): Verdict => FULL;
const idOnly = (): Verdict => ID_ONLY;
const scopeRefusal = (): Verdict => SCOPE_REFUSAL;

/** A stand-in for Amazon: each call waits until the test answers it, by need. */
function heldUpstream(): TokenVerifier & { asked: Need[]; answer(need: Need, verdict: Verdict): void } {
  const waiting: Array<{ need: Need; resolve: (v: Verdict) => void }> = [];
  const asked: Need[] = [];
  return {
    asked,
    verify: (_token, _audience, _deadline, need = 'profile') => {
      asked.push(need);
      return new Promise<Verdict>((resolve) => waiting.push({ need, resolve }));
    },
    answer(need, verdict) {
      const i = waiting.findIndex((w) => w.need === need);
      if (i === -1) throw new Error(`no ${need} call is waiting`);
      waiting.splice(i, 1)[0].resolve(verdict);
    },
  };
}

function setup() {
  const upstream = heldUpstream();
  const cache = new CachedVerifier(upstream, resolveOptions({ clientID: 'c' }).cache);
  return { upstream, cache };
}

test('serves: a profile-free verdict answers only `id`; the profile’s insufficient_scope refuses only `profile`', () => {
  expect([serves(full(), 'profile'), serves(full(), 'id')]).toEqual([true, true]);
  expect([serves(idOnly(), 'profile'), serves(idOnly(), 'id')]).toEqual([false, true]);
  expect([serves(scopeRefusal(), 'profile'), serves(scopeRefusal(), 'id')]).toEqual([true, false]);
  const rejected: Verdict = { ok: false, refusal: refusals.tokenRejected };
  expect([serves(rejected, 'profile'), serves(rejected, 'id')]).toEqual([true, true]);
});

test('a profile verification in flight: a profile-free one joins it', async () => {
  const { upstream, cache } = setup();
  const profile = cache.verify(TOKEN, audience, undefined, 'profile');
  const id = cache.verify(TOKEN, audience, undefined, 'id');
  upstream.answer('profile', full());
  expect(await Promise.all([profile, id])).toEqual([FULL, FULL]);
  expect((await id) === FULL).toBe(true);
  expect(upstream.asked).toEqual(['profile']);
});

test('a profile-free verification in flight: a profile one does not join it, and gets the profile', async () => {
  const { upstream, cache } = setup();
  const id = cache.verify(TOKEN, audience, undefined, 'id');
  const profile = cache.verify(TOKEN, audience, undefined, 'profile');
  expect(upstream.asked).toEqual(['id', 'profile']);
  upstream.answer('id', idOnly());
  upstream.answer('profile', full());
  await expect(id).resolves.toBe(idOnly());
  await expect(profile).resolves.toBe(full());
});

test('a joined profile flight that ends in the profile’s insufficient_scope: the profile-free one asks tokeninfo itself', async () => {
  const { upstream, cache } = setup();
  const profile = cache.verify(TOKEN, audience, undefined, 'profile');
  const id = cache.verify(TOKEN, audience, undefined, 'id');
  upstream.answer('profile', scopeRefusal());
  await expect(profile).resolves.toBe(scopeRefusal());
  expect(upstream.asked).toEqual(['profile', 'id']);
  upstream.answer('id', idOnly());
  await expect(id).resolves.toBe(idOnly());
});

test('a profile-free verdict landing after a full one does not replace it', async () => {
  const { upstream, cache } = setup();
  const id = cache.verify(TOKEN, audience, undefined, 'id');
  const profile = cache.verify(TOKEN, audience, undefined, 'profile');
  upstream.answer('profile', full());
  await profile;
  upstream.answer('id', idOnly());
  await id;
  // The full verdict is still kept: a profile verification is a hit.
  await expect(cache.verify(TOKEN, audience, undefined, 'profile')).resolves.toBe(full());
  expect(upstream.asked).toEqual(['id', 'profile']);
});

test('a kept profile-free verdict: a hit for `id`, a miss for `profile` that the full verdict replaces', async () => {
  const { upstream, cache } = setup();
  const first = cache.verify(TOKEN, audience, undefined, 'id');
  upstream.answer('id', idOnly());
  await first;
  await expect(cache.verify(TOKEN, audience, undefined, 'id')).resolves.toBe(idOnly());
  const profile = cache.verify(TOKEN, audience, undefined, 'profile');
  upstream.answer('profile', full());
  await expect(profile).resolves.toBe(full());
  await expect(cache.verify(TOKEN, audience, undefined, 'id')).resolves.toBe(full());
  expect(upstream.asked).toEqual(['id', 'profile']);
});
