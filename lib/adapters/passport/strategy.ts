import type { IncomingMessage } from 'node:http';
import * as passportStrategy from 'passport-strategy';
import { publicTokenInfo, type TokenInfo } from '../../amazon/token-info';
import { rejectUnknown } from '../../checks';
import type { OutcomeEvent } from '../../observability/events';
import {
  reportOutcome,
  traceAuthentication,
  tracingAuthentications,
  type AuthenticationTrace,
} from '../../observability/tracing';
import { VERIFIER_OPTIONS, type StrategyOptions, type StrategyOptionsWithRequest } from '../../options';
import { refusals, type Refusal } from '../../refusal';
import { isThenable, type TokenOrigin } from '../../request/extract';
import type { LwaScope } from '../../scope';
import { challengeFor, errorEvent, LwaVerifier, outcomeEvent, requestOutcome, type Outcome } from '../../verifier';
import {
  callVerify,
  checkVerifyShape,
  type VerifyAnswer,
  type VerifyFunction,
  type VerifyFunctionWithRequest,
} from './verify-callback';

/** The actions Passport adds to a strategy for the length of one request. */
interface PassportActions {
  name?: string;
  /** Passport's: the request is authenticated as `user`. */
  success(user: unknown, info?: object): void;
  /** Passport's: the request is refused, with this challenge and status. */
  fail(challenge?: string | number, status?: number): void;
  /** Passport's: the authentication could not be decided (an outage, the app's own error). */
  error(err: unknown): void;
  /** Passport's: this strategy lets the request through unauthenticated (`optional`). */
  pass(): void;
}

// passport-strategy ships no types; describing the base here keeps @types/express out of ours.
const PassportStrategy = passportStrategy.Strategy as unknown as new () => PassportActions;

/**
 * What `req.authInfo` holds after a successful authentication.
 * @example
 * ```ts
 * app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => {
 *   const { tokenInfo } = req.authInfo as AmazonAuthInfo;
 *   res.json({ user: req.user, sessionSecondsLeft: tokenInfo.expiresIn });
 * });
 * ```
 */
export interface AmazonAuthInfo {
  /** What tokeninfo said, with `expiresIn` as of this request. */
  readonly tokenInfo: TokenInfo;
  /** Plus whatever `verify` passed as `info`. */
  readonly [key: string]: unknown;
}

interface ResponseLike {
  headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
}

/** What one authentication ends in: exactly one of Passport's actions, called once. */
type Action =
  | { readonly call: 'success'; readonly user: unknown; readonly info: AmazonAuthInfo; readonly event: OutcomeEvent }
  | { readonly call: 'fail'; readonly refusal: Refusal; readonly event: OutcomeEvent }
  | { readonly call: 'error'; readonly error: unknown; readonly event: OutcomeEvent }
  | { readonly call: 'pass'; readonly event: OutcomeEvent };

/** What the strategy reads of `passport.authenticate('amazon-token', options)`; Passport's own options aside. */
interface RouteOptions {
  /** The route's scopes (checked by the verifier); `undefined`: the `scope` option's. */
  readonly scope: LwaScope | readonly LwaScope[] | undefined;
  /** No token: Passport's `pass()`, the route runs without `req.user`. A bad token is still refused. */
  readonly optional: boolean;
}

/**
 * Passport strategy that authenticates a request by its Login with Amazon access token: a thin
 * adapter over an {@link LwaVerifier} (`strategy.verifier`), which checks with Amazon that the token
 * was issued to one of your client IDs and fetches the customer's profile; the strategy then passes
 * both to your `verify` and tells Passport how it ended.
 *
 * @example
 * ```ts
 * passport.use(new Strategy({ clientID: process.env.AMAZON_CLIENT_ID! }, async (accessToken, profile) =>
 *   users.findOrLinkAmazon(profile.id, profile)));
 * app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => res.json(req.user));
 * ```
 */
// Passport runs each request on `Object.create(strategy)`: `#private` members would not be reachable
// from it, so this class keeps TypeScript-private ones.
export class Strategy<TUser = unknown, TRequest = IncomingMessage> extends PassportStrategy {
  /** The name to use with `passport.authenticate()`: `'amazon-token'`. */
  override name: string;
  /**
   * The verification core this strategy runs on: use it where Passport does not reach (a WebSocket
   * upgrade, say) to share this strategy's cache, single flight, circuit breaker and pool.
   * Read-only at run time too: assigning it throws in strict mode.
   */
  // `declare`: no class field is emitted, so the constructor's non-writable property is the only one.
  declare readonly verifier: LwaVerifier<TRequest>;
  private readonly verifyFn: (...args: never[]) => unknown;
  private readonly passReqToCallback: boolean;

  /** Options are checked now (a bad one is a `TypeError` naming it); `verify` is `(accessToken, profile, done?)`. */
  constructor(options: StrategyOptions<TRequest>, verify: VerifyFunction<TUser>);
  /** With `passReqToCallback: true`, `verify` is `(req, accessToken, profile, done?)`. */
  constructor(options: StrategyOptionsWithRequest<TRequest>, verify: VerifyFunctionWithRequest<TUser, TRequest>);
  constructor(
    options: StrategyOptions<TRequest> | StrategyOptionsWithRequest<TRequest>,
    verify: VerifyFunction<TUser> | VerifyFunctionWithRequest<TUser, TRequest>,
  ) {
    super();
    if (typeof options === 'function') {
      // `new Strategy(verify)`: say what is missing, not that `verify` is not a function.
      throw new TypeError(
        'passport-lwa-token: the options are missing: call `new Strategy({ clientID: <your LWA client ID> }, verify)`',
      );
    }
    if (typeof verify !== 'function') {
      throw new TypeError('passport-lwa-token: `verify` must be a function (the last constructor argument)');
    }
    if (typeof options === 'object' && options !== null)
      rejectUnknown(options, [...VERIFIER_OPTIONS, 'passReqToCallback']);
    const { passReqToCallback = false, ...verifierOptions } = (options ?? {}) as StrategyOptionsWithRequest<TRequest>;
    if (typeof passReqToCallback !== 'boolean') {
      throw new TypeError('passport-lwa-token: option `passReqToCallback` must be a boolean');
    }
    this.name = 'amazon-token';
    // Anything but an object goes through as given, so that LwaVerifier names `options` itself.
    const isObject = typeof options === 'object' && options !== null;
    // Non-writable and non-configurable: a verifier swapped in later would split the cache, single
    // flight and circuit breaker between Passport's requests and the app's own calls.
    Object.defineProperty(this, 'verifier', {
      value: new LwaVerifier<TRequest>(isObject ? verifierOptions : options),
      enumerable: true,
      writable: false,
      configurable: false,
    });
    checkVerifyShape(verify, passReqToCallback);
    this.verifyFn = verify;
    this.passReqToCallback = passReqToCallback;
  }

  /**
   * Called by Passport for each request, with the options of `passport.authenticate()`; not meant
   * to be called directly. Of those it reads `scope` (the LWA scopes this route needs, in place of
   * the `scope` option) and `optional` (`true`: a request without a token passes, without
   * `req.user`; a bad token is still refused).
   */
  authenticate(req: TRequest, options?: unknown): void {
    // Nobody tracing (docs/tracing.md): nothing is allocated for it.
    if (!tracingAuthentications()) return this.run(req, undefined, options);
    traceAuthentication((trace) => this.run(req, trace, options));
  }

  /**
   * Releases the verifier's own connection pool (not a `dispatcher` you passed in). Call it on
   * shutdown; the strategy must not be used afterwards.
   */
  close(): Promise<void> {
    return this.verifier.close();
  }

  /**
   * One dispatch: the outcome is decided first, and only then is Passport told, outside of any
   * catch. What Passport's action (a custom callback of the app's) throws is the app's and goes
   * on up: it is never caught here and fed back as an authentication error.
   */
  private run(req: TRequest, trace: AuthenticationTrace | undefined, options: unknown): void {
    let outcome: Outcome | Promise<Outcome>;
    let route: RouteOptions;
    try {
      route = routeOptions(options);
      outcome = requestOutcome(this.verifier, req, route.scope === undefined ? undefined : { scope: route.scope });
    } catch (err) {
      // Only the app's own functions (`extractToken`, `clientID`) or a bad route option can throw here.
      return this.act(req, errorAction(err), trace);
    }
    if (isThenable(outcome)) {
      const { optional } = route;
      void Promise.resolve(outcome).then(
        (settled) => this.conclude(req, settled, optional, trace),
        (err: unknown) => this.act(req, errorAction(err), trace),
      );
    } else {
      this.conclude(req, outcome, route.optional, trace);
    }
  }

  /**
   * Tells Passport how `outcome` ends: at once for a refusal, after the app's `verify` for a
   * verified token. A rejection of `verify` is its error; what `act` throws (the app's callback)
   * is not caught, whether here or in the promise chain (there it is an unhandled rejection).
   */
  private conclude(req: TRequest, outcome: Outcome, optional: boolean, trace: AuthenticationTrace | undefined): void {
    if (outcome.kind === 'failed') return this.act(req, errorAction(outcome.error, outcome.origin), trace);
    if (outcome.kind !== 'verified') return this.act(req, failAction(outcome, optional), trace);
    const { token, profile, origin } = outcome;
    const args = this.passReqToCallback ? [req, token, profile] : [token, profile];
    void callVerify<TUser>(this.verifyFn, args).then(
      (answer) => this.act(req, this.accepted(req, outcome, answer), trace),
      // `verify` failing is the app's error; its event still says where the token was.
      (err: unknown) => this.act(req, errorAction(err, origin), trace),
    );
  }

  /** What `verify`'s answer makes of a verified token: the user, or a refusal of the user. */
  private accepted(req: TRequest, outcome: Verified, { user, info }: VerifyAnswer<TUser>): Action {
    const { origin } = outcome;
    if (!user) {
      return {
        call: 'fail',
        refusal: refusals.userRefused,
        event: { ...outcomeEvent({ kind: 'refused', refusal: refusals.userRefused }), ...(origin ? { origin } : {}) },
      };
    }
    // RFC 6750 §2.3: a page fetched with the token in its URL must stay out of shared caches.
    if (origin === 'query') responseOf(req)?.setHeader('Cache-Control', 'private');
    const tokenInfo = publicTokenInfo(outcome.tokenInfo, Date.now(), outcome.stale);
    return { call: 'success', user, info: { ...info, tokenInfo }, event: outcomeEvent(outcome) };
  }

  private act(req: TRequest, action: Action, trace: AuthenticationTrace | undefined): void {
    reportOutcome(action.event, trace, action.call === 'error' ? action.error : undefined);
    if (action.call === 'success') return this.success(action.user, action.info);
    if (action.call === 'error') return this.error(action.error);
    if (action.call === 'pass') return this.pass();
    const { refusal } = action;
    const challenge = challengeFor(refusal);
    // Passport writes WWW-Authenticate only on 401; RFC 6750 §3 wants it on 400 and 403 too.
    if (refusal.status !== 401) {
      const res = responseOf(req);
      if (res && !res.headersSent) res.setHeader('WWW-Authenticate', challenge);
    }
    this.fail(challenge, refusal.status);
  }
}

/**
 * A refusal, or on an optional route no token at all: `pass()`. Its event is still the
 * verification's `no_token` (as `verifyRequest` publishes it): the route's choice is not an outcome.
 */
type Verified = Extract<Outcome, { kind: 'verified' }>;

function failAction(outcome: Extract<Outcome, { kind: 'none' | 'refused' }>, optional: boolean): Action {
  if (outcome.kind === 'none' && optional) return { call: 'pass', event: outcomeEvent(outcome) };
  const refusal = outcome.kind === 'none' ? refusals.noToken : outcome.refusal;
  return { call: 'fail', refusal, event: outcomeEvent(outcome) };
}

/** Reads `scope` and `optional` from Passport's options; a non-boolean `optional` is the app's bug. */
function routeOptions(options: unknown): RouteOptions {
  if (typeof options !== 'object' || options === null) return { scope: undefined, optional: false };
  const { scope, optional = false } = options as { scope?: unknown; optional?: unknown };
  if (typeof optional !== 'boolean') {
    throw new TypeError('passport-lwa-token: the route option `optional` must be a boolean');
  }
  // Checked by the verifier, which knows the scopes (a TypeError before Amazon is asked).
  return { scope: scope as RouteOptions['scope'], optional };
}

function errorAction(err: unknown, origin?: TokenOrigin): Action {
  return { call: 'error', error: err, event: errorEvent(err, origin) };
}

function responseOf(req: unknown): ResponseLike | undefined {
  const res = (req as { res?: Partial<ResponseLike> } | null)?.res;
  return res && typeof res.setHeader === 'function' ? (res as ResponseLike) : undefined;
}
