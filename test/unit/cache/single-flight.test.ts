/**
 * Single flight (docs/design.md, Cache and single flight): while a token is being verified, other
 * requests with it wait for that answer instead of asking Amazon again, with the cache and without.
 * SingleFlight itself, then the cached verifier around a stand-in for Amazon that answers when the
 * test says, so the concurrency is exact rather than timed.
 */
import type { CacheSettings } from '../../../lib/cache/cache-options';
import { CachedVerifier } from '../../../lib/cache/cached-verifier';
import { SingleFlight } from '../../../lib/cache/single-flight';
import { LwaTimeoutError } from '../../../lib/errors';
import { CHANNELS, type ChannelMessages } from '../../../lib/observability/events';
import { resolveOptions } from '../../../lib/options';
import { refusals } from '../../../lib/refusal';
import type { Audience, TokenVerifier, Verdict } from '../../../lib/amazon/amazon-verifier';
import { recordEvents, verifiedVerdict as verified } from '../../support/fixture';

/** A verifier whose answers the test hands out one by one. */
class GatedUpstream implements TokenVerifier {
  calls = 0;
  private pending: Array<{ resolve: (v: Verdict) => void; reject: (e: unknown) => void }> = [];
  verify(): Promise<Verdict> {
    this.calls += 1;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  answer(verdict: Verdict): void {
    for (const p of this.pending.splice(0)) p.resolve(verdict);
  }
  fail(err: unknown): void {
    for (const p of this.pending.splice(0)) p.reject(err);
  }
}

const TOKEN = `Atza|${'a'.repeat(400)}`;
/** The audience of a strategy with `clientID: 'c'`. */
const audience: Audience = { clientIDs: new Set(['c']), appIDs: undefined, tag: 'tag-c' };
const defaults = resolveOptions({ clientID: 'c' }).cache;

const events = recordEvents<ChannelMessages['cache']>(CHANNELS.cache);

describe('SingleFlight', () => {
  test('a caller with the same key joins the work in flight; another key starts its own', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release!: (n: number) => void;
    const work = () => {
      runs += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const first = flights.start('k', work);
    expect(flights.joinable('k')).toBe(first);
    expect(flights.joinable('other')).toBeUndefined();
    release(7);
    await expect(first).resolves.toBe(7);
    expect(flights.joinable('k')).toBeUndefined();
    expect(flights.size).toBe(0);
    expect(runs).toBe(1);
  });

  test('a failure reaches every caller, and is forgotten', async () => {
    const flights = new SingleFlight<number>();
    const failure = new Error('down');
    const flight = flights.start('k', () => Promise.reject(failure));
    const joined = flights.joinable('k')!;
    await expect(flight).rejects.toBe(failure);
    await expect(joined).rejects.toBe(failure);
    expect(flights.size).toBe(0);
  });

  test('work that throws synchronously rejects and leaves nothing behind', async () => {
    const flights = new SingleFlight<number>();
    await expect(
      flights.start('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(flights.size).toBe(0);
  });
});

describe.each<[string, CacheSettings]>([
  ['with the cache', defaults],
  ['with cache: false', false],
])('single flight in the cached verifier, %s', (_name, cache) => {
  test('1,000 concurrent verifications of one token: one upstream call, one shared verdict', async () => {
    const upstream = new GatedUpstream();
    const verifier = new CachedVerifier(upstream, cache);
    const all = Array.from({ length: 1000 }, () => verifier.verify(TOKEN, audience));
    expect(upstream.calls).toBe(1);
    upstream.answer(verified());
    const verdicts = await Promise.all(all);
    expect(new Set(verdicts).size).toBe(1);
    expect(Object.isFrozen(verdicts[0])).toBe(true);
    const counts = events.reduce<Record<string, number>>(
      (acc, e) => ({ ...acc, [e.type]: (acc[e.type] ?? 0) + 1 }),
      {},
    );
    expect(counts).toEqual(cache === false ? { shared: 999 } : { miss: 1, shared: 999 });
  });

  test('an upstream failure reaches every waiter and is not cached', async () => {
    const upstream = new GatedUpstream();
    const verifier = new CachedVerifier(upstream, cache);
    const all = Array.from({ length: 100 }, () => verifier.verify(TOKEN, audience));
    const failure = new LwaTimeoutError('tokeninfo', 5000);
    upstream.fail(failure);
    const settled = await Promise.allSettled(all);
    expect(settled.every((s) => s.status === 'rejected' && s.reason === failure)).toBe(true);

    const next = verifier.verify(TOKEN, audience);
    expect(upstream.calls).toBe(2);
    upstream.answer(verified());
    await expect(next).resolves.toMatchObject({ ok: true });
  });

  test('a refusal is shared with every waiter', async () => {
    const upstream = new GatedUpstream();
    const verifier = new CachedVerifier(upstream, cache);
    const all = Array.from({ length: 10 }, () => verifier.verify(TOKEN, audience));
    upstream.answer({ ok: false, refusal: refusals.tokenRejected });
    for (const verdict of await Promise.all(all))
      expect(verdict).toEqual({ ok: false, refusal: refusals.tokenRejected });
    expect(upstream.calls).toBe(1);
  });

  test("another audience's request for the same token does not join the flight, nor read its verdict", async () => {
    const upstream = new GatedUpstream();
    const verifier = new CachedVerifier(upstream, cache);
    const other: Audience = { clientIDs: new Set(['d']), appIDs: undefined, tag: 'tag-d' };
    const mine = verifier.verify(TOKEN, audience);
    const theirs = verifier.verify(TOKEN, other);
    expect(upstream.calls).toBe(2);
    upstream.answer(verified());
    await Promise.all([mine, theirs]);
    // A third audience misses even where the first two are cached; the first's verdict still hits.
    const third: Audience = { clientIDs: new Set(['e']), appIDs: undefined, tag: 'tag-e' };
    const later = verifier.verify(TOKEN, third);
    expect(upstream.calls).toBe(3);
    if (cache !== false) await verifier.verify(TOKEN, audience);
    expect(upstream.calls).toBe(3);
    upstream.answer(verified());
    await later;
  });
});
