import { Strategy } from '../lib';
import { resolveOptions } from '../lib/options';
import { VERSION } from '../lib/version';

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
    ['not a dispatcher', { clientID: 'c', dispatcher: {} }, 'dispatcher'],
    ['a typo: clientId', { clientID: 'c', clientId: 'c' }, 'clientId'],
    ['a typo: appId', { clientID: 'c', appId: 'a' }, 'appId'],
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

  test('the User-Agent version follows package.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(VERSION).toBe((require('../package.json') as { version: string }).version);
  });
});

describe('regions', () => {
  test.each([
    ['NA', 'https://api.amazon.com'],
    ['EU', 'https://api.amazon.co.uk'],
    ['FE', 'https://api.amazon.co.jp'],
  ])('%s talks to %s', (region, host) => {
    const o = resolveOptions({ clientID: 'c', region });
    expect(o.tokenInfoURL).toBe(`${host}/auth/o2/tokeninfo`);
    expect(o.profileURL).toBe(`${host}/user/profile`);
  });

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
