import { setTimeout as delay } from 'node:timers/promises';
import { LwaUnavailableError, LwaUpstreamError, type LwaError } from '../errors';

/**
 * When and how long to wait before calling Amazon again. Only the two idempotent GETs are retried,
 * and only after a failure that a second try can cure: a connection error, a 5xx, a 429. A 4xx is
 * an answer about the token (or the configuration) and a second try would get the same one; an
 * answer that is malformed is not retried either. Every wait fits inside the call's one deadline.
 */

/** The clock, the dice and the wait a retry loop uses; tests replace them to control both. */
export interface RetryTiming {
  /** A number in [0, 1): the jitter. */
  readonly random: () => number;
  /** Milliseconds on a monotonic clock. */
  readonly now: () => number;
  /** Resolves after `ms`, or rejects as soon as `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The backoff before the first retry lies in [BASE / 2, BASE); it doubles for each further one. */
const BACKOFF_BASE_MS = 100;
/** No backoff (Retry-After aside) is longer than this. */
export const BACKOFF_CAP_MS = 2000;
/**
 * A retry is worth starting only with at least this much of the deadline left after the wait
 * (a quarter of a short `timeout`), and never less than the last attempt took.
 */
const MIN_ATTEMPT_MS = 250;

export const DEFAULT_TIMING: RetryTiming = Object.freeze({
  random: Math.random,
  now: () => performance.now(),
  sleep: (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }),
});

/** What Amazon's `Retry-After` asked for, in milliseconds (0 when it said nothing). */
function askedWaitMs(error: LwaError): number {
  const seconds =
    error instanceof LwaUnavailableError || error instanceof LwaUpstreamError ? error.retryAfterSeconds : undefined;
  return (seconds ?? 0) * 1000;
}

/** Whether a second try could end differently: a connection error, a 5xx, a 429. */
export function isRetryable(error: LwaError): boolean {
  if (error instanceof LwaUnavailableError) return error.code === 'ERR_LWA_RATE_LIMITED';
  if (!(error instanceof LwaUpstreamError)) return false; // a timeout has used the whole budget
  if (error.code === 'ERR_LWA_UPSTREAM_CONNECTION') return true;
  return error.code === 'ERR_LWA_UPSTREAM_STATUS' && error.upstreamStatus !== undefined && error.upstreamStatus >= 500;
}

/** Equal jitter: half the exponential step, plus a random part of the other half. */
export function backoffMs(retry: number, random: () => number): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
  return Math.floor(step / 2 + (step / 2) * Math.min(Math.max(random(), 0), 1));
}

/**
 * Milliseconds to wait before retry number `retry` (1 for the first), or `undefined` for no retry:
 * the error is final, the retries are used up, or the wait (at least what `Retry-After` asked for)
 * plus one more attempt would not fit in the `remainingMs` of the deadline. One more attempt is
 * taken to last as long as the last one did (`lastAttemptMs`: Amazon answering a 500 after a
 * second will not answer the retry much faster), and at least {@link MIN_ATTEMPT_MS} (a quarter of
 * a short `timeout`): a retry that cannot finish would only turn a 502 or a 503 into a 504.
 */
export function retryDelay(
  error: LwaError,
  retry: number,
  maxRetries: number,
  remainingMs: number,
  timeoutMs: number,
  random: () => number,
  lastAttemptMs = 0,
): number | undefined {
  if (retry > maxRetries || !isRetryable(error)) return undefined;
  const wait = Math.max(askedWaitMs(error), backoffMs(retry, random));
  const attemptMs = Math.max(Math.min(MIN_ATTEMPT_MS, Math.floor(timeoutMs / 4)), lastAttemptMs);
  return wait + attemptMs <= remainingMs ? wait : undefined;
}
