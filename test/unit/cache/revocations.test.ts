/**
 * The revocations one verifier knows: each until its token's expiry, in maps of their own with one
 * bound. Held ones (no store took them) are never dropped: once the bound is full of them, a new one
 * is refused. Noted ones (the store has them) make room: the oldest is forgotten here. Over HTTP:
 * test/http/revoke.test.ts; at the bound through a store: test/http/revoke.test.ts › `the bound`.
 */
import { Revocations, revokedUntil } from '../../../lib/cache/revocations';

describe('Revocations', () => {
  let now = 1_000_000;
  const clock = () => now;
  const inForce = (revocations: Revocations, digests: string[]) => digests.map((d) => revocations.has(d));

  test('holds a revocation until its expiry, not past it', () => {
    const revocations = new Revocations(clock, 10);
    expect(revocations.hold('a', now + 1000)).toBe(true);
    revocations.note('n', now + 1000);
    expect(inForce(revocations, ['a', 'n', 'b'])).toEqual([true, true, false]);
    now += 1000;
    expect(inForce(revocations, ['a', 'n'])).toEqual([false, false]);
    expect(revocations.size).toEqual({ held: 0, noted: 0 });
  });

  test('full of held revocations in force: a new one is refused and none is dropped', () => {
    const revocations = new Revocations(clock, 3);
    for (const digest of ['a', 'b', 'c']) expect(revocations.hold(digest, now + 60_000)).toBe(true);
    expect(revocations.hold('d', now + 60_000)).toBe(false);
    expect(inForce(revocations, ['a', 'b', 'c', 'd'])).toEqual([true, true, true, false]);
    // Revoking one already held again is no new entry: it may always be extended.
    expect(revocations.hold('a', now + 120_000)).toBe(true);
    // One the store has, with no room: the store refuses it; nothing held here is dropped for it.
    revocations.note('e', now + 60_000);
    expect(inForce(revocations, ['a', 'b', 'c', 'e'])).toEqual([true, true, true, false]);
  });

  test('at the bound, the oldest noted revocation is forgotten here: never a held one, never a failure', () => {
    const revocations = new Revocations(clock, 3);
    revocations.hold('held', now + 60_000);
    revocations.note('n1', now + 60_000);
    revocations.note('n2', now + 60_000);
    revocations.note('n3', now + 60_000);
    expect(inForce(revocations, ['held', 'n1', 'n2', 'n3'])).toEqual([true, false, true, true]);
    expect(revocations.hold('h2', now + 60_000)).toBe(true); // makes room by forgetting n2
    expect(inForce(revocations, ['held', 'h2', 'n2', 'n3'])).toEqual([true, true, false, true]);
    expect(revocations.size).toEqual({ held: 2, noted: 1 });
  });

  test('a held revocation the store then took becomes a noted one', () => {
    const revocations = new Revocations(clock, 2);
    revocations.hold('a', now + 60_000);
    revocations.note('a', now + 60_000);
    expect(revocations.size).toEqual({ held: 0, noted: 1 });
  });

  test('room for a held one is made from revocations whose tokens have expired', () => {
    const revocations = new Revocations(clock, 2);
    revocations.hold('short', now + 10);
    revocations.hold('long', now + 60_000);
    now += 10;
    expect(revocations.hold('new', now + 60_000)).toBe(true);
    expect([...inForce(revocations, ['long', 'new']), revocations.size]).toEqual([true, true, { held: 2, noted: 0 }]);
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
