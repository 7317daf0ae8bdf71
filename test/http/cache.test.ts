/**
 * The verification cache over HTTP against the emulator (docs/design.md, Cache and single flight):
 * what is kept, for how long, where, and what never is; `cache.ttl` and `cache.store` at work, and
 * the times derived from them: refusals kept min(10 s, ttl), each store call min(100 ms, timeout / 4),
 * the local layer in front of a store ceil(ttl / 10). The LRU bound (`cache.max`):
 * test/unit/cache/cached-verifier.test.ts; single flight: test/unit/cache/single-flight.test.ts;
 * each derivation on its own: test/unit/options.test.ts.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type request from 'supertest';
import { CHANNELS, type AmazonProfile, type CacheStore, type ChannelMessages, type VerifyFunction } from '../../lib';
import type { CacheEntry } from '../../lib/cache/entry';
import type { Fault, MintOptions } from '../../lib/testing';
import {
  acceptAll,
  expectNoSliceOf,
  getMe as get,
  OTHER_CLIENT_ID,
  recordEvents,
  useEmulator,
  type MeBody,
  type TestUser,
  useMovableClock,
} from '../support/fixture';

const lwa = useEmulator();
const calls = () => ({ ...lwa.emu.calls });

// The clock: real time plus an offset the tests move (the emulator and the strategy read Date.now).
const advance = useMovableClock();

type CacheEvent = ChannelMessages['cache'];
const events = recordEvents<CacheEvent>(CHANNELS.cache);
const types = () => events.map((e) => e.type);
/** Resolves once a cache event of `type` has been published in this test (a store write is not awaited by the request). */
const published = (type: CacheEvent['type']): Promise<void> =>
  new Promise((resolve) => {
    if (events.some((e) => e.type === type)) return resolve();
    const onEvent = (event: unknown): void => {
      if ((event as CacheEvent).type !== type) return;
      diagnostics_channel.unsubscribe(CHANNELS.cache, onEvent);
      resolve();
    };
    diagnostics_channel.subscribe(CHANNELS.cache, onEvent);
  });

describe('the in-memory cache (on by default)', () => {
  test('a token seen before costs no call to Amazon, and verify still runs on every request', async () => {
    const verify = jest.fn(acceptAll);
    const { app } = lwa.app({}, verify);
    const token = lwa.mint({ name: 'Ann' });
    const one = await get(app, token).expect(200);
    const two = await get(app, token).expect(200);
    expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });
    expect(verify).toHaveBeenCalledTimes(2);
    expect((two.body as MeBody).user).toEqual((one.body as MeBody).user);
    expect(types()).toEqual(['miss', 'hit']);
  });

  test('authInfo.tokenInfo.expiresIn is as of each request, not as of caching', async () => {
    const { app } = lwa.app();
    const token = lwa.mint({ expiresIn: 3600 });
    const first = ((await get(app, token).expect(200)).body as MeBody).authInfo.tokenInfo.expiresIn as number;
    advance(100_000);
    const later = ((await get(app, token).expect(200)).body as MeBody).authInfo.tokenInfo.expiresIn as number;
    expect(calls().tokeninfo).toBe(1);
    expect(first - later).toBeGreaterThanOrEqual(99);
    expect(first - later).toBeLessThanOrEqual(101);
  });

  test('a verified token is kept for `ttl`, then asked about again', async () => {
    const { app } = lwa.app({ cache: { ttl: 60_000 } });
    const token = lwa.mint();
    await get(app, token).expect(200);
    advance(59_000);
    await get(app, token).expect(200);
    expect(calls().tokeninfo).toBe(1);
    advance(2_000);
    await get(app, token).expect(200);
    expect(calls().tokeninfo).toBe(2);
  });

  test('never past the token’s own expiry, even within `ttl`', async () => {
    const { app } = lwa.app();
    const token = lwa.mint({ expiresIn: 30 });
    await get(app, token).expect(200);
    advance(31_000);
    const res = await get(app, token).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(calls().tokeninfo).toBe(2);
  });

  test('a revoked token is still accepted until its entry expires (the price of a cache: bound it with `ttl`)', async () => {
    const { app } = lwa.app({ cache: { ttl: 10_000 } });
    const token = lwa.mint();
    await get(app, token).expect(200);
    lwa.emu.revoke(token);
    await get(app, token).expect(200);
    advance(10_001);
    await get(app, token).expect(401);
  });

  test('cache: false asks Amazon on every request and publishes no cache event', async () => {
    const { app } = lwa.app({ cache: false });
    const token = lwa.mint();
    await get(app, token).expect(200);
    await get(app, token).expect(200);
    expect(calls()).toEqual({ tokeninfo: 2, profile: 2 });
    expect(events).toEqual([]);
  });

  test('the profile verify receives is deep-frozen, so no app can change what later requests see', async () => {
    const seen: AmazonProfile[] = [];
    const outcomes: string[] = [];
    const { app } = lwa.app({}, async (_token, profile) => {
      seen.push(profile);
      try {
        (profile as { displayName?: string }).displayName = 'Mallory';
        outcomes.push('mutated');
      } catch (err) {
        outcomes.push((err as Error).name);
      }
      return { id: profile.id, name: profile.displayName };
    });
    const token = lwa.mint({ name: 'Ann', email: 'ann@example.com' });
    await get(app, token).expect(200);
    const res = await get(app, token).expect(200);
    expect(outcomes).toEqual(['TypeError', 'TypeError']);
    expect((res.body as MeBody).user.name).toBe('Ann');
    for (const profile of seen) {
      expect(Object.isFrozen(profile)).toBe(true);
      expect(Object.isFrozen(profile._json)).toBe(true);
      expect(Object.isFrozen(profile.emails)).toBe(true);
      expect(Object.isFrozen(profile.emails?.[0])).toBe(true);
    }
  });
});

describe("Amazon's refusals are cached for min(10 s, `ttl`)", () => {
  test.each([
    ['an unknown or revoked token', () => lwa.mint({ expiresIn: 0 }), 401, 'invalid_token'],
    ['a token for another client', () => lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }), 401, 'invalid_token'],
    ['a token without the profile scope', () => lwa.mint({ scopes: [] }), 403, 'insufficient_scope'],
  ])('%s: the same answer again, without asking Amazon, for 10 s', async (_name, make, status, code) => {
    const { app } = lwa.app();
    const token = make();
    const first = await get(app, token).expect(status);
    const again = await get(app, token).expect(status);
    expect(again.headers['www-authenticate']).toBe(first.headers['www-authenticate']);
    expect(again.headers['www-authenticate']).toContain(`error="${code}"`);
    expect(calls().tokeninfo).toBe(1);
    expect(events).toContainEqual({ type: 'hit', verdict: 'refused' });
    advance(9_000); // the default ttl (5 minutes) keeps refusals the full 10 s
    await get(app, token).expect(status);
    expect(calls().tokeninfo).toBe(1);
    advance(1_001);
    await get(app, token).expect(status);
    expect(calls().tokeninfo).toBe(2);
  });

  test('a ttl under 10 s keeps refusals for ttl: never longer than a verified token', async () => {
    const { app } = lwa.app({ cache: { ttl: 5_000 } });
    const refused = lwa.mint({ expiresIn: 0 });
    const verified = lwa.mint();
    for (const [token, status] of [
      [refused, 401],
      [verified, 200],
    ] as const) {
      lwa.emu.resetCalls();
      await get(app, token).expect(status);
      advance(4_000);
      await get(app, token).expect(status);
      expect(calls().tokeninfo).toBe(1);
      advance(1_001);
      await get(app, token).expect(status);
      expect(calls().tokeninfo).toBe(2);
    }
  });

  test('a refusal by the app’s verify is not cached: verify decides on every request', async () => {
    let allow = false;
    const { app } = lwa.app({}, async (_t, profile) => (allow ? { id: profile.id } : false));
    const token = lwa.mint();
    await get(app, token).expect(401);
    allow = true;
    await get(app, token).expect(200);
    expect(calls().tokeninfo).toBe(1);
  });
});

describe('outages are never cached', () => {
  test.each<[string, Fault, number]>([
    ['a 5xx', { kind: 'status', status: 503 }, 502],
    ['a 429', { kind: 'rate-limit' }, 503],
    ['malformed JSON', { kind: 'malformed-json' }, 502],
    ['no answer within timeout', { kind: 'hang' }, 504],
  ])('%s: the next request asks Amazon again and succeeds', async (_name, fault, status) => {
    const { app, strategy } = lwa.app({ timeout: 300 });
    const token = lwa.mint();
    lwa.emu.fault('both', fault);
    await get(app, token).expect(status);
    const during = calls().tokeninfo;
    lwa.emu.clearFaults();
    await get(app, token).expect(200);
    expect(calls().tokeninfo).toBe(during + 1);
    await strategy.close();
  });
});

/** A verdict's key: a prefix, the audience's tag, the token's SHA-256 (never the token). */
const VERDICT_KEY = /^lwa:v1:[\w-]{12}:[\w-]{43}$/;
const isVerdictKey = (key: string) => VERDICT_KEY.test(key);
/** What a verdict entry says (a lease or a revocation says none). */
const verdictOf = (value: CacheEntry | undefined) =>
  value !== undefined && 'verdict' in value ? value.verdict : undefined;

/** A Keyv-shaped store over a Map that records calls; honours ttl unless told not to. */
class RecordingStore implements CacheStore {
  readonly map = new Map<string, { value: unknown; expires: number }>();
  readonly log: Array<{ op: 'get' | 'set' | 'delete'; key: string; value?: CacheEntry; ttlMs?: number }> = [];
  constructor(private readonly honourTtl = true) {}
  async get(key: string): Promise<unknown> {
    this.log.push({ op: 'get', key });
    const entry = this.map.get(key);
    if (!entry || (this.honourTtl && entry.expires <= Date.now())) return undefined;
    return JSON.parse(JSON.stringify(entry.value)) as unknown; // as a networked store would: a copy, through JSON
  }
  async set(key: string, value: CacheEntry, ttlMs: number): Promise<boolean> {
    this.log.push({ op: 'set', key, value, ttlMs });
    this.map.set(key, { value: JSON.parse(JSON.stringify(value)) as unknown, expires: Date.now() + ttlMs });
    return true;
  }
  async delete(key: string): Promise<boolean> {
    this.log.push({ op: 'delete', key });
    return this.map.delete(key);
  }
  /**
   * The calls on verdict keys. A verification also reads the token's revocation
   * (`lwa:v1:revoked:<digest>`) and takes a lease (`<verdict key>:lease`) so that processes sharing
   * the store ask Amazon once between them: test/redis covers those.
   */
  ops(op: 'get' | 'set' | 'delete') {
    return this.log.filter((l) => l.op === op && isVerdictKey(l.key));
  }
}

describe('a store of the app’s (Keyv’s shape)', () => {
  const capture = () => {
    const seen: AmazonProfile[] = [];
    const verify: VerifyFunction<TestUser> = async (_t, profile) => {
      seen.push(profile);
      return { id: profile.id };
    };
    return { seen, verify };
  };

  test.each<[string, Partial<MintOptions>]>([
    [
      'profile + postal_code',
      { scopes: ['profile', 'postal_code'], name: 'Ann', email: 'ann@example.com', postalCode: '98052' },
    ],
    ['profile:user_id only', { scopes: ['profile:user_id'] }],
    ['the older Profile shape', { legacyProfileShape: true, name: 'Bo', email: 'bo@example.com' }],
  ])(
    'two strategies sharing it: the second asks Amazon nothing and gets the same profile (%s)',
    async (_name, extra) => {
      const store = new RecordingStore();
      const a = capture();
      const b = capture();
      const one = lwa.app({ cache: store }, a.verify);
      const two = lwa.app({ cache: { store } }, b.verify);
      const token = lwa.mint(extra);
      const first = await get(one.app, token).expect(200);
      const second = await get(two.app, token).expect(200);
      expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });
      expect(b.seen[0]).toEqual(a.seen[0]);
      expect(b.seen[0]).not.toBe(a.seen[0]);
      expect(Object.keys(b.seen[0]).sort()).toEqual(Object.keys(a.seen[0]).sort());
      expect(Object.isFrozen(b.seen[0]._json)).toBe(true);
      // All but expiresIn, which counts down between the two requests.
      const info = (res: request.Response) => ({ ...(res.body as MeBody).authInfo.tokenInfo, expiresIn: undefined });
      expect(info(second)).toEqual(info(first));
    },
  );

  test('keys are prefixed hashes and values plain JSON: no token in either', async () => {
    const store = new RecordingStore();
    const { app } = lwa.app({ cache: { store } });
    const tokens = [lwa.mint(), lwa.mint({ expiresIn: 0 })];
    await get(app, tokens[0]).expect(200);
    await get(app, tokens[1]).expect(401);
    expect(store.ops('set')).toHaveLength(2);
    // Every key the store saw, leases and revocations included.
    expect(store.log.length).toBeGreaterThan(store.ops('set').length);
    for (const { key, value } of store.log) {
      expect(key).toMatch(/^lwa:v1:(?:[\w-]{12}:[\w-]{43}(?::lease)?|revoked:[\w-]{43})$/);
      expect(JSON.parse(JSON.stringify(value ?? null))).toEqual(value ?? null);
      expectNoSliceOf(tokens, [key, value]);
    }
    expect(store.ops('set').map((s) => verdictOf(s.value))).toEqual(['verified', 'refused']);
  });

  test('ttlMs is the earlier of the token’s remaining life and `ttl`; refusals get min(10 s, `ttl`)', async () => {
    const store = new RecordingStore();
    // staleIfError 0: the store is asked to keep an entry only as long as it is fresh.
    const { app } = lwa.app({ cache: { store, ttl: 60_000, staleIfError: 0 } });
    await get(app, lwa.mint({ expiresIn: 3600 })).expect(200);
    await get(app, lwa.mint({ expiresIn: 20 })).expect(200);
    await get(app, lwa.mint({ expiresIn: 0 })).expect(401);
    const [long, short, refused] = store.ops('set').map((s) => s.ttlMs!);
    expect(long).toBe(60_000);
    expect(short).toBeGreaterThan(18_000);
    expect(short).toBeLessThanOrEqual(20_000);
    expect(refused).toBe(10_000);

    // A ttl under 10 s: refusals get the ttl too.
    const shortStore = new RecordingStore();
    const brief = lwa.app({ cache: { store: shortStore, ttl: 5_000, staleIfError: 0 } });
    await get(brief.app, lwa.mint({ expiresIn: 3600 })).expect(200);
    await get(brief.app, lwa.mint({ expiresIn: 0 })).expect(401);
    expect(shortStore.ops('set').map((s) => [verdictOf(s.value), s.ttlMs])).toEqual([
      ['verified', 5_000],
      ['refused', 5_000],
    ]);
  });

  test('strategies with other client IDs never read each other’s verdicts', async () => {
    const store = new RecordingStore();
    const ours = lwa.app({ cache: { store } });
    const theirs = lwa.app({ clientID: 'amzn1.application-oa2-client.theirs', cache: { store } });
    const token = lwa.mint();
    await get(ours.app, token).expect(200);
    const res = await get(theirs.app, token).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(calls().tokeninfo).toBe(2);
  });

  test('an entry past its time (a store that ignores ttl) is not used, and is deleted', async () => {
    const store = new RecordingStore(false);
    // staleIfError 0: past `ttl` the entry is past all use (with it, it would be kept as a fallback).
    const { app } = lwa.app({ cache: { store, ttl: 5_000, staleIfError: 0 } });
    const token = lwa.mint();
    await get(app, token).expect(200);
    advance(6_000);
    await get(app, token).expect(200);
    expect(calls().tokeninfo).toBe(2);
    expect(store.ops('delete')).toHaveLength(1);
  });

  test.each([
    ['a string', 'garbage'],
    ['another version', { v: 2, until: Number.MAX_SAFE_INTEGER }],
    ['a profile for another customer', 'swap'],
    ['an unknown refusal reason', { v: 1, until: Number.MAX_SAFE_INTEGER, verdict: 'refused', reason: 'user_refused' }],
  ])('an entry it cannot read (%s) is a miss, and is deleted', async (_name, bad) => {
    const store = new RecordingStore();
    // ttl 10 s: the local layer keeps a verdict ceil(ttl / 10) = 1 s; past that the next request
    // reads the store, whose entry is still fresh (else the local layer would answer the second).
    const { app } = lwa.app({ cache: { store, ttl: 10_000 } });
    const token = lwa.mint();
    await get(app, token).expect(200);
    advance(1_001);
    const [{ key, value }] = store.ops('set');
    const replacement =
      bad === 'swap' && verdictOf(value) === 'verified'
        ? { ...value, profileRaw: JSON.stringify({ user_id: 'amzn1.account.OTHER' }) }
        : bad;
    store.map.set(key, { value: replacement, expires: Number.MAX_SAFE_INTEGER });
    await get(app, token).expect(200);
    expect(calls().tokeninfo).toBe(2);
    expect(store.ops('delete').map((d) => d.key)).toEqual([key]);
  });

  describe('a failing store degrades to no cache, never to a failed request', () => {
    const failing = (mode: 'throws' | 'rejects' | 'hangs', op: 'get' | 'set'): CacheStore & { calls: number } => {
      const store = new RecordingStore();
      const fail = () => {
        failingStore.calls += 1;
        if (mode === 'throws') throw new Error('redis://user:secret@host is down');
        if (mode === 'rejects') return Promise.reject(new Error('redis://user:secret@host is down'));
        return new Promise<never>(() => undefined);
      };
      const failingStore = {
        calls: 0,
        get: (key: string) => (op === 'get' ? fail() : store.get(key)),
        set: (key: string, value: CacheEntry, ttl: number) => (op === 'set' ? fail() : store.set(key, value, ttl)),
        delete: (key: string) => store.delete(key),
      };
      return failingStore;
    };

    test.each([
      ['throws', 'get', 'error'],
      ['rejects', 'get', 'error'],
      ['hangs', 'get', 'timeout'],
      ['throws', 'set', 'error'],
      ['rejects', 'set', 'error'],
      ['hangs', 'set', 'timeout'],
    ] as const)('a store whose %s %s: 200 through Amazon, and a store-error event', async (mode, op, reason) => {
      const store = failing(mode, op);
      // A hanging call is cut off after min(100 ms, timeout / 4): 100 ms with the fixture's 2000.
      const { app } = lwa.app({ cache: { store } });
      const token = lwa.mint();
      await get(app, token).expect(200);
      expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });
      await published('store-error'); // the write is not awaited by the request
      // One event per call that failed: a verification reads a few keys at once (its verdict, its
      // revocation, its lease), and those already under way when the first fails fail too.
      const errors = events.filter((e) => e.type === 'store-error');
      expect(errors.length).toBeGreaterThanOrEqual(1);
      for (const error of errors) {
        expect(error).toEqual({ type: 'store-error', operation: op, reason, durationMs: expect.any(Number) });
      }
      expect(JSON.stringify(events)).not.toMatch(/secret|redis:|lwa:/);
    });

    test('after a failure the store is left alone for 5 s, then tried again', async () => {
      const store = failing('rejects', 'get');
      const { app } = lwa.app({ cache: { store } });
      await get(app, lwa.mint()).expect(200);
      const first = store.calls; // the reads the first verification made at once
      expect(first).toBeGreaterThanOrEqual(1);
      const errors = types().filter((t) => t === 'store-error').length;
      await get(app, lwa.mint()).expect(200);
      await get(app, lwa.mint()).expect(200);
      expect(store.calls).toBe(first);
      expect(types().filter((t) => t === 'store-error')).toHaveLength(errors);
      advance(5_001);
      await get(app, lwa.mint()).expect(200);
      expect(store.calls).toBeGreaterThan(first);
    });
  });
});

describe('cache events', () => {
  test('carry no token, no key and no profile data', async () => {
    const { app } = lwa.app();
    const token = lwa.mint({ name: 'Zebediah Quux', email: 'zq@example.com' });
    const other = lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID });
    for (const t of [token, token, other, other]) await get(app, t);
    expect(events).toEqual([
      { type: 'miss' },
      { type: 'hit', verdict: 'verified' },
      { type: 'miss' },
      { type: 'hit', verdict: 'refused' },
    ]);
    expectNoSliceOf(token, events);
    expect(JSON.stringify(events)).not.toMatch(/lwa:|Zebediah|zq@|amzn1/);
  });
});
