import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import { resolveCacheOptions, type CacheOptions, type CacheSettings } from './cache/cache-options';
import type { CacheStore } from './cache/entry';
import { fail, rejectUnknown, wholeNumber } from './checks';
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from './defaults';
import { resolveCircuitBreaker, type CircuitBreakerOptions, type CircuitSettings } from './gate/circuit-breaker';
import type { IdRule } from './request/audience';
import { ALL_TOKEN_SOURCES, type TokenSource } from './request/extract';
import { resolveScope, type LwaScope, type ScopeNeed } from './scope';

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
 * Options of an {@link LwaVerifier}, and of the `Strategy` built on one. Only `clientID` is
 * required. `TRequest` is what `clientID`, `appID` and `extractToken` functions are given.
 * @example
 * ```ts
 * const options: LwaVerifierOptions = { clientID: ['amzn1.application-oa2-client.web', 'amzn1.application-oa2-client.ios'], timeout: 3000 };
 * ```
 */
export interface LwaVerifierOptions<TRequest = IncomingMessage> {
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
   * `undefined` (a configuration value left unset): `region`'s.
   */
  tokenInfoURL?: string | undefined;
  /** Full profile URL, overriding `region` (a proxy, the emulator). `https:`, or `http:` on loopback as for `tokenInfoURL`. */
  profileURL?: string | undefined;
  /** Where to look for the token. Default: all four. */
  tokenSources?: readonly TokenSource[];
  /**
   * Reads a token from elsewhere in the request (`alexaAccessToken` reads an Alexa request's).
   * Return `undefined` when there is none, or an array when the request carries several different
   * tokens (refused with a 400, as a token in two places is). Its token goes through the same
   * checks and counts as one more place (two places is a 400). May return a promise of these (a
   * token looked up elsewhere); if it throws or rejects, the request is an error (Passport's
   * `error()`), not a refusal.
   */
  extractToken?: (
    req: TRequest,
  ) => string | readonly string[] | undefined | PromiseLike<string | readonly string[] | undefined>;
  /**
   * Milliseconds one verification may take, everything it waits for included: the cache store, a
   * free connection to Amazon, both calls, every retry and backoff. The strategy answers by then
   * (a 504 `LwaTimeoutError` at worst), whatever Amazon does. A call that fails at once (a
   * connection error, a 5xx, a 429) is tried once more if that still fits. At most 60000. Default 5000.
   */
  timeout?: number;
  /** An undici `Dispatcher` (ProxyAgent, custom Agent, MockAgent). Default: a keep-alive pool of the strategy's own. */
  dispatcher?: Dispatcher;
  /**
   * Fails fast while Amazon is down: after `threshold` verifications in a row ended in an outage
   * (5xx, 429, timeout, connection error, unusable answer; never a refusal), verifications that
   * need Amazon fail at once with a 503 `LwaUnavailableError` (`ERR_LWA_CIRCUIT_OPEN`) (or are served stale) for `cooldown`
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
   * it. Default: on, in memory, `{ max: 10000, ttl: 300000, staleIfError: 900000 }`.
   */
  cache?: boolean | CacheOptions | CacheStore;
  /**
   * The LWA scopes every route needs, unless the route says otherwise
   * (`passport.authenticate('amazon-token', { scope })`, `verifier.verify(token, { scope })`).
   * Amazon does not list a token's scopes, so they are inferred from the profile: `'profile'` from
   * a name and an e-mail, `'postal_code'` from a postal code, `'profile:user_id'` always. A token
   * whose profile lacks one is refused with a 403 `insufficient_scope` whose challenge names the
   * scopes. `'profile:user_id'` alone skips the profile call (tokeninfo proves the audience and
   * names the customer): `profile` is then `{ provider, id }` with `_json` `{ user_id }`.
   * Default: none; the profile is fetched and passed on as Amazon gives it.
   */
  scope?: LwaScope | readonly LwaScope[];
}

/**
 * Options when `verify` is `(accessToken, profile, done)`.
 * @example
 * ```ts
 * new Strategy({ clientID, tokenSources: ['authorization'] } satisfies StrategyOptions, async (accessToken, profile) => users.byAmazonId(profile.id));
 * ```
 */
export interface StrategyOptions<TRequest = IncomingMessage> extends LwaVerifierOptions<TRequest> {
  /** `verify` is called without the request. Default `false`. */
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
export interface StrategyOptionsWithRequest<TRequest = IncomingMessage> extends LwaVerifierOptions<TRequest> {
  /** `verify` is called with the request first: `(req, accessToken, profile, done)`. */
  passReqToCallback: true;
}

/** The checked, normalised form of the options, built once in the constructor. */
export interface ResolvedOptions {
  readonly clientID: IdRule;
  readonly appID: IdRule | undefined;
  readonly tokenInfoURL: string;
  readonly profileURL: string;
  readonly sources: ReadonlySet<TokenSource>;
  readonly custom: ((req: never) => unknown) | undefined;
  readonly timeout: number;
  readonly dispatcher: Dispatcher | undefined;
  readonly circuitBreaker: CircuitSettings | false;
  readonly cache: CacheSettings;
  /** Every route's default; `undefined`: no scope required. */
  readonly scope: ScopeNeed | undefined;
}

/** Every option name, so that a typo (`clientID`, `appID`) fails loudly instead of disabling a check. */
export const VERIFIER_OPTIONS = [
  'clientID',
  'appID',
  'region',
  'tokenInfoURL',
  'profileURL',
  'tokenSources',
  'extractToken',
  'timeout',
  'dispatcher',
  'circuitBreaker',
  'cache',
  'scope',
] as const;

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

/** Checks every option once; a bad one throws a `TypeError` naming it. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object with at least `clientID`');
  const o = options as Record<string, unknown>;
  rejectUnknown(o, VERIFIER_OPTIONS);

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

  const custom = o.extractToken;
  if (custom !== undefined && typeof custom !== 'function') fail('extractToken', 'a function');

  const sourceList = o.tokenSources ?? ALL_TOKEN_SOURCES;
  if (!Array.isArray(sourceList) || !sourceList.every((s) => ALL_TOKEN_SOURCES.includes(s as TokenSource))) {
    fail('tokenSources', `an array of ${ALL_TOKEN_SOURCES.map((s) => `'${s}'`).join(', ')}`);
  }
  if (sourceList.length === 0 && custom === undefined) {
    fail('tokenSources', 'non-empty unless `extractToken` is set');
  }

  const timeout = wholeNumber('timeout', o.timeout, DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS, ' of milliseconds');

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
    sources: new Set(sourceList as TokenSource[]),
    custom: custom as ResolvedOptions['custom'],
    timeout,
    dispatcher: dispatcher as Dispatcher | undefined,
    circuitBreaker: resolveCircuitBreaker(o.circuitBreaker),
    cache: resolveCacheOptions(o.cache, timeout),
    scope: resolveScope('scope', o.scope),
  });
}
