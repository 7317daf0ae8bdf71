/**
 * Every check of the constructor's options, the `cache` settings included, in one place: a bad or
 * unknown option is a TypeError naming it (docs/design.md, Outcomes: "Unknown option names throw").
 * What each option does is tested where it acts; test/README.md maps each option to its tests.
 */
import { Strategy, type CacheStore } from '../../lib';
import { resolveOptions } from '../../lib/options';
import { VERSION } from '../../lib/version';

const verify = () => undefined;
const make = (options: unknown) => () => new Strategy(options as { clientID: string }, verify);

describe('constructor options', () => {
  test('the default name is amazon-token', () => {
    expect(new Strategy({ clientID: 'c' }, verify).name).toBe('amazon-token');
  });

  test.each([
    ['no options', undefined, 'options'],
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
    ['empty field name', { clientID: 'c', accessTokenField: '' }, 'accessTokenField'],
    ['non-function extractToken', { clientID: 'c', extractToken: 'x' }, 'extractToken'],
    ['non-boolean passReqToCallback', { clientID: 'c', passReqToCallback: 'yes' }, 'passReqToCallback'],
    ['realm with a quote', { clientID: 'c', realm: 'a"b' }, 'realm'],
    ['realm with a backslash', { clientID: 'c', realm: 'a\\b' }, 'realm'],
    ['realm with CR/LF', { clientID: 'c', realm: 'a\r\nb' }, 'realm'],
    ['zero timeout', { clientID: 'c', timeout: 0 }, 'timeout'],
    ['fractional timeout', { clientID: 'c', timeout: 1.5 }, 'timeout'],
    ['negative retries', { clientID: 'c', retries: -1 }, 'retries'],
    ['fractional retries', { clientID: 'c', retries: 1.5 }, 'retries'],
    ['retries over 10', { clientID: 'c', retries: 11 }, 'retries'],
    ['retries as a string', { clientID: 'c', retries: '1' }, 'retries'],
    ['retries NaN', { clientID: 'c', retries: NaN }, 'retries'],
    ['not a dispatcher', { clientID: 'c', dispatcher: {} }, 'dispatcher'],
    ['a typo: clientID', { clientID: 'c', clientID: 'c' }, 'clientID'],
    ['a typo: appID', { clientID: 'c', appID: 'a' }, 'appID'],
  ])('%s throws a TypeError naming it', (_name, options, option) => {
    expect(make(options)).toThrow(TypeError);
    expect(make(options)).toThrow(`\`${option}\``);
  });

  test('verify must be a function', () => {
    expect(() => new Strategy({ clientID: 'c' }, undefined as unknown as typeof verify)).toThrow(/verify/);
  });

  test('accepts every documented option', () => {
    expect(
      make({
        clientID: ['a', 'b'],
        appID: 'app',
        region: 'EU',
        tokenSources: ['authorization', 'query'],
        accessTokenField: 'token',
        extractToken: () => undefined,
        passReqToCallback: false,
        realm: 'My API',
        timeout: 1000,
      }),
    ).not.toThrow();
  });

  test('clientID and appID accept a function of the request, sync or async (its result is checked per request)', () => {
    expect(make({ clientID: () => 'c' })).not.toThrow();
    expect(make({ clientID: async () => ['a', 'b'], appID: () => 'app' })).not.toThrow();
    expect(make({ clientID: 'c', appID: async () => [] })).not.toThrow();
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
  });

  test.each([0, 10])('retries %i is accepted', (retries) => {
    expect(make({ clientID: 'c', retries })).not.toThrow();
  });

  test('the User-Agent version follows package.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(VERSION).toBe((require('../../package.json') as { version: string }).version);
  });
});

describe('the `cache` option', () => {
  const store: CacheStore = { get: async () => undefined, set: async () => true, delete: async () => true };

  test.each([
    ['a string', 'yes', 'cache'],
    ['a number', 1, 'cache'],
    ['an unknown setting', { maxEntries: 5 }, 'cache.maxEntries'],
    ['max 0', { max: 0 }, 'cache.max'],
    ['fractional max', { max: 1.5 }, 'cache.max'],
    ['ttl 0', { ttl: 0 }, 'cache.ttl'],
    ['negative refusalTtl', { refusalTtl: -1 }, 'cache.refusalTtl'],
    ['a store without delete', { store: { get: store.get, set: store.set } }, 'cache.store'],
    ['storeTimeout 0', { store, storeTimeout: 0 }, 'cache.storeTimeout'],
  ])('%s throws a TypeError naming it', (_name, cache, option) => {
    expect(make({ clientID: 'c', cache })).toThrow(TypeError);
    expect(make({ clientID: 'c', cache })).toThrow(`\`${option}\``);
  });

  test.each([
    ['false', false],
    ['true', true],
    ['settings', { max: 1, ttl: 1, refusalTtl: 0 }],
    ['a store', store],
    ['a store with settings', { store, ttl: 60_000, refusalTtl: 0, storeTimeout: 20 }],
    ['max with a store (it bounds the local layer)', { store, max: 10 }],
  ])('accepts %s', (_name, cache) => {
    expect(make({ clientID: 'c', cache })).not.toThrow();
  });
});

describe('regions', () => {
  // Which host each region talks to is seen on the wire: test/http/talking-to-amazon.test.ts.
  test('NA is the default, and URL options override the region', () => {
    expect(resolveOptions({ clientID: 'c' }).tokenInfoURL).toBe('https://api.amazon.com/auth/o2/tokeninfo');
    const o = resolveOptions({
      clientID: 'c',
      region: 'EU',
      tokenInfoURL: 'http://127.0.0.1:1/ti',
      profileURL: 'http://127.0.0.1:1/p',
    });
    expect([o.tokenInfoURL, o.profileURL]).toEqual(['http://127.0.0.1:1/ti', 'http://127.0.0.1:1/p']);
  });
});
