import type { IncomingMessage } from 'node:http';
import { AmazonClient } from './amazon/client';
import { AmazonVerifier, type Verdict } from './amazon/amazon-verifier';
import type { AmazonProfile } from './amazon/profile';
import { publicTokenInfo, type CheckedTokenInfo, type TokenInfo } from './amazon/token-info';
import { CachedVerifier } from './cache/cached-verifier';
import { REALM } from './defaults';
import { LwaError } from './errors';
import { Admission } from './gate/admission';
import { AmazonGate } from './gate/amazon-gate';
import { CircuitBreaker } from './gate/circuit-breaker';
import type { OutcomeEvent } from './observability/events';
import {
  reportOutcome,
  traceAuthentication,
  tracingAuthentications,
  type AuthenticationTrace,
} from './observability/tracing';
import { resolveOptions, type LwaVerifierOptions, type ResolvedOptions } from './options';
import { bearerChallenge, refusals, withScope, type Refusal, type RefusalReason } from './refusal';
import { acceptsNone, AudienceResolver } from './request/audience';
import { extractToken, isThenable, type Extraction, type RequestLike, type TokenOrigin } from './request/extract';
import { fromFetchRequest, isFetchRequest } from './request/fetch-request';
import { checkTokenFormat } from './request/token-format';
import { UNPARSED_BODY_WARNING_CODE, unparsedBodyType, unparsedBodyWarning } from './request/unparsed-body';
import { alexaAccessToken } from './request/alexa';
import { grants, resolveScope, type LwaScope, type ScopeNeed } from './scope';

/**
 * What a verification may need beyond the token.
 * @example
 * ```ts
 * await verifier.verify(token, { request: req }); // for `clientID: (req) => tenants.clientIDsFor(req)`
 * ```
 */
export interface VerifyContext<TRequest = IncomingMessage> {
  /** The request, handed to `clientID` and `appID` when they are functions. `verifyRequest` sets it. */
  readonly request?: TRequest;
  /**
   * The scopes this verification needs, in place of the `scope` option: a token whose profile
   * lacks one is refused (403 `insufficient_scope`); `'profile:user_id'` alone asks tokeninfo only.
   * A bad value rejects with a `TypeError`, before Amazon is asked.
   */
  readonly scope?: LwaScope | readonly LwaScope[];
}

/**
 * The answer of {@link LwaVerifier.verify}: the customer, or why the token was refused, with the
 * status and the `WWW-Authenticate` challenge to answer with (RFC 6750 §3).
 * @example
 * ```ts
 * const result = await verifier.verify(token);
 * if (!result.ok) return new Response(null, { status: result.status, headers: { 'WWW-Authenticate': result.challenge } });
 * ```
 */
export type Verification =
  | {
      /** The token is good, and issued to this app. */
      readonly ok: true;
      /** The customer's profile (only `id` when the scope is `profile:user_id` alone). */
      readonly profile: AmazonProfile;
      /** What tokeninfo said of the token, `expiresIn` as of now. */
      readonly tokenInfo: TokenInfo;
      /** Where `verifyRequest` found the token (absent for `verify`). */
      readonly origin?: TokenOrigin;
      /** Present when Amazon was unavailable and a kept verdict answered (`cache.staleIfError`). */
      readonly stale?: true;
    }
  | {
      /** The token, or its absence, is refused: the client's fault, answered as RFC 6750 §3 says. */
      readonly ok: false;
      /** 400 (`invalid_request`), 401 (`invalid_token`, or no token) or 403 (`insufficient_scope`). */
      readonly status: 400 | 401 | 403;
      /** The `WWW-Authenticate` value: never any part of the token. */
      readonly challenge: string;
      /** Why, for logs and metrics (the client sees only the challenge). */
      readonly reason: RefusalReason;
    };

/** Why {@link LwaVerifier.revokeRequest} revoked nothing: the request's refusal reason, before Amazon would be asked. */
type UnrevokedReason = Extract<
  RefusalReason,
  'no_token' | 'multiple_tokens' | 'malformed_request' | 'malformed_token' | 'refresh_token'
>;

/**
 * The answer of {@link LwaVerifier.revokeRequest}: the request's token is now revoked, or there was
 * none to revoke (`no_token`), or what was there could never be accepted (the other reasons).
 * @example
 * ```ts
 * const result = await strategy.verifier.revokeRequest(req);
 * if (!result.revoked) logger.warn({ reason: result.reason }, 'sign-out without a token');
 * ```
 */
export type RevokeRequestResult =
  | {
      /** The request's token is revoked: refused from now until it expires. */
      readonly revoked: true;
    }
  | {
      /** Nothing was revoked. */
      readonly revoked: false;
      /** Why: no token (`no_token`), or one verification would refuse before asking Amazon. */
      readonly reason: UnrevokedReason;
    };

const REVOKED_RESULT: RevokeRequestResult = Object.freeze({ revoked: true });

/** What one verification came to, for the adapters: the token travels with a success, never in a public result. */
export type Outcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly refusal: Refusal; readonly origin?: TokenOrigin }
  | {
      readonly kind: 'verified';
      readonly token: string;
      readonly origin: TokenOrigin | undefined;
      readonly profile: AmazonProfile;
      readonly tokenInfo: CheckedTokenInfo;
      readonly stale: boolean;
    }
  /** The verification of a found token failed (an outage, the app's function): `origin` says where it was. */
  | { readonly kind: 'failed'; readonly error: unknown; readonly origin: TokenOrigin };

// Set by the class's static block: how this package's adapters reach a verifier's private pipeline.
let outcomeOf: (
  verifier: LwaVerifier<never>,
  request: unknown,
  context: VerifyContext<never> | undefined,
) => Outcome | Promise<Outcome>;

/**
 * The verification core: everything between an access token and the Amazon customer it belongs
 * to, usable without Passport (an Alexa skill on Lambda, a WebSocket upgrade, a Fetch-API server).
 * It checks with Amazon that the token was issued to one of your client IDs (the audience check
 * Amazon's guide requires), fetches the profile, and keeps the verdict in its cache. One instance
 * owns one connection pool, cache, single flight and circuit breaker: make one per process (a
 * `Strategy` has one: `strategy.verifier`).
 *
 * A refusal (no token, a bad or expired one, another app's) resolves with `ok: false`; only an
 * outage rejects, with an {@link LwaError} (502, 503, 504): never a 401 that would sign users out.
 *
 * @example
 * ```ts
 * const verifier = new LwaVerifier({ clientID: process.env.AMAZON_CLIENT_ID! });
 * const result = await verifier.verify(accessToken);
 * if (result.ok) sessions.start(result.profile.id, { seconds: result.tokenInfo.expiresIn });
 * else res.status(result.status).set('WWW-Authenticate', result.challenge).end();
 * ```
 */
export class LwaVerifier<TRequest = IncomingMessage> {
  readonly #options: ResolvedOptions;
  readonly #client: AmazonClient;
  readonly #cache: CachedVerifier;
  readonly #audiences: AudienceResolver;
  /** A forgotten body parser is told once per verifier, not once per request. */
  #warnedUnparsedBody = false;

  static {
    outcomeOf = (verifier, request, context) => verifier.#fromRequest(request, context);
  }

  /** Checks the options now (a bad one is a `TypeError` naming it); only `clientID` is required. */
  constructor(options: LwaVerifierOptions<TRequest>) {
    this.#options = resolveOptions(options);
    const { circuitBreaker, cache, timeout, tokenInfoURL, profileURL, dispatcher } = this.#options;
    this.#client = new AmazonClient({ tokenInfoURL, profileURL, timeout, dispatcher });
    // The first verification then costs one round trip, not three (docs/caching-and-scale.md).
    this.#client.warm();
    // Cache and single flight in front of Amazon; between them, the gate that keeps a bad day
    // bounded: the circuit breaker and admission by deadline (docs/design.md, "Failure behaviour").
    const amazon = new AmazonVerifier(this.#client);
    const gate = new AmazonGate(
      amazon,
      new Admission({ flooded: () => amazon.flooded }),
      circuitBreaker === false ? undefined : new CircuitBreaker(circuitBreaker),
    );
    this.#cache = new CachedVerifier(gate, cache, timeout);
    this.#audiences = new AudienceResolver(this.#options.clientID, this.#options.appID);
  }

  /**
   * Verifies an access token the app already has (an Alexa envelope's, a WebSocket message's).
   * Resolves with the customer or a refusal; rejects only with an {@link LwaError} (an outage),
   * with what a `clientID`/`appID` function of yours threw, or with a `TypeError` for a bad `scope`.
   */
  verify(token: string, context?: VerifyContext<TRequest>): Promise<Verification> {
    return this.#traced(() => {
      // The same form check a token found in a request gets: junk never costs a call to Amazon.
      const refusal = typeof token === 'string' ? checkTokenFormat(token) : refusals.malformedRequest;
      const scope = this.#scopeOf(context);
      if (refusal) return { kind: 'refused', refusal };
      return this.#fromToken(token, undefined, context?.request, scope);
    });
  }

  /**
   * Finds the token in a request and verifies it: a Node request (headers, URL, a parsed `body`,
   * as Express, Koa and Fastify give it) or a Fetch API `Request` (headers and query only: its
   * body is a stream the app owns). Honours `tokenSources` and `extractToken`; a token in two
   * places is a 400, no token a 401 with a bare `Bearer realm="Users"` challenge (`reason`
   * `'no_token'`: where a token is optional, the app lets such a request through).
   */
  verifyRequest(request: TRequest, context?: Omit<VerifyContext<TRequest>, 'request'>): Promise<Verification> {
    return this.#traced(() => this.#fromRequest(request, { ...context, request }));
  }

  /**
   * Signs a token out: from now until it expires, this verifier refuses it (401 `invalid_token`,
   * reason `token_revoked`) without asking Amazon, even during an outage; so does every verifier
   * sharing its `cache.store`: at once with a store that can `publish` and `subscribe`, else within
   * `localTtl` (a tenth of `cache.ttl`) for one that had the token in its local layer. Call it from
   * your sign-out route: Amazon cannot revoke an access token, so until it expires Amazon itself
   * would still accept it.
   *
   * Resolves once the revocation is in the store (and published). A store that fails is a
   * `store-error` event: the revocation then holds in this process only, at most 100,000 such at
   * once, past which it rejects with a `RangeError` and the token is not revoked. While the store
   * takes them there is no such limit. A malformed token can never be accepted: nothing to do. Put
   * the sign-out route behind authentication, so only tokens that passed can be revoked.
   * @example
   * ```ts
   * // A token the app holds itself (a WebSocket's, an Alexa envelope's); for a request's: revokeRequest.
   * await verifier.revoke(accessToken);
   * ```
   */
  async revoke(token: string): Promise<void> {
    if (typeof token !== 'string') throw new TypeError('revoke(token): the token must be a string');
    if (checkTokenFormat(token) !== undefined) return;
    await this.#cache.revoke(token);
  }

  /**
   * Signs out the token a request carries, found exactly as {@link verifyRequest} finds it (the
   * same sources, `tokenSources`, `extractToken`), then as {@link revoke}. A request with no token,
   * or one verification would refuse before asking Amazon (two tokens, a malformed one), resolves
   * `{ revoked: false, reason }` and revokes nothing; it never throws for the request's content.
   * It rejects only with what your `extractToken` threw. Behind the strategy, only a token that
   * passed reaches your route: `await strategy.verifier.revokeRequest(req)`.
   * @example
   * ```ts
   * const { revoked } = await verifier.revokeRequest(request); // a Fetch Request, or a Node one
   * return new Response(null, { status: revoked ? 204 : 400 });
   * ```
   */
  async revokeRequest(request: TRequest | { readonly headers: object }): Promise<RevokeRequestResult> {
    const found = await this.#extract(request);
    if (found.kind === 'none') return { revoked: false, reason: 'no_token' };
    if (found.kind === 'refusal') return { revoked: false, reason: found.refusal.reason as UnrevokedReason };
    await this.#cache.revoke(found.token);
    return REVOKED_RESULT;
  }

  /**
   * Releases the verifier's own connection pool (not a `dispatcher` you passed in). Call it on
   * shutdown; the verifier must not be used afterwards.
   */
  async close(): Promise<void> {
    await this.#client.close();
  }

  /** Verified verdicts and refusals kept in this process (for tests and the benchmark). */
  get cachedEntries(): number {
    return this.#cache.cachedEntries;
  }

  /** Runs a public verification as one traced authentication, publishing its outcome. */
  #traced(run: () => Outcome | Promise<Outcome>): Promise<Verification> {
    if (!tracingAuthentications()) return settle(attempt(run), undefined);
    let result!: Promise<Verification>;
    traceAuthentication((trace) => {
      result = settle(attempt(run), trace);
    });
    return result;
  }

  /** The scopes a verification needs: its own, else the `scope` option's (checked once, then). */
  #scopeOf(context: Pick<VerifyContext<never>, 'scope'> | undefined): ScopeNeed | undefined {
    return context?.scope === undefined ? this.#options.scope : resolveScope('scope', context.scope);
  }

  #fromRequest(request: unknown, context: VerifyContext<TRequest> | undefined): Outcome | Promise<Outcome> {
    // Checked before the request is read: a bad scope is the app's mistake, whatever the request.
    const scope = this.#scopeOf(context);
    const extraction = this.#extract(request);
    const next = (found: Extraction): Outcome | Promise<Outcome> => {
      if (found.kind === 'none') {
        if (!isFetchRequest(request)) this.#warnIfBodyUnparsed(request);
        return NONE;
      }
      if (found.kind === 'refusal') return { kind: 'refused', refusal: found.refusal };
      return failedWithOrigin(found.origin, () =>
        this.#fromToken(found.token, found.origin, context?.request ?? request, scope),
      );
    };
    return isThenable(extraction) ? Promise.resolve(extraction).then(next) : next(extraction);
  }

  /** The request's token as verification finds it: a Fetch `Request` by its headers and URL, `extractToken` given it as it is. */
  #extract(request: unknown): Extraction | Promise<Extraction> {
    if (!isFetchRequest(request)) return extractToken(request as RequestLike, this.#options);
    const { custom } = this.#options;
    return extractToken(
      fromFetchRequest(request),
      custom ? { ...this.#options, custom: () => custom(request as never) } : this.#options,
    );
  }

  #fromToken(
    token: string,
    origin: TokenOrigin | undefined,
    request: unknown,
    scope: ScopeNeed | undefined,
  ): Outcome | Promise<Outcome> {
    // Whom the token must be for. Fixed options give it without a promise, so the usual
    // configuration waits on nothing here; a function of the request (a tenant's IDs) may be async.
    const resolving = this.#audiences.resolve(request);
    if (resolving instanceof Promise) return resolving.then((audience) => this.#ask(token, origin, audience, scope));
    return this.#ask(token, origin, resolving, scope);
  }

  #ask(
    token: string,
    origin: TokenOrigin | undefined,
    audience: Parameters<CachedVerifier['verify']>[1],
    scope: ScopeNeed | undefined,
  ): Outcome | Promise<Outcome> {
    if (typeof token !== 'string') return { kind: 'refused', refusal: refusals.malformedRequest };
    const refused = (refusal: Refusal): Outcome => ({ kind: 'refused', refusal, ...(origin ? { origin } : {}) });
    const none = acceptsNone(audience);
    if (none) return refused(none);
    // Only `profile:user_id` needed: tokeninfo alone (profile-free, half the calls to Amazon).
    const found = this.#cache.lookup(token, audience, scope?.need ?? 'profile');
    // A verdict held in this process answers synchronously: no promise on a cached request's path.
    if (found instanceof Promise) return found.then((verdict) => this.#judge(verdict, token, origin, scope));
    return this.#judge(found, token, origin, scope);
  }

  /** The outcome of Amazon's (or the cache's) verdict for a route needing `scope`. */
  #judge(verdict: Verdict, token: string, origin: TokenOrigin | undefined, scope: ScopeNeed | undefined): Outcome {
    const refused = (refusal: Refusal): Outcome => ({ kind: 'refused', refusal, ...(origin ? { origin } : {}) });
    if (!verdict.ok) {
      const { refusal } = verdict;
      // Amazon's own insufficient_scope on a route that names scopes: the challenge names them too.
      return refused(scope && refusal.reason === 'insufficient_scope' ? withScope(refusal, scope.attribute) : refusal);
    }
    const { tokenInfo, profile } = verdict.verified;
    if (scope && !grants(profile, scope)) return refused(withScope(refusals.scopeNotGranted, scope.attribute));
    return { kind: 'verified', token, origin, profile, tokenInfo, stale: verdict.stale === true };
  }

  /** A JSON or form body nobody parsed looks like "no token": say which parser is missing. */
  #warnIfBodyUnparsed(request: unknown): void {
    if (this.#warnedUnparsedBody) return;
    // alexaAccessToken reads the body too: the Alexa recipe turns the body source off.
    const readsBody = this.#options.sources.has('body') || this.#options.custom === alexaAccessToken;
    const type = readsBody ? unparsedBodyType(request) : undefined;
    if (type === undefined) return;
    this.#warnedUnparsedBody = true;
    process.emitWarning(unparsedBodyWarning(type), { code: UNPARSED_BODY_WARNING_CODE });
  }
}

const NONE: Outcome = Object.freeze({ kind: 'none' });

/** What `run` returns, or its synchronous throw (an `extractToken` or a bad `scope`) as a rejection. */
function attempt(run: () => Outcome | Promise<Outcome>): Outcome | Promise<Outcome> {
  try {
    return run();
  } catch (err) {
    // What the app's function threw goes on as it was, Error or not.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(err);
  }
}

/** The `WWW-Authenticate` challenge for a refusal (and for no token: a bare `Bearer realm="Users"`). */
export function challengeFor(refusal: Refusal): string {
  return bearerChallenge(REALM, refusal);
}

/**
 * Runs the verification of a token found in a request, turning its failure into a `failed` outcome
 * that keeps where the token was found: the error event then says it, as every other outcome does.
 */
function failedWithOrigin(origin: TokenOrigin, run: () => Outcome | Promise<Outcome>): Outcome | Promise<Outcome> {
  const failed = (error: unknown): Outcome => ({ kind: 'failed', error, origin });
  try {
    const outcome = run();
    return isThenable(outcome) ? Promise.resolve(outcome).catch(failed) : outcome;
  } catch (err) {
    return failed(err);
  }
}

/** The error event of a failure: the library's code and status, or a 500 for the app's own error. */
export function errorEvent(error: unknown, origin?: TokenOrigin): OutcomeEvent {
  const event: OutcomeEvent =
    error instanceof LwaError
      ? { outcome: 'error', status: error.status, code: error.code }
      : { outcome: 'error', status: 500 };
  return origin ? { ...event, origin } : event;
}

/** What the outcome channel (and the trace) says of an outcome. */
export function outcomeEvent(outcome: Outcome): OutcomeEvent {
  if (outcome.kind === 'failed') return errorEvent(outcome.error, outcome.origin);
  if (outcome.kind === 'verified') {
    return outcome.origin
      ? { outcome: 'success', status: 200, origin: outcome.origin }
      : { outcome: 'success', status: 200 };
  }
  const refusal = outcome.kind === 'none' ? refusals.noToken : outcome.refusal;
  const event: OutcomeEvent = { outcome: 'fail', status: refusal.status, reason: refusal.reason };
  return outcome.kind === 'refused' && outcome.origin ? { ...event, origin: outcome.origin } : event;
}

/** An outcome as the public result, its event published (and recorded in the trace). */
async function settle(
  pending: Outcome | Promise<Outcome>,
  trace: AuthenticationTrace | undefined,
): Promise<Verification> {
  let outcome: Outcome;
  try {
    outcome = await pending;
  } catch (err) {
    reportOutcome(errorEvent(err), trace, err);
    throw err;
  }
  if (outcome.kind === 'failed') {
    reportOutcome(outcomeEvent(outcome), trace, outcome.error);
    throw outcome.error;
  }
  reportOutcome(outcomeEvent(outcome), trace);
  return toVerification(outcome);
}

/** The public form of an outcome: no token in it. */
export function toVerification(outcome: Exclude<Outcome, { kind: 'failed' }>): Verification {
  if (outcome.kind === 'verified') {
    const tokenInfo = publicTokenInfo(outcome.tokenInfo, Date.now(), outcome.stale);
    return {
      ok: true,
      profile: outcome.profile,
      tokenInfo,
      ...(outcome.origin ? { origin: outcome.origin } : {}),
      ...(outcome.stale ? { stale: true as const } : {}),
    };
  }
  const refusal = outcome.kind === 'none' ? refusals.noToken : outcome.refusal;
  return { ok: false, status: refusal.status, challenge: challengeFor(refusal), reason: refusal.reason };
}

/**
 * For the adapters in this package: the outcome of a request, with the token (which `verify`
 * callbacks receive) and no event published: the adapter publishes its own, once `verify` answered.
 */
export function requestOutcome<TRequest>(
  verifier: LwaVerifier<TRequest>,
  request: TRequest,
  context?: VerifyContext<TRequest>,
): Outcome | Promise<Outcome> {
  return outcomeOf(verifier, request, { ...context, request } as VerifyContext<never>);
}
