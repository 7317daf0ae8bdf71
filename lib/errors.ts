/**
 * Errors this library hands to Passport's `error()`. Each has a stable `code` to branch on and an
 * HTTP `status` that Express's default error handler answers with. Messages name *what* failed and
 * never carry the access token, the URL that carries it, or Amazon's response body.
 */

/**
 * Which Amazon endpoint an upstream error came from.
 * @example
 * ```ts
 * if (err instanceof LwaError && err.endpoint === 'tokeninfo') log.warn('tokeninfo unavailable');
 * ```
 */
export type LwaEndpoint = 'tokeninfo' | 'profile';

/**
 * Every `code` an {@link LwaError} can carry.
 * @example
 * ```ts
 * const retryable: LwaErrorCode[] = ['ERR_LWA_UPSTREAM_CONNECTION', 'ERR_LWA_RATE_LIMITED', 'ERR_LWA_TIMEOUT'];
 * ```
 */
export type LwaErrorCode =
  | 'ERR_LWA_UPSTREAM_STATUS'
  | 'ERR_LWA_UPSTREAM_CONNECTION'
  | 'ERR_LWA_RESPONSE_CONTENT_TYPE'
  | 'ERR_LWA_RESPONSE_JSON'
  | 'ERR_LWA_RESPONSE_TOO_LARGE'
  | 'ERR_LWA_RESPONSE_SHAPE'
  | 'ERR_LWA_RATE_LIMITED'
  | 'ERR_LWA_TIMEOUT'
  | 'ERR_LWA_OVERLOADED'
  | 'ERR_LWA_CIRCUIT_OPEN';

/**
 * Base class of every error the strategy passes to `error()`.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (err instanceof LwaError) return res.status(err.status).json({ error: err.code });
 *   next(err);
 * });
 * ```
 */
export abstract class LwaError extends Error {
  /** Stable machine-readable code. */
  abstract readonly code: LwaErrorCode;
  /** HTTP status the app should answer with (502, 503 or 504). */
  abstract readonly status: number;
  /**
   * The Amazon endpoint involved; `undefined` when the strategy did not call Amazon at all
   * ({@link LwaOverloadedError}, {@link LwaCircuitOpenError}).
   */
  readonly endpoint: LwaEndpoint | undefined;

  protected constructor(message: string, endpoint: LwaEndpoint | undefined) {
    super(message);
    this.endpoint = endpoint;
  }

  /** Express and http-errors read `statusCode` as well as `status`. */
  get statusCode(): number {
    return this.status;
  }

  /** The message is ours and safe, but the app's error page should not show internals. */
  get expose(): boolean {
    return false;
  }
}

/**
 * Amazon could not be reached or answered with something that is not a valid answer: a 5xx or
 * other unexpected status, a connection failure, a wrong content type, malformed JSON, an
 * oversized body, or JSON of the wrong shape. Answered as 502 Bad Gateway: never a 401, since an
 * outage must not log users out.
 *
 * @example
 * ```ts
 * if (err instanceof LwaUpstreamError && err.code === 'ERR_LWA_UPSTREAM_CONNECTION') alertOnCall();
 * ```
 */
export class LwaUpstreamError extends LwaError {
  declare readonly endpoint: LwaEndpoint;
  override readonly code: Exclude<
    LwaErrorCode,
    'ERR_LWA_RATE_LIMITED' | 'ERR_LWA_TIMEOUT' | 'ERR_LWA_OVERLOADED' | 'ERR_LWA_CIRCUIT_OPEN'
  >;
  override readonly status = 502;
  /** Amazon's HTTP status, when there was one. */
  readonly upstreamStatus: number | undefined;
  /** Seconds Amazon asked us to wait (`Retry-After` on a 5xx), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: LwaUpstreamError['code'],
    endpoint: LwaEndpoint,
    detail: string,
    upstreamStatus?: number,
    retryAfterSeconds?: number,
  ) {
    super(`Login with Amazon ${endpoint}: ${detail}`, endpoint);
    this.name = 'LwaUpstreamError';
    this.code = code;
    this.upstreamStatus = upstreamStatus;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Amazon answered 429 Too Many Requests. Answered as 503 so clients back off and retry.
 *
 * @example
 * ```ts
 * if (err instanceof LwaRateLimitError) res.set('Retry-After', String(err.retryAfterSeconds ?? 1));
 * ```
 */
export class LwaRateLimitError extends LwaError {
  declare readonly endpoint: LwaEndpoint;
  override readonly code = 'ERR_LWA_RATE_LIMITED';
  override readonly status = 503;
  /** Seconds Amazon asked us to wait, when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(endpoint: LwaEndpoint, retryAfterSeconds?: number) {
    super(`Login with Amazon ${endpoint}: rate limited (429)`, endpoint);
    this.name = 'LwaRateLimitError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Amazon did not answer within `timeout` milliseconds, counted from the start of the verification:
 * waiting for a free connection, every attempt and every backoff included. Answered as 504 Gateway
 * Timeout.
 *
 * @example
 * ```ts
 * if (err instanceof LwaTimeoutError) metrics.increment('lwa.timeout');
 * ```
 */
export class LwaTimeoutError extends LwaError {
  declare readonly endpoint: LwaEndpoint;
  override readonly code = 'ERR_LWA_TIMEOUT';
  override readonly status = 504;

  constructor(endpoint: LwaEndpoint, timeoutMs: number) {
    super(`Login with Amazon ${endpoint}: no answer within ${timeoutMs} ms`, endpoint);
    this.name = 'LwaTimeoutError';
  }
}

/**
 * Too many verifications are already waiting on Amazon (`maxPending`): this one was refused at once,
 * without a call, so that a flood of new tokens cannot grow the heap or the queue without bound.
 * Answered as 503 Service Unavailable. Requests that join a verification of the same token already
 * in flight, and tokens the cache knows, are not affected.
 *
 * @example
 * ```ts
 * if (err instanceof LwaOverloadedError) res.set('Retry-After', '1');
 * ```
 */
export class LwaOverloadedError extends LwaError {
  override readonly code = 'ERR_LWA_OVERLOADED';
  override readonly status = 503;

  constructor(maxPending: number) {
    super(`Login with Amazon: ${maxPending} verifications already waiting on Amazon (maxPending)`, undefined);
    this.name = 'LwaOverloadedError';
  }
}

/**
 * The circuit breaker is open: the last verifications all ended in an outage, so this one failed at
 * once, without calling Amazon, until the `cooldown` lets a probe through. Answered as 503 Service
 * Unavailable. A token whose verified verdict the cache still holds within `cache.staleIfError` is
 * served from it instead.
 *
 * @example
 * ```ts
 * if (err instanceof LwaCircuitOpenError) res.set('Retry-After', String(err.retryAfterSeconds ?? 1));
 * ```
 */
export class LwaCircuitOpenError extends LwaError {
  override readonly code = 'ERR_LWA_CIRCUIT_OPEN';
  override readonly status = 503;
  /** Seconds until a probe may go through (rounded up); `undefined` while a probe is in flight. */
  readonly retryAfterSeconds: number | undefined;

  constructor(retryAfterSeconds?: number) {
    super('Login with Amazon: circuit open after repeated outages; not calling Amazon', undefined);
    this.name = 'LwaCircuitOpenError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Whether an error is Amazon failing (an outage): a 5xx or other unusable answer, a connection
 * error, a 429, a timeout. Only these count towards the circuit breaker and allow a stale verdict;
 * Amazon's refusals are answers, not outages, and never reach here as errors.
 */
export function isOutage(error: unknown): error is LwaUpstreamError | LwaRateLimitError | LwaTimeoutError {
  return error instanceof LwaUpstreamError || error instanceof LwaRateLimitError || error instanceof LwaTimeoutError;
}
