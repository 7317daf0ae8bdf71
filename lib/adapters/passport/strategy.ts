import type { IncomingMessage } from 'node:http';
import * as passportStrategy from 'passport-strategy';
import { alexaAccessToken } from '../../request/alexa';
import { AmazonClient } from '../../amazon/client';
import { AmazonGate } from '../../gate/amazon-gate';
import { acceptsNone, AudienceResolver } from '../../request/audience';
import { CachedVerifier } from '../../cache/cached-verifier';
import { CircuitBreaker } from '../../gate/circuit-breaker';
import { LwaError } from '../../errors';
import { extractToken, type RequestLike, type TokenOrigin } from '../../request/extract';
import {
  resolveOptions,
  type ResolvedOptions,
  type StrategyOptions,
  type StrategyOptionsWithRequest,
} from '../../options';
import { bearerChallenge, refusals, type Refusal } from '../../refusal';
import { PendingLimit } from '../../gate/pending-limit';
import {
  reportOutcome,
  traceAuthentication,
  tracingAuthentications,
  type AuthenticationTrace,
} from '../../observability/tracing';
import { publicTokenInfo, type TokenInfo } from '../../amazon/token-info';
import { UNPARSED_BODY_WARNING_CODE, unparsedBodyType, unparsedBodyWarning } from '../../request/unparsed-body';
import { callVerify, checkVerifyShape, type VerifyFunction, type VerifyFunctionWithRequest } from './verify-callback';
import { AmazonVerifier, type TokenVerifier } from '../../amazon/amazon-verifier';

/** The actions Passport adds to a strategy for the length of one request. */
interface PassportActions {
  name?: string;
  success(user: unknown, info?: object): void;
  fail(challenge?: string | number, status?: number): void;
  error(err: unknown): void;
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

/**
 * Passport strategy that authenticates a request by its Login with Amazon access token: it checks
 * with Amazon that the token was issued to one of your client IDs (the audience check Amazon's
 * guide requires), fetches the customer's profile, and passes both to your `verify`.
 *
 * @example
 * ```ts
 * passport.use(new Strategy({ clientID: process.env.AMAZON_CLIENT_ID! }, async (accessToken, profile) =>
 *   users.findOrLinkAmazon(profile.id, profile)));
 * app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => res.json(req.user));
 * ```
 */
export class Strategy<TUser = unknown, TRequest = IncomingMessage> extends PassportStrategy {
  /** The name to use with `passport.authenticate()`: `'amazon-token'`. */
  override name: string;
  private readonly options: ResolvedOptions;
  private readonly verifyFn: (...args: never[]) => unknown;
  private readonly client: AmazonClient;
  private readonly verifier: TokenVerifier;
  private readonly audiences: AudienceResolver;
  /**
   * A forgotten body parser is told once per strategy, not once per request. An object, since
   * Passport runs each request on `Object.create(strategy)`: a flag set there would stay there.
   */
  private readonly warned = { unparsedBody: false };

  constructor(options: StrategyOptions<TRequest>, verify: VerifyFunction<TUser>);
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
    this.name = 'amazon-token';
    this.options = resolveOptions(options);
    checkVerifyShape(verify, this.options.passReqToCallback);
    this.verifyFn = verify;
    this.client = new AmazonClient(this.options);
    // Cache and single flight in front of Amazon; `verify` still runs every time
    // (docs/design.md, "Cache and single flight"). Between them, the gate that keeps a bad day
    // bounded: the circuit breaker and the pending limit (docs/design.md, "Failure behaviour").
    const { circuitBreaker, maxPending, cache, timeout } = this.options;
    const gate = new AmazonGate(
      new AmazonVerifier(this.client),
      new PendingLimit(maxPending),
      circuitBreaker === false ? undefined : new CircuitBreaker(circuitBreaker),
    );
    this.verifier = new CachedVerifier(gate, cache, timeout);
    this.audiences = new AudienceResolver(this.options.clientID, this.options.appID);
  }

  /** Called by Passport for each request; not meant to be called directly. */
  authenticate(req: TRequest, _options?: unknown): void {
    // Nobody tracing (docs/tracing.md): nothing is allocated for it.
    if (!tracingAuthentications()) return this.authenticateRequest(req, undefined);
    traceAuthentication((trace) => this.authenticateRequest(req, trace));
  }

  private authenticateRequest(req: TRequest, trace: AuthenticationTrace | undefined): void {
    let extraction;
    try {
      extraction = extractToken(req as RequestLike, this.options);
    } catch (err) {
      // Only the app's `extractToken` can throw here: its fault, so an error, not a refusal.
      reportOutcome({ outcome: 'error', status: 500 }, trace, err);
      return this.error(err);
    }
    if (extraction.kind === 'none') {
      this.warnIfBodyUnparsed(req);
      return this.refuse(req, refusals.noToken, undefined, trace);
    }
    if (extraction.kind === 'refusal') return this.refuse(req, extraction.refusal, undefined, trace);
    const { origin } = extraction;
    this.authenticateToken(req, extraction.token, origin, trace).catch((err: unknown) => {
      const lwa = err instanceof LwaError ? { status: err.status, code: err.code } : { status: 500 };
      reportOutcome({ outcome: 'error', ...lwa, origin }, trace, err);
      this.error(err);
    });
  }

  /**
   * Releases the strategy's own connection pool (not a `dispatcher` you passed in). Call it on
   * shutdown; the strategy must not be used afterwards.
   */
  async close(): Promise<void> {
    await this.client.close();
  }

  private async authenticateToken(
    req: TRequest,
    token: string,
    origin: TokenOrigin,
    trace: AuthenticationTrace | undefined,
  ): Promise<void> {
    // Whom the token must be for. Fixed options give it without a promise, so the usual
    // configuration waits on nothing here; a function of the request (a tenant's IDs) may be async,
    // and its error is the app's (the caller's catch: Passport's error(), no call to Amazon).
    const resolving = this.audiences.resolve(req);
    const audience = resolving instanceof Promise ? await resolving : resolving;
    const none = acceptsNone(audience);
    if (none) return this.refuse(req, none, origin, trace);

    const verification = await this.verifier.verify(token, audience, undefined, trace);
    if (!verification.ok) return this.refuse(req, verification.refusal, origin, trace);
    const { tokenInfo, profile } = verification.verified;

    const args = this.options.passReqToCallback ? [req, token, profile] : [token, profile];
    const { user, info } = await callVerify<TUser>(this.verifyFn, args);
    if (!user) return this.refuse(req, refusals.userRefused, origin, trace);

    // RFC 6750 §2.3: a page fetched with the token in its URL must stay out of shared caches.
    if (origin === 'query') responseOf(req)?.setHeader('Cache-Control', 'private');
    const authInfo: AmazonAuthInfo = {
      ...info,
      tokenInfo: publicTokenInfo(tokenInfo, Date.now(), verification.stale === true),
    };
    reportOutcome({ outcome: 'success', status: 200, origin }, trace);
    this.success(user, authInfo);
  }

  /** A JSON or form body nobody parsed looks like "no token": say which parser is missing. */
  private warnIfBodyUnparsed(req: TRequest): void {
    if (this.warned.unparsedBody) return;
    // alexaAccessToken reads the body too: the Alexa recipe turns the body source off.
    const readsBody = this.options.sources.has('body') || this.options.custom === alexaAccessToken;
    const type = readsBody ? unparsedBodyType(req) : undefined;
    if (type === undefined) return;
    this.warned.unparsedBody = true;
    process.emitWarning(unparsedBodyWarning(type), { code: UNPARSED_BODY_WARNING_CODE });
  }

  private refuse(req: TRequest, refusal: Refusal, origin?: TokenOrigin, trace?: AuthenticationTrace): void {
    reportOutcome(
      { outcome: 'fail', status: refusal.status, reason: refusal.reason, ...(origin ? { origin } : {}) },
      trace,
    );
    const challenge = bearerChallenge(this.options.realm, refusal);
    // Passport writes WWW-Authenticate only on 401; RFC 6750 §3 wants it on 400 and 403 too.
    if (refusal.status !== 401) {
      const res = responseOf(req);
      if (res && !res.headersSent) res.setHeader('WWW-Authenticate', challenge);
    }
    this.fail(challenge, refusal.status);
  }
}

function responseOf(req: unknown): ResponseLike | undefined {
  const res = (req as { res?: Partial<ResponseLike> } | null)?.res;
  return res && typeof res.setHeader === 'function' ? (res as ResponseLike) : undefined;
}
