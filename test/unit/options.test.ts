/**
 * Every check of the constructor's options, the `cache` and `circuitBreaker` settings included, in
 * one place: a bad or unknown option is a TypeError naming it (docs/design.md, Outcomes: "Unknown
 * option names throw"), a removed one says what replaced it, and every numeric option has a bound.
 * `new LwaVerifier` and `new Strategy` run the same checks. What each option does is tested where it
 * acts; test/README.md maps each option to its tests.
 */
import { LwaVerifier, Strategy, type CacheStore } from '../../lib';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_CACHE_ENTRIES,
  MAX_CACHE_TTL_MS,
  MAX_CIRCUIT_THRESHOLD,
  MAX_COOLDOWN_MS,
  MAX_STORE_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  REFUSAL_TTL_MS,
} from '../../lib/defaults';
import { resolveOptions } from '../../lib/options';
import { VERSION } from '../../lib/version';

const verify = () => undefined;
/** Closes what a constructor built, at once: it would connect to Amazon once the test's code has run. */
const keep = <T extends { close(): Promise<void> }>(made: T): T => (void made.close(), made);
const viaStrategy = (options: unknown) => () => keep(new Strategy(options as { clientID: string }, verify));
const viaVerifier = (options: unknown) => () => keep(new LwaVerifier(options as { clientID: string }));
const make = viaStrategy;

/** Both public constructors: every check below must hold for each. */
const CONSTRUCTORS = [
  ['new Strategy', viaStrategy],
  ['new LwaVerifier', viaVerifier],
] as const;

/** The options every constructor here shares, so that a case names only what it is about. */
const store: CacheStore = { get: async () => undefined, set: async () => true, delete: async () => true };

describe('constructor options', () => {
  test('the default name is amazon-token', () => {
    expect(keep(new Strategy({ clientID: 'c' }, verify)).name).toBe('amazon-token');
  });

  describe.each(CONSTRUCTORS)('%s', (_ctor, build) => {
    test.each([
      ['no options', undefined, 'options'],
      ['null options', null, 'options'],
      ['options as a string', 'amzn1.application-oa2-client.x', 'options'],
      ['no clientID', {}, 'clientID'],
      ['empty clientID', { clientID: '' }, 'clientID'],
      ['empty clientID list', { clientID: [] }, 'clientID'],
      ['non-string clientID', { clientID: [1] }, 'clientID'],
      ['clientID with spaces around', { clientID: ' c ' }, 'clientID'],
      ['empty appID', { clientID: 'c', appID: '' }, 'appID'],
      ['unknown region', { clientID: 'c', region: 'US' }, 'region'],
      ['bad tokenInfoURL', { clientID: 'c', tokenInfoURL: 'not a url' }, 'tokenInfoURL'],
      ['ftp profileURL', { clientID: 'c', profileURL: 'ftp://x/y' }, 'profileURL'],
      ['URL with credentials', { clientID: 'c', profileURL: 'https://u:p@x/y' }, 'profileURL'],
      ['unknown source', { clientID: 'c', tokenSources: ['cookie'] }, 'tokenSources'],
      ['no sources and no extractToken', { clientID: 'c', tokenSources: [] }, 'tokenSources'],
      ['non-function extractToken', { clientID: 'c', extractToken: 'x' }, 'extractToken'],
      ['zero timeout', { clientID: 'c', timeout: 0 }, 'timeout'],
      ['fractional timeout', { clientID: 'c', timeout: 1.5 }, 'timeout'],
      ['timeout as a string', { clientID: 'c', timeout: '1000' }, 'timeout'],
      ['timeout NaN', { clientID: 'c', timeout: NaN }, 'timeout'],
      ['not a dispatcher', { clientID: 'c', dispatcher: {} }, 'dispatcher'],
      ['circuitBreaker as a string', { clientID: 'c', circuitBreaker: 'on' }, 'circuitBreaker'],
      ['cache as a string', { clientID: 'c', cache: 'yes' }, 'cache'],
      ['a typo: clientId', { clientID: 'c', clientId: 'c' }, 'clientId'],
      ['a typo: appId', { clientID: 'c', appId: 'a' }, 'appId'],
    ])('%s throws a TypeError naming it', (_name, options, option) => {
      expect(build(options)).toThrow(TypeError);
      expect(build(options)).toThrow(`\`${option}\``);
    });
  });

  test('passReqToCallback must be a boolean (Strategy)', () => {
    expect(make({ clientID: 'c', passReqToCallback: 'yes' })).toThrow(TypeError);
    expect(make({ clientID: 'c', passReqToCallback: 'yes' })).toThrow('`passReqToCallback`');
  });

  test('passReqToCallback is a Strategy option: LwaVerifier has no callback and refuses it', () => {
    expect(viaVerifier({ clientID: 'c', passReqToCallback: true })).toThrow(TypeError);
    expect(viaVerifier({ clientID: 'c', passReqToCallback: true })).toThrow('`passReqToCallback`');
  });

  test('verify must be a function', () => {
    expect(() => new Strategy({ clientID: 'c' }, undefined as unknown as typeof verify)).toThrow(/verify/);
  });

  test.each(CONSTRUCTORS)('%s accepts every documented option', (_ctor, build) => {
    expect(
      build({
        clientID: ['a', 'b'],
        appID: 'app',
        region: 'EU',
        tokenInfoURL: 'https://lwa-proxy.internal/auth/o2/tokeninfo',
        profileURL: 'https://lwa-proxy.internal/user/profile',
        tokenSources: ['authorization', 'query'],
        extractToken: () => undefined,
        timeout: 1000,
        circuitBreaker: { threshold: 3, cooldown: 5000 },
        cache: { max: 100, ttl: 60_000, staleIfError: 0, store },
      }),
    ).not.toThrow();
    expect(make({ clientID: 'c', passReqToCallback: false })).not.toThrow();
    expect(make({ clientID: 'c', passReqToCallback: true })).not.toThrow();
  });

  test('clientID and appID accept a function of the request, sync or async (its result is checked per request)', () => {
    expect(make({ clientID: () => 'c' })).not.toThrow();
    expect(make({ clientID: async () => ['a', 'b'], appID: () => 'app' })).not.toThrow();
    expect(make({ clientID: 'c', appID: async () => [] })).not.toThrow();
    expect(viaVerifier({ clientID: () => 'c', appID: async () => ['app'] })).not.toThrow();
    const rules = resolveOptions({ clientID: ['a', 'b'], appID: 'app' });
    expect(rules.clientID).toEqual(new Set(['a', 'b']));
    expect(rules.appID).toEqual(new Set(['app']));
  });

  test.each([
    ['an object', { clientID: { id: 'c' } }],
    ['a number', { clientID: 42 }],
    ['null', { clientID: null }],
  ])('clientID as %s is still refused, naming a function as an option', (_name, options) => {
    expect(make(options)).toThrow(/`clientID` must be .*or a function of the request/);
    expect(viaVerifier(options)).toThrow(/`clientID` must be .*or a function of the request/);
  });

  test('the User-Agent version follows package.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(VERSION).toBe((require('../../package.json') as { version: string }).version);
  });
});

describe('numeric bounds: the max is accepted, one more is a TypeError naming the option and the bound', () => {
  /** Each numeric option: where it goes in the options, its least and its most accepted value. */
  const BOUNDS: Array<[name: string, at: (n: number) => Record<string, unknown>, min: number, max: number]> = [
    ['timeout', (n) => ({ timeout: n }), 1, MAX_TIMEOUT_MS],
    ['cache.max', (n) => ({ cache: { max: n } }), 1, MAX_CACHE_ENTRIES],
    ['cache.ttl', (n) => ({ cache: { ttl: n } }), 1, MAX_CACHE_TTL_MS],
    ['cache.staleIfError', (n) => ({ cache: { staleIfError: n } }), 0, MAX_CACHE_TTL_MS],
    ['circuitBreaker.threshold', (n) => ({ circuitBreaker: { threshold: n } }), 1, MAX_CIRCUIT_THRESHOLD],
    ['circuitBreaker.cooldown', (n) => ({ circuitBreaker: { cooldown: n } }), 1, MAX_COOLDOWN_MS],
  ];

  test('the bounds are the documented ones', () => {
    expect(BOUNDS.map(([name, , , max]) => [name, max])).toEqual([
      ['timeout', 60000],
      ['cache.max', 90000],
      ['cache.ttl', 3600000],
      ['cache.staleIfError', 3600000],
      ['circuitBreaker.threshold', 1000],
      ['circuitBreaker.cooldown', 3600000],
    ]);
  });

  describe.each(CONSTRUCTORS)('%s', (_ctor, build) => {
    test.each(BOUNDS)('%s', (name, at, min, max) => {
      expect(build({ clientID: 'c', ...at(max) })).not.toThrow();
      expect(build({ clientID: 'c', ...at(min) })).not.toThrow();
      for (const bad of [max + 1, min - 1]) {
        const attempt = build({ clientID: 'c', ...at(bad) });
        expect(attempt).toThrow(TypeError);
        expect(attempt).toThrow(`option \`${name}\` must be a whole number`);
        expect(attempt).toThrow(` from ${min} to ${max}`);
      }
    });
  });

  test('the value at the bound is the value used', () => {
    const o = resolveOptions({
      clientID: 'c',
      timeout: MAX_TIMEOUT_MS,
      circuitBreaker: { threshold: MAX_CIRCUIT_THRESHOLD, cooldown: MAX_COOLDOWN_MS },
      cache: { max: MAX_CACHE_ENTRIES, ttl: MAX_CACHE_TTL_MS, staleIfError: MAX_CACHE_TTL_MS },
    });
    expect(o.timeout).toBe(60000);
    expect(o.circuitBreaker).toEqual({ threshold: 1000, cooldown: 3600000 });
    expect(o.cache).toMatchObject({ max: 90000, ttl: 3600000, staleIfError: 3600000 });
  });
});

describe('an unknown name is refused with the nearest known one', () => {
  describe.each(CONSTRUCTORS)('%s', (_ctor, build) => {
    test.each([
      [{ clientID: 'c', appId: 'a' }, 'appId', 'appID'],
      [{ clientId: 'c' }, 'clientId', 'clientID'],
      [{ clientID: 'c', cache: { tll: 1 } }, 'cache.tll', 'cache.ttl'],
      [{ clientID: 'c', circuitBreaker: { treshold: 3 } }, 'circuitBreaker.treshold', 'circuitBreaker.threshold'],
      [{ clientID: 'c', tokenSource: ['query'] }, 'tokenSource', 'tokenSources'],
      [{ clientID: 'c', timeOut: 100 }, 'timeOut', 'timeout'],
    ])('%p', (options, given, meant) => {
      const attempt = build(options);
      expect(attempt).toThrow(TypeError);
      expect(attempt).toThrow(`unknown option \`${given}\`; did you mean \`${meant}\`?`);
    });

    test('a name like no known one gets no guess', () => {
      const attempt = build({ clientID: 'c', frobnicate: true });
      expect(attempt).toThrow('unknown option `frobnicate`');
      expect(attempt).not.toThrow('did you mean');
    });
  });
});

describe('a removed option says it was removed, and what replaced it', () => {
  describe.each(CONSTRUCTORS)('%s', (_ctor, build) => {
    test.each([
      ['tokenInfoTransport', { tokenInfoTransport: 'header' }, /x-amz-access-token/],
      ['accessTokenField', { accessTokenField: 'token' }, /access_token/],
      ['retries', { retries: 2 }, /one retry/],
      ['realm', { realm: 'My API' }, /"Users"/],
      ['maxPending', { maxPending: 10 }, /within `timeout`/],
      ['cache.storeTimeout', { cache: { storeTimeout: 20 } }, /100 ms/],
      ['cache.localTtl', { cache: { localTtl: 1000 } }, /a tenth of `cache.ttl`/],
      ['cache.refusalTtl', { cache: { refusalTtl: 0 } }, /10 seconds/],
    ])('%s', (name, options, replacement) => {
      const attempt = build({ clientID: 'c', ...options });
      expect(attempt).toThrow(TypeError);
      expect(attempt).toThrow(`option \`${name}\` was removed: `);
      expect(attempt).toThrow(replacement);
    });
  });
});

describe('the `cache` option', () => {
  test.each([
    ['a string', 'yes', 'cache'],
    ['a number', 1, 'cache'],
    ['an array', [], 'cache'],
    ['an unknown setting', { maxEntries: 5 }, 'cache.maxEntries'],
    ['max 0', { max: 0 }, 'cache.max'],
    ['fractional max', { max: 1.5 }, 'cache.max'],
    ['ttl 0', { ttl: 0 }, 'cache.ttl'],
    ['negative staleIfError', { staleIfError: -1 }, 'cache.staleIfError'],
    ['a store without delete', { store: { get: store.get, set: store.set } }, 'cache.store'],
  ])('%s throws a TypeError naming it', (_name, cache, option) => {
    expect(make({ clientID: 'c', cache })).toThrow(TypeError);
    expect(make({ clientID: 'c', cache })).toThrow(`\`${option}\``);
  });

  test.each([
    ['false', false],
    ['true', true],
    ['settings', { max: 1, ttl: 1, staleIfError: 0 }],
    ['a store', store],
    ['a store with settings', { store, ttl: 60_000, staleIfError: 0 }],
    ['max with a store (it bounds the local layer)', { store, max: 10 }],
  ])('accepts %s', (_name, cache) => {
    expect(make({ clientID: 'c', cache })).not.toThrow();
  });

  const settings = (cache: unknown, timeout?: number) => {
    const resolved = resolveOptions({ clientID: 'c', cache, timeout }).cache;
    if (resolved === false) throw new Error('the cache is on');
    return resolved;
  };

  test('false turns it off', () => {
    expect(resolveOptions({ clientID: 'c', cache: false }).cache).toBe(false);
  });

  test('the defaults: 10000 entries, 5 minutes, 15 minutes stale', () => {
    expect(settings(undefined)).toMatchObject({ max: 10_000, ttl: 300_000, staleIfError: 900_000 });
    expect(settings(true)).toMatchObject({ max: 10_000, ttl: 300_000, staleIfError: 900_000, store: undefined });
    expect(settings(store)).toMatchObject({ max: 10_000, ttl: 300_000, store });
  });

  // The three times the removed options set are derived now: these pin each derivation.
  test.each([
    [1, 1],
    [5_000, 5_000],
    [REFUSAL_TTL_MS, 10_000],
    [REFUSAL_TTL_MS + 1, 10_000],
    [300_000, 10_000],
  ])('refusals are kept min(10000, ttl): ttl %i → %i', (ttl, refusalTtl) => {
    expect(settings({ ttl }).refusalTtl).toBe(refusalTtl);
  });

  test.each([
    [1, 1],
    [10, 1],
    [11, 2],
    [15, 2],
    [1_000, 100],
    [300_000, 30_000],
    [MAX_CACHE_TTL_MS, 360_000],
  ])('the local layer keeps a verdict ceil(ttl / 10): ttl %i → %i', (ttl, localTtl) => {
    expect(settings({ store, ttl }).localTtl).toBe(localTtl);
  });

  test.each([
    [DEFAULT_TIMEOUT_MS, 100],
    [MAX_TIMEOUT_MS, MAX_STORE_TIMEOUT_MS],
    [400, 100],
    [200, 50],
    [7, 1],
    [1, 1],
  ])('each store call may take min(100, timeout / 4), at least 1: timeout %i → %i', (timeout, storeTimeout) => {
    expect(settings({ store }, timeout).storeTimeout).toBe(storeTimeout);
  });
});

describe('the `circuitBreaker` option', () => {
  test('on by default, { threshold: 5, cooldown: 10000 }; false turns it off; missing settings are defaults', () => {
    expect(resolveOptions({ clientID: 'c' }).circuitBreaker).toEqual({ threshold: 5, cooldown: 10_000 });
    expect(resolveOptions({ clientID: 'c', circuitBreaker: true }).circuitBreaker).toEqual({
      threshold: 5,
      cooldown: 10_000,
    });
    expect(resolveOptions({ clientID: 'c', circuitBreaker: false }).circuitBreaker).toBe(false);
    expect(resolveOptions({ clientID: 'c', circuitBreaker: { threshold: 2 } }).circuitBreaker).toEqual({
      threshold: 2,
      cooldown: 10_000,
    });
  });
});

describe('regions', () => {
  // Which host each region talks to is seen on the wire: test/http/talking-to-amazon.test.ts.
  test('NA is the default, and URL options override the region', () => {
    expect(resolveOptions({ clientID: 'c' }).tokenInfoURL).toBe('https://api.amazon.com/auth/o2/tokeninfo');
    expect(resolveOptions({ clientID: 'c', region: 'EU' }).profileURL).toBe('https://api.amazon.co.uk/user/profile');
    expect(resolveOptions({ clientID: 'c', region: 'FE' }).tokenInfoURL).toBe(
      'https://api.amazon.co.jp/auth/o2/tokeninfo',
    );
    const o = resolveOptions({
      clientID: 'c',
      region: 'EU',
      tokenInfoURL: 'http://127.0.0.1:1/ti',
      profileURL: 'http://127.0.0.1:1/p',
    });
    expect([o.tokenInfoURL, o.profileURL]).toEqual(['http://127.0.0.1:1/ti', 'http://127.0.0.1:1/p']);
  });
});
