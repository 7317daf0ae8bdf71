/**
 * The in-memory cache's bound (docs/design.md, Cache and single flight: at most `cache.max`
 * entries, least recently used out first), and what it never keeps; the cached verifier in front of
 * a stand-in for Amazon that counts its calls. What the cache keeps and for how long, over HTTP:
 * test/http/cache.test.ts.
 */
import { CachedVerifier } from '../../../lib/cache/cached-verifier';
import { resolveOptions } from '../../../lib/options';
import type { Audience, TokenVerifier, Verdict } from '../../../lib/amazon/amazon-verifier';
import { verifiedVerdict } from '../../support/fixture';

/** The audience of a strategy with `clientID: 'c'`. */
const audience: Audience = { clientIDs: new Set(['c']), appIDs: undefined, tag: 'tag-c' };
const token = (name: string | number) => `Atza|${name}`;

/** A stand-in for Amazon that vouches for every token, and counts how often it was asked. */
function countingUpstream(verdict: () => Verdict = verifiedVerdict): TokenVerifier & { calls: number } {
  const upstream = {
    calls: 0,
    verify: async () => {
      upstream.calls += 1;
      return verdict();
    },
  };
  return upstream;
}

describe('the LRU bound: `cache.max`', () => {
  test('never holds more than max entries, whatever the number of distinct tokens', async () => {
    const cache = resolveOptions({ clientID: 'c', cache: { max: 100 } }).cache;
    const verifier = new CachedVerifier(countingUpstream(), cache);
    for (let i = 0; i < 1000; i += 1) await verifier.verify(token(i), audience);
    expect(verifier.cachedEntries).toBe(100);
  });

  test('drops the least recently used token first', async () => {
    const upstream = countingUpstream();
    const cache = resolveOptions({ clientID: 'c', cache: { max: 2 } }).cache;
    const verifier = new CachedVerifier(upstream, cache);
    // a, b, a again, then c: b is now the least recently used, and makes room for c.
    for (const name of ['a', 'b', 'a', 'c']) await verifier.verify(token(name), audience);
    expect(upstream.calls).toBe(3);
    await verifier.verify(token('a'), audience);
    await verifier.verify(token('c'), audience);
    expect(upstream.calls).toBe(3);
    await verifier.verify(token('b'), audience);
    expect(upstream.calls).toBe(4);
  });
});

test('does not cache a token that has no life left', async () => {
  const upstream = countingUpstream(() => {
    const v = verifiedVerdict();
    return v.ok
      ? { ok: true, verified: { ...v.verified, tokenInfo: { ...v.verified.tokenInfo, expiresAt: Date.now() - 1 } } }
      : v;
  });
  const verifier = new CachedVerifier(upstream, resolveOptions({ clientID: 'c' }).cache);
  await verifier.verify(token('lapsed'), audience);
  expect(verifier.cachedEntries).toBe(0);
});
