import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import type { IdRule } from './request/audience';
import type { ResolvedCacheOptions } from './cache/cached-verifier';
import type { CacheStore } from './cache/entry';
import type { CircuitSettings } from './gate/circuit-breaker';
import {
  CACHE_DEFAULTS,
  CIRCUIT_DEFAULTS,
  DEFAULT_ACCESS_TOKEN_FIELD,
  DEFAULT_MAX_PENDING,
  DEFAULT_REALM,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  MAX_CIRCUIT_THRESHOLD,
  MAX_RETRIES,
  MAX_TIMER_MS,
} from './defaults';
import { ALL_TOKEN_SOURCES, type TokenSource } from './request/extract';

/**
 * Login with Amazon regions and their API hosts.
 * @example
 * ```ts
 * new Strategy({ clientID, region: 'EU' }, verify); // api.amazon.co.uk
 * ```
 */
export type LwaRegion = 'NA' | 'EU' | 'FE';

const REGION_HOSTS: Readonly<Record<LwaRegion, string>> = Object.freeze({
  NA: 'https://api.amazon.com',
  EU: 'https://api.amazon.co.uk',
  FE: 'https://api.amazon.co.jp',
});

/**
 * How the token is sent to tokeninfo (the `tokenInfoTransport` option).
 * @example
 * ```ts
 * new Strategy({ clientID, tokenInfoTransport: 'query' }, verify); // GET /auth/o2/tokeninfo?access_token=…
 * ```
 */
export type TokenInfoTransport = 'header' | 'query';

/**
 * The IDs allowed for one request, as a function of it: how one strategy serves several LWA
 * security profiles (a tenant each, or apps added over time). Called on each request that carries a
 * token, before Amazon is asked; may return a promise. An empty array accepts no token for that
 * request (a 401 whose outcome event says `no_client_ids` or `no_app_ids`). If it throws or
 * rejects, or returns anything but a string or an array of non-empty strings (a `TypeError`), the
 * request ends in Passport's `error()`: the app's fault, not the client's. Verdicts are cached
 * per set of IDs, so a token verified for one tenant is never accepted for another from the cache.
 * @example
 * ```ts
 * const clientIDFor: IdResolver = (req) => tenants.byHost(req.headers.host).clientIDs;
 * new Strategy({ clientID: clientIDFor }, verify);
 * ```
 */
export type IdResolver<TRequest = IncomingMessage> = (
  req: TRequest,
) => string | readonly string[] | PromiseLike<string | readonly string[]>;

/**
 * Options shared by both verify shapes. Only `clientID` is required.
 * @example
 * ```ts
 * const options: StrategyOptionsBase = { clientID: ['amzn1.application-oa2-client.web', 'amzn1.application-oa2-client.ios'], timeout: 3000 };
 * ```
 */
export interface StrategyOptionsBase<TRequest = IncomingMessage> {
  /**
   * Your LWA security profile's client ID(s): tokeninfo `aud` must equal one of them. Or a
   * function of the request that returns them ({@link IdResolver}), for an API serving several.
   */
  clientID: string | readonly string[] | IdResolver<TRequest>;
  /**
   * If set, tokeninfo `app_id` must equal one of these too; a function of the request as for
   * `clientID`. Default: not checked.
   */
  appID?: string | readonly string[] | IdResolver<TRequest>;
  /** Which Amazon API host to use. Default `'NA'` (`api.amazon.com`). */
  region?: LwaRegion;
  /**
   * Full tokeninfo URL, overriding `region` (a proxy, the emulator). `https:`, or `http:` only for a
   * loopback host (`localhost`, `127.0.0.0/8`, `[::1]`): the token must not cross a network in clear.
   */
  tokenInfoURL?: string;
  /** Full profile URL, overriding `region` (a proxy, the emulator). `https:`, or `http:` on loopback as for `tokenInfoURL`. */
  profileURL?: string;
  /**
   * How the token goes to tokeninfo. `'header'` (default): in an `x-amz-access-token` request header,
   * as Amazon's own Amazon Pay SDK for Ruby sends it, so that no URL we request (which HTTP clients,
   * proxies and tracing record) carries it. `'query'`: `?access_token=…`, the form Amazon's guide shows.
   */
  tokenInfoTransport?: TokenInfoTransport;
  /** Where to look for the token. Default: all four. */
  tokenSources?: readonly TokenSource[];
  /** Body and query field name. Default `'access_token'`. */
  accessTokenField?: string;
  /**
   * Reads a token from elsewhere in the request (`alexaAccessToken` reads an Alexa request's).
   * Return `undefined` when there is none, or an array when the request carries several different
   * tokens (refused with a 400, as a token in two places is). Its token goes through the same
   * checks and counts as one more place (two places is a 400).
   */
  extractToken?: (req: TRequest) => string | readonly string[] | undefined;
  /** `realm` of the `WWW-Authenticate` challenge. Default `'Users'`. */
  realm?: string;
  /**
   * Milliseconds one verification may take, everything it waits for included: the cache store, a
   * free connection to Amazon, both calls, every retry and backoff. The strategy answers by then
   * (a 504 `LwaTimeoutError` at worst), whatever Amazon does. Default 5000.
   */
  timeout?: number;
  /**
   * How many times a call to Amazon is tried again after a connection error, a 5xx or a 429 (never
   * after a 4xx), with jittered backoff, honouring `Retry-After` when it fits, and only while a
   * retry still fits in `timeout`. A whole number from 0 (no retries) to 10. Default 1.
   */
  retries?: number;
  /** An undici `Dispatcher` (ProxyAgent, custom Agent, MockAgent). Default: a keep-alive pool of the strategy's own. */
  dispatcher?: Dispatcher;
  /**
   * Verifications that may wait on Amazon at once. Past it, a token that needs Amazon is refused at
   * once with a 503 `LwaOverloadedError` (no call; a stale verdict serves it if the cache has one).
   * Requests that join a verification of the same token already in flight do not count, nor do
   * cache hits. A whole number from 1. Default 64 (the pool's 64 connections, two calls each).
   */
  maxPending?: number;
  /**
   * Fails fast while Amazon is down: after `threshold` verifications in a row ended in an outage
   * (5xx, 429, timeout, connection error, unusable answer; never a refusal), verifications that
   * need Amazon fail at once with a 503 `LwaCircuitOpenError` (or are served stale) for `cooldown`
   * milliseconds; then one probe goes through, and its success closes the circuit. State changes
   * are published on `passport-lwa-token:circuit`. `false` turns it off; `true` is the default.
   * Default `{ threshold: 5, cooldown: 10000 }`.
   */
  circuitBreaker?: boolean | CircuitBreakerOptions;
  /**
   * The verification cache: Amazon's answer for a token (tokeninfo + profile, or a refusal) is
   * kept, keyed by the token's SHA-256, so a token's later requests cost no call to Amazon; `verify`
   * still runs on every request. `false` turns it off; a {@link CacheStore} (a `Keyv` instance, say)
   * shares it between processes (with a small in-process layer in front); {@link CacheOptions} tunes
   * it. Default: on, in memory, `{ max: 10000, ttl: 300000, refusalTtl: 10000, staleIfError: 900000 }`.
   */
  cache?: boolean | CacheOptions | CacheStore;
}

/**
 * Settings of the verification cache (the `cache` option).
 *
 * @example
 * ```ts
 * new Strategy({ clientID, cache: { max: 50_000, ttl: 60_000 } }, verify);
 * new Strategy({ clientID, cache: { store: createKeyv(process.env.REDIS_URL, { throwOnErrors: true }) } }, verify); // @keyv/redis
 * ```
 */
export interface CacheOptions {
  /**
   * Verified tokens kept in this process, least recently used dropped first: the whole cache, or,
   * with `store`, the local layer in front of it. Refusals are kept apart, in an LRU of their own
   * (at most 1000, or `max` if smaller), so junk tokens never push out verified users. Default 10000.
   */
  max?: number;
  /** Milliseconds a verified token is kept at most; never past the token's own expiry. Default 300000 (5 minutes). */
  ttl?: number;
  /** Milliseconds Amazon's refusal of a token (invalid, expired, wrong audience) is kept; 0 keeps none. Default 10000. */
  refusalTtl?: number;
  /** A store with Keyv's shape, instead of the built-in LRU: share verifications between processes through Redis. */
  store?: CacheStore;
  /**
   * Milliseconds allowed for each call to `store`. A store that fails or overruns is skipped (the
   * request goes to Amazon) and left alone for 5 seconds, with a `store-error` event. Default 100.
   */
  storeTimeout?: number;
  /**
   * Milliseconds past `ttl` that a verified verdict is still kept, to stand in for Amazon when it is
   * down: if verifying a token ends in an outage (or the circuit is open, or too many are pending),
   * the kept verdict is used, `req.authInfo.tokenInfo.stale` is `true` and a `stale` cache event is
   * published. Never a refusal, never past the token's own expiry. The price: a token revoked during
   * an outage stays usable until Amazon answers again, at most `staleIfError` past `ttl`. `0` turns
   * it off. Default 900000 (15 minutes).
   */
  staleIfError?: number;
  /**
   * With `store`: milliseconds a verdict stays fresh in the small in-process layer in front of the
   * store (never past the store entry's own freshness or the token's expiry), so that with the store
   * down a user costs at most one verification per `localTtl`. `0`: no local layer (every request
   * reads the store). Unused without a store. Default 30000.
   */
  localTtl?: number;
}

/**
 * Settings of the circuit breaker (the `circuitBreaker` option).
 * @example
 * ```ts
 * new Strategy({ clientID, circuitBreaker: { threshold: 10, cooldown: 30_000 } }, verify);
 * ```
 */
export interface CircuitBreakerOptions {
  /** Verifications in a row ending in an outage that open the circuit. A whole number from 1 to 1000. Default 5. */
  threshold?: number;
  /** Milliseconds the circuit stays open before one probe goes through. Default 10000. */
  cooldown?: number;
}

/**
 * Options when `verify` is `(accessToken, profile, done)`.
 * @example
 * ```ts
 * new Strategy({ clientID, tokenSources: ['authorization'] } satisfies StrategyOptions, async (accessToken, profile) => users.byAmazonId(profile.id));
 * ```
 */
export interface StrategyOptions<TRequest = IncomingMessage> extends StrategyOptionsBase<TRequest> {
  passReqToCallback?: false;
}

/**
 * Options when `verify` is `(req, accessToken, profile, done)`.
 * @example
 * ```ts
 * new Strategy({ clientID, passReqToCallback: true } satisfies StrategyOptionsWithRequest<express.Request>, async (req, accessToken, profile) =>
 *   req.user ? accounts.link(req.user, profile.id) : accounts.byAmazonId(profile.id));
 * ```
 */
export interface StrategyOptionsWithRequest<TRequest = IncomingMessage> extends StrategyOptionsBase<TRequest> {
  passReqToCallback: true;
}

/** The checked, normalised form of the options, built once in the constructor. */
export interface ResolvedOptions {
  readonly clientID: IdRule;
  readonly appID: IdRule | undefined;
  readonly tokenInfoURL: string;
  readonly profileURL: string;
  readonly tokenInfoTransport: TokenInfoTransport;
  readonly sources: ReadonlySet<TokenSource>;
  readonly field: string;
  readonly custom: ((req: never) => unknown) | undefined;
  readonly passReqToCallback: boolean;
  readonly realm: string;
  readonly timeout: number;
  readonly retries: number;
  readonly dispatcher: Dispatcher | undefined;
  readonly maxPending: number;
  readonly circuitBreaker: CircuitSettings | false;
  readonly cache: ResolvedCacheOptions;
}

/** Every option name, so that a typo (`clientId`, `appId`) fails loudly instead of disabling a check. */
const KNOWN_OPTIONS = new Set([
  'clientID',
  'appID',
  'region',
  'tokenInfoURL',
  'profileURL',
  'tokenInfoTransport',
  'tokenSources',
  'accessTokenField',
  'extractToken',
  'passReqToCallback',
  'realm',
  'timeout',
  'retries',
  'dispatcher',
  'maxPending',
  'circuitBreaker',
  'cache',
]);

function fail(option: string, expected: string): never {
  throw new TypeError(`passport-lwa-token: option \`${option}\` must be ${expected}`);
}

/** Fixed IDs, checked now; or the app's function, whose result is checked on each request (lib/request/audience.ts). */
function idRule(option: string, value: unknown): IdRule {
  if (typeof value === 'function') return value as IdRule;
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((id) => typeof id === 'string' && id.trim() !== '' && id === id.trim())
  ) {
    fail(option, 'a non-empty string, a non-empty array of non-empty strings, or a function of the request');
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
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    fail(
      option,
      'an https: URL (http: is allowed only for a loopback host: localhost, 127.0.0.0/8, [::1]), since the token would cross the network in clear text',
    );
  }
  return url.href;
}

/** `localhost`, 127.0.0.0/8 or ::1, as the URL parser normalises them (`127.1` is `127.0.0.1`). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

const CACHE_OPTIONS = new Set(['max', 'ttl', 'refusalTtl', 'store', 'storeTimeout', 'staleIfError', 'localTtl']);
const CIRCUIT_OPTIONS = new Set(['threshold', 'cooldown']);

function isStore(value: unknown): value is CacheStore {
  const v = value as Partial<Record<keyof CacheStore, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.get === 'function' &&
    typeof v.set === 'function' &&
    typeof v.delete === 'function'
  );
}

/** A whole number in [min, max], or `fallback` when not given. */
function wholeNumber(option: string, value: unknown, fallback: number, min: number, max: number, unit = ''): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    fail(option, `a whole number${unit} from ${min} to ${max}`);
  }
  return n;
}

/** Refuses any key of `given` not in `known`, naming it (with its prefix, `cache.` say). */
function rejectUnknown(given: object, known: ReadonlySet<string>, prefix = ''): void {
  for (const key of Object.keys(given)) {
    if (!known.has(key)) throw new TypeError(`passport-lwa-token: unknown option \`${prefix}${key}\``);
  }
}

/** `cache`: `false`, a store, or `CacheOptions` (whose unknown names are refused like the top level's). */
function resolveCache(value: unknown): ResolvedCacheOptions {
  if (value === false) return false;
  if (value === undefined || value === true) return Object.freeze({ ...CACHE_DEFAULTS, store: undefined });
  if (isStore(value)) return Object.freeze({ ...CACHE_DEFAULTS, store: value });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      'cache',
      'a boolean, cache options (`{ max, ttl, refusalTtl, store, storeTimeout, staleIfError, localTtl }`) or a store with get/set/delete',
    );
  }
  const c = value as Record<string, unknown>;
  rejectUnknown(c, CACHE_OPTIONS, 'cache.');
  if (c.store !== undefined && !isStore(c.store)) {
    fail('cache.store', "an object with get, set and delete methods (Keyv's shape)");
  }
  const store = c.store;
  const ms = (name: 'staleIfError' | 'localTtl'): number =>
    wholeNumber(`cache.${name}`, c[name], CACHE_DEFAULTS[name], 0, MAX_TIMER_MS, ' of milliseconds');
  return Object.freeze({
    max: wholeNumber('cache.max', c.max, CACHE_DEFAULTS.max, 1, Number.MAX_SAFE_INTEGER),
    ttl: wholeNumber('cache.ttl', c.ttl, CACHE_DEFAULTS.ttl, 1, MAX_TIMER_MS, ' of milliseconds'),
    refusalTtl: wholeNumber(
      'cache.refusalTtl',
      c.refusalTtl,
      CACHE_DEFAULTS.refusalTtl,
      0,
      MAX_TIMER_MS,
      ' of milliseconds',
    ),
    store,
    storeTimeout: wholeNumber(
      'cache.storeTimeout',
      c.storeTimeout,
      CACHE_DEFAULTS.storeTimeout,
      1,
      MAX_TIMER_MS,
      ' of milliseconds',
    ),
    staleIfError: ms('staleIfError'),
    localTtl: ms('localTtl'),
  });
}

/** `circuitBreaker`: `false`, or settings (unknown names refused), defaults filled in. */
function resolveCircuitBreaker(value: unknown): CircuitSettings | false {
  if (value === false) return false;
  if (value === undefined || value === true) return CIRCUIT_DEFAULTS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('circuitBreaker', 'a boolean or `{ threshold, cooldown }`');
  }
  const c = value as Record<string, unknown>;
  rejectUnknown(c, CIRCUIT_OPTIONS, 'circuitBreaker.');
  return Object.freeze({
    threshold: wholeNumber(
      'circuitBreaker.threshold',
      c.threshold,
      CIRCUIT_DEFAULTS.threshold,
      1,
      MAX_CIRCUIT_THRESHOLD,
    ),
    cooldown: wholeNumber(
      'circuitBreaker.cooldown',
      c.cooldown,
      CIRCUIT_DEFAULTS.cooldown,
      1,
      MAX_TIMER_MS,
      ' of milliseconds',
    ),
  });
}

// A realm goes inside a quoted-string of a header: no quote, backslash, or control character.
const SAFE_REALM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Checks every option once; a bad one throws a `TypeError` naming it. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object with at least `clientID`');
  const o = options as Record<string, unknown>;
  rejectUnknown(o, KNOWN_OPTIONS);

  if (o.clientID === undefined) fail('clientID', 'set to your LWA client ID (a string or an array of them)');
  const clientID = idRule('clientID', o.clientID);
  const appID = o.appID === undefined ? undefined : idRule('appID', o.appID);

  const region = o.region ?? 'NA';
  if (typeof region !== 'string' || !Object.hasOwn(REGION_HOSTS, region)) {
    fail('region', "one of 'NA', 'EU', 'FE'");
  }
  const host = REGION_HOSTS[region as LwaRegion];
  const tokenInfoURL = httpURL('tokenInfoURL', o.tokenInfoURL ?? `${host}/auth/o2/tokeninfo`);
  const profileURL = httpURL('profileURL', o.profileURL ?? `${host}/user/profile`);
  const tokenInfoTransport = o.tokenInfoTransport ?? 'header';
  if (tokenInfoTransport !== 'header' && tokenInfoTransport !== 'query') {
    fail('tokenInfoTransport', "'header' or 'query'");
  }

  const custom = o.extractToken;
  if (custom !== undefined && typeof custom !== 'function') fail('extractToken', 'a function');

  const sourceList = o.tokenSources ?? ALL_TOKEN_SOURCES;
  if (!Array.isArray(sourceList) || !sourceList.every((s) => ALL_TOKEN_SOURCES.includes(s as TokenSource))) {
    fail('tokenSources', `an array of ${ALL_TOKEN_SOURCES.map((s) => `'${s}'`).join(', ')}`);
  }
  if (sourceList.length === 0 && custom === undefined) {
    fail('tokenSources', 'non-empty unless `extractToken` is set');
  }

  const field = o.accessTokenField ?? DEFAULT_ACCESS_TOKEN_FIELD;
  if (typeof field !== 'string' || field === '') fail('accessTokenField', 'a non-empty string');

  const passReqToCallback = o.passReqToCallback ?? false;
  if (typeof passReqToCallback !== 'boolean') fail('passReqToCallback', 'a boolean');

  const realm = o.realm ?? DEFAULT_REALM;
  if (typeof realm !== 'string' || !SAFE_REALM.test(realm)) {
    fail('realm', 'a string of printable ASCII without `"` or `\\`');
  }

  const timeout = wholeNumber('timeout', o.timeout, DEFAULT_TIMEOUT_MS, 1, MAX_TIMER_MS, ' of milliseconds');
  const retries = wholeNumber('retries', o.retries, DEFAULT_RETRIES, 0, MAX_RETRIES);
  const maxPending = wholeNumber('maxPending', o.maxPending, DEFAULT_MAX_PENDING, 1, Number.MAX_SAFE_INTEGER);

  const dispatcher = o.dispatcher;
  if (
    dispatcher !== undefined &&
    (typeof dispatcher !== 'object' || dispatcher === null || typeof (dispatcher as Dispatcher).dispatch !== 'function')
  ) {
    fail('dispatcher', 'an undici Dispatcher');
  }

  return Object.freeze({
    clientID,
    appID,
    tokenInfoURL,
    profileURL,
    tokenInfoTransport,
    sources: new Set(sourceList as TokenSource[]),
    field,
    custom: custom as ResolvedOptions['custom'],
    passReqToCallback,
    realm,
    timeout,
    retries,
    dispatcher: dispatcher as Dispatcher | undefined,
    maxPending,
    circuitBreaker: resolveCircuitBreaker(o.circuitBreaker),
    cache: resolveCache(o.cache),
  });
}
