import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import { ALL_TOKEN_SOURCES, type TokenSource } from './extract';

/** Login with Amazon regions and their API hosts. */
export type LwaRegion = 'NA' | 'EU' | 'FE';

export const REGION_HOSTS: Readonly<Record<LwaRegion, string>> = Object.freeze({
  NA: 'https://api.amazon.com',
  EU: 'https://api.amazon.co.uk',
  FE: 'https://api.amazon.co.jp',
});

/** Options shared by both verify shapes. Only `clientID` is required. */
export interface StrategyOptionsBase<TRequest = IncomingMessage> {
  /** Your LWA security profile's client ID(s): tokeninfo `aud` must equal one of them. */
  clientID: string | readonly string[];
  /** If set, tokeninfo `app_id` must equal one of these too. Default: not checked. */
  appID?: string | readonly string[];
  /** Which Amazon API host to use. Default `'NA'` (`api.amazon.com`). */
  region?: LwaRegion;
  /** Full tokeninfo URL, overriding `region` (a proxy, the emulator). */
  tokenInfoURL?: string;
  /** Full profile URL, overriding `region` (a proxy, the emulator). */
  profileURL?: string;
  /** Where to look for the token. Default: all four. */
  tokenSources?: readonly TokenSource[];
  /** Body and query field name. Default `'access_token'`. */
  accessTokenField?: string;
  /**
   * Reads a token from elsewhere in the request (an Alexa request's
   * `context.System.user.accessToken`). Return `undefined` when there is none. Its token goes
   * through the same checks and counts as one more place (two places is a 400).
   */
  extractToken?: (req: TRequest) => string | undefined;
  /** `realm` of the `WWW-Authenticate` challenge. Default `'Users'`. */
  realm?: string;
  /** Milliseconds allowed for each call to Amazon. Default 5000. */
  timeout?: number;
  /** An undici `Dispatcher` (ProxyAgent, custom Agent, MockAgent). Default: a keep-alive pool of the strategy's own. */
  dispatcher?: Dispatcher;
}

/** Options when `verify` is `(accessToken, profile, done)`. */
export interface StrategyOptions<TRequest = IncomingMessage>
  extends StrategyOptionsBase<TRequest> {
  passReqToCallback?: false;
}

/** Options when `verify` is `(req, accessToken, profile, done)`. */
export interface StrategyOptionsWithRequest<TRequest = IncomingMessage>
  extends StrategyOptionsBase<TRequest> {
  passReqToCallback: true;
}

/** The checked, normalised form of the options, built once in the constructor. */
export interface ResolvedOptions {
  readonly clientIDs: ReadonlySet<string>;
  readonly appIDs: ReadonlySet<string> | undefined;
  readonly tokenInfoURL: string;
  readonly profileURL: string;
  readonly sources: ReadonlySet<TokenSource>;
  readonly field: string;
  readonly custom: ((req: never) => unknown) | undefined;
  readonly passReqToCallback: boolean;
  readonly realm: string;
  readonly timeout: number;
  readonly dispatcher: Dispatcher | undefined;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** Every option name, so that a typo (`clientId`, `appId`) fails loudly instead of disabling a check. */
const KNOWN_OPTIONS = new Set([
  'clientID',
  'appID',
  'region',
  'tokenInfoURL',
  'profileURL',
  'tokenSources',
  'accessTokenField',
  'extractToken',
  'passReqToCallback',
  'realm',
  'timeout',
  'dispatcher',
]);

function fail(option: string, expected: string): never {
  throw new TypeError(`passport-lwa-token: option \`${option}\` must be ${expected}`);
}

function idSet(option: string, value: unknown): Set<string> {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((id) => typeof id === 'string' && id.trim() !== '' && id === id.trim())) {
    fail(option, 'a non-empty string or a non-empty array of non-empty strings');
  }
  return new Set(list as string[]);
}

function httpURL(option: string, value: unknown): string {
  if (typeof value !== 'string') fail(option, 'an http(s) URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(option, 'an http(s) URL string');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(option, 'an http(s) URL string');
  if (url.hash || url.username || url.password) fail(option, 'a URL without credentials or fragment');
  return url.href;
}

// A realm goes inside a quoted-string of a header: no quote, backslash, or control character.
const SAFE_REALM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Checks every option once; a bad one throws a `TypeError` naming it. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object with at least `clientID`');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TypeError(`passport-lwa-token: unknown option \`${key}\``);
    }
  }

  if (o.clientID === undefined) fail('clientID', 'set to your LWA client ID (a string or an array of them)');
  const clientIDs = idSet('clientID', o.clientID);
  const appIDs = o.appID === undefined ? undefined : idSet('appID', o.appID);

  const region = o.region ?? 'NA';
  if (typeof region !== 'string' || !Object.prototype.hasOwnProperty.call(REGION_HOSTS, region)) {
    fail('region', "one of 'NA', 'EU', 'FE'");
  }
  const host = REGION_HOSTS[region as LwaRegion];
  const tokenInfoURL = httpURL('tokenInfoURL', o.tokenInfoURL ?? `${host}/auth/o2/tokeninfo`);
  const profileURL = httpURL('profileURL', o.profileURL ?? `${host}/user/profile`);

  const custom = o.extractToken;
  if (custom !== undefined && typeof custom !== 'function') fail('extractToken', 'a function');

  const sourceList = o.tokenSources ?? ALL_TOKEN_SOURCES;
  if (!Array.isArray(sourceList) || !sourceList.every((s) => ALL_TOKEN_SOURCES.includes(s as TokenSource))) {
    fail('tokenSources', `an array of ${ALL_TOKEN_SOURCES.map((s) => `'${s}'`).join(', ')}`);
  }
  if (sourceList.length === 0 && custom === undefined) {
    fail('tokenSources', 'non-empty unless `extractToken` is set');
  }

  const field = o.accessTokenField ?? 'access_token';
  if (typeof field !== 'string' || field === '') fail('accessTokenField', 'a non-empty string');

  const passReqToCallback = o.passReqToCallback ?? false;
  if (typeof passReqToCallback !== 'boolean') fail('passReqToCallback', 'a boolean');

  const realm = o.realm ?? 'Users';
  if (typeof realm !== 'string' || !SAFE_REALM.test(realm)) {
    fail('realm', 'a string of printable ASCII without `"` or `\\`');
  }

  const timeout = o.timeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0 || timeout > 2 ** 31 - 1) {
    fail('timeout', 'a positive whole number of milliseconds');
  }

  const dispatcher = o.dispatcher;
  if (dispatcher !== undefined && (typeof dispatcher !== 'object' || dispatcher === null || typeof (dispatcher as Dispatcher).dispatch !== 'function')) {
    fail('dispatcher', 'an undici Dispatcher');
  }

  return Object.freeze({
    clientIDs,
    appIDs,
    tokenInfoURL,
    profileURL,
    sources: new Set(sourceList as TokenSource[]),
    field,
    custom: custom as ResolvedOptions['custom'],
    passReqToCallback,
    realm,
    timeout,
    dispatcher: dispatcher as Dispatcher | undefined,
  });
}
