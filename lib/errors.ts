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
   * (an {@link LwaUnavailableError} with `ERR_LWA_OVERLOADED` or `ERR_LWA_CIRCUIT_OPEN`).
   */
  readonly endpoint: LwaEndpoint | undefined;

  /** @internal Built by the library only. */
  protected constructor(message: string, endpoint: LwaEndpoint | undefined, cause?: Error) {
    super(message, cause === undefined ? undefined : { cause });
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
 * outage must not log users out. A connection failure's `cause` is the underlying error (a copy of
 * its name, code and message): `ECONNREFUSED`, `ENOTFOUND`, a TLS error, Deno's `NotCapable`.
 *
 * @example
 * ```ts
 * if (err instanceof LwaUpstreamError && err.code === 'ERR_LWA_UPSTREAM_CONNECTION') alertOnCall();
 * ```
 */
export class LwaUpstreamError extends LwaError {
  declare readonly endpoint: LwaEndpoint;
  override readonly code: Exclude<LwaErrorCode, LwaUnavailableError['code'] | 'ERR_LWA_TIMEOUT'>;
  override readonly status = 502;
  /** Amazon's HTTP status, when there was one. */
  readonly upstreamStatus: number | undefined;
  /** Seconds Amazon asked us to wait (`Retry-After` on a 5xx), when it said. */
  readonly retryAfterSeconds: number | undefined;

  /** @internal Built by the library only. */
  constructor(
    code: LwaUpstreamError['code'],
    endpoint: LwaEndpoint,
    detail: string,
    upstreamStatus?: number,
    retryAfterSeconds?: number,
    cause?: Error,
  ) {
    super(`Login with Amazon ${endpoint}: ${detail}`, endpoint, cause);
    this.name = 'LwaUpstreamError';
    this.code = code;
    this.upstreamStatus = upstreamStatus;
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

  /** @internal Built by the library only. */
  constructor(endpoint: LwaEndpoint, timeoutMs: number) {
    super(`Login with Amazon ${endpoint}: no answer within ${timeoutMs} ms`, endpoint);
    this.name = 'LwaTimeoutError';
  }
}

/**
 * Amazon cannot be asked now, so the token could not be checked: a 503. `code` says why:
 * `ERR_LWA_RATE_LIMITED` (Amazon answered 429), `ERR_LWA_OVERLOADED` (at Amazon's current pace the
 * verification could not be answered within `timeout`: refused early, no call), `ERR_LWA_CIRCUIT_OPEN` (Amazon failed repeatedly: not
 * asked until the circuit breaker's cooldown has passed). Never a verdict on the token.
 *
 * @example
 * ```ts
 * if (err instanceof LwaUnavailableError && err.retryAfterSeconds !== undefined) {
 *   res.set('Retry-After', String(err.retryAfterSeconds));
 * }
 * ```
 */
export class LwaUnavailableError extends LwaError {
  override readonly code: 'ERR_LWA_RATE_LIMITED' | 'ERR_LWA_OVERLOADED' | 'ERR_LWA_CIRCUIT_OPEN';
  override readonly status = 503;
  /** Seconds to wait before trying again, when known (Amazon's `Retry-After`, the circuit's cooldown). */
  readonly retryAfterSeconds: number | undefined;

  /** @internal Built by the library: {@link rateLimited}, {@link overloaded}, {@link circuitOpen}. */
  constructor(
    code: LwaUnavailableError['code'],
    message: string,
    endpoint: LwaEndpoint | undefined,
    retryAfterSeconds: number | undefined,
  ) {
    super(message, endpoint);
    this.name = 'LwaUnavailableError';
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Amazon answered 429. */
export function rateLimited(endpoint: LwaEndpoint, retryAfterSeconds?: number): LwaUnavailableError {
  return new LwaUnavailableError(
    'ERR_LWA_RATE_LIMITED',
    `Login with Amazon ${endpoint}: rate limited (429)`,
    endpoint,
    retryAfterSeconds,
  );
}

/** At Amazon's current pace, a verification waiting its turn could not be answered within `timeout`. */
export function overloaded(waiting: number): LwaUnavailableError {
  return new LwaUnavailableError(
    'ERR_LWA_OVERLOADED',
    `Login with Amazon: no answer possible within timeout at Amazon's current pace (${waiting} verifications waiting)`,
    undefined,
    undefined,
  );
}

/** The circuit breaker is open; `retryAfterSeconds` is undefined while a probe is in flight. */
export function circuitOpen(retryAfterSeconds?: number): LwaUnavailableError {
  return new LwaUnavailableError(
    'ERR_LWA_CIRCUIT_OPEN',
    'Login with Amazon: circuit open after repeated outages; not calling Amazon',
    undefined,
    retryAfterSeconds,
  );
}

/**
 * Whether an error is Amazon failing (an outage): a 5xx or other unusable answer, a connection
 * error, a 429, a timeout. Only these count towards the circuit breaker and allow a stale verdict;
 * Amazon's refusals are answers, not outages, and never reach here as errors.
 */
export function isOutage(error: unknown): error is LwaUpstreamError | LwaUnavailableError | LwaTimeoutError {
  return (
    error instanceof LwaUpstreamError ||
    error instanceof LwaTimeoutError ||
    (error instanceof LwaUnavailableError && error.code === 'ERR_LWA_RATE_LIMITED')
  );
}
