/**
 * The revocations one verifier holds (`revoke(token)`): each until its token's expiry, in a map of
 * their own with a bound; once full of revocations still in force, a new one is refused, never made
 * by dropping another. Over HTTP: test/http/revoke.test.ts.
 */
import { Revocations, revokedUntil } from '../../../lib/cache/revocations';

describe('Revocations', () => {
  let now = 1_000_000;
  const clock = () => now;

  test('holds a revocation until its expiry, not past it', () => {
    const revocations = new Revocations(clock, 10);
    expect(revocations.add('a', now + 1000)).toBe(true);
    expect(revocations.has('a')).toBe(true);
    expect(revocations.has('b')).toBe(false);
    now += 1000;
    expect(revocations.has('a')).toBe(false);
    expect(revocations.size).toBe(0);
  });

  test('full of revocations in force: a new one is refused and none is dropped', () => {
    const revocations = new Revocations(clock, 3);
    for (const digest of ['a', 'b', 'c']) expect(revocations.add(digest, now + 60_000)).toBe(true);
    expect(revocations.add('d', now + 60_000)).toBe(false);
    expect(['a', 'b', 'c', 'd'].map((d) => revocations.has(d))).toEqual([true, true, true, false]);
    // Revoking one already held again is no new entry: it may always be extended.
    expect(revocations.add('a', now + 120_000)).toBe(true);
  });

  test('room is made from revocations whose tokens have expired', () => {
    const revocations = new Revocations(clock, 2);
    revocations.add('short', now + 10);
    revocations.add('long', now + 60_000);
    now += 10;
    expect(revocations.add('new', now + 60_000)).toBe(true);
    expect([revocations.has('long'), revocations.has('new'), revocations.size]).toEqual([true, true, 2]);
  });

  test('a revocation read from a store: only one this library wrote, and only until it ends', () => {
    expect(revokedUntil({ v: 1, until: now + 5, revoked: true }, now)).toBe(now + 5);
    expect(revokedUntil({ v: 1, until: now, revoked: true }, now)).toBeUndefined();
    expect(revokedUntil({ v: 1, until: now + 5, revoked: 'yes' }, now)).toBeUndefined();
    expect(revokedUntil('revoked', now)).toBeUndefined();
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
      },
    );
    expect(revokedUntil(hostile, now)).toBeUndefined();
  });
});
