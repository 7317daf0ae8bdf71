import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics_channel from 'node:diagnostics_channel';
import type { LwaErrorCode } from '../errors';
import { CHANNELS, publishOutcome, type OutcomeEvent } from './events';
import type { TokenOrigin } from '../request/extract';
import type { RefusalReason } from '../refusal';

/**
 * How the verification cache took part in one authentication: `hit` (a kept verdict answered),
 * `miss` (Amazon was asked; with `cache: false`, every verification), `shared` (joined a
 * verification of the same token already in flight), `stale` (Amazon was unavailable and a verified
 * verdict within `cache.staleIfError` answered instead).
 */
export type TraceCacheResult = 'hit' | 'miss' | 'shared' | 'stale';

/**
 * The context of one trace on `tracingChannel(CHANNELS.authenticate)`: the same object on each of
 * its events. It never holds the token, the profile, the user or anything else that identifies the
 * customer or the app's client (`error`, when set, is what Passport's `error()` was given: one of
 * the library's {@link LwaError}s, whose messages carry no token, or the app's own error).
 *
 * Every authentication publishes `start`, `end`, `asyncStart` and `asyncEnd`, in that order, and
 * `error` just before `asyncStart` when the outcome is `error`. The outcome fields are set by
 * `asyncStart` (by `end` already when the outcome was decided before `authenticate()` returned: no
 * token, say). `asyncEnd` comes as soon as the outcome is decided, before Passport is told.
 *
 * @example
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * import { CHANNELS, type ChannelMessages } from 'passport-lwa-token';
 *
 * diagnostics_channel.tracingChannel<unknown, ChannelMessages['authenticate']>(CHANNELS.authenticate).subscribe({
 *   start() {},
 *   end() {},
 *   asyncStart() {},
 *   error() {},
 *   asyncEnd(context) {
 *     logger.info({ outcome: context.outcome, cache: context.cache, attempts: context.upstreamAttempts });
 *   },
 * });
 * ```
 */
export interface AuthenticateTraceContext {
  readonly outcome?: 'success' | 'fail' | 'error';
  /** The HTTP status the outcome maps to, as on the outcome channel. */
  readonly status?: number;
  /** Why the token was refused (`fail`). */
  readonly reason?: RefusalReason;
  /** The library's error code (`error` with an {@link LwaError}). */
  readonly code?: LwaErrorCode;
  /** Absent when no verification was needed (no token, a token of the wrong form). */
  readonly cache?: TraceCacheResult;
  /**
   * Attempts at asking Amazon for this authentication, counted as `UpstreamEvent.attempt` counts
   * them: 0 when none was made (a cache hit, a shared verification, an open circuit, no token), 1
   * when tokeninfo and profile (asked at once) each answered at the first attempt, 2 after a retry.
   */
  readonly upstreamAttempts: number;
  /** Where the token came from, once one was found. */
  readonly origin?: TokenOrigin;
  /** With outcome `error`: what Passport's `error()` was given. */
  readonly error?: unknown;
}

/** What the verifiers fill in for the trace of one authentication. */
interface VerificationTrace {
  cache?: TraceCacheResult;
  upstreamAttempts: number;
}

const channel = diagnostics_channel.tracingChannel<unknown, AuthenticationTrace>(CHANNELS.authenticate);

/**
 * The trace of the authentication the current code runs for. The cache and the Amazon client
 * record into it from wherever they are, so no trace parameter runs through the pipeline. Entered
 * only while someone traces: otherwise `getStore()` is `undefined` and nothing is recorded. (Not
 * `channel.start.bindStore`: a bound store would count as a subscriber and turn tracing on.)
 */
const current = new AsyncLocalStorage<VerificationTrace>();

/** Records how the cache took part, in the authentication being traced (if any). */
export function traceCache(result: TraceCacheResult): void {
  const trace = current.getStore();
  if (trace !== undefined) trace.cache = result;
}

/** Records an attempt at asking Amazon (1 for the first); the two calls run at once, so the most wins. */
export function traceAttempt(attempt: number): void {
  const trace = current.getStore();
  if (trace !== undefined && attempt > trace.upstreamAttempts) trace.upstreamAttempts = attempt;
}

/** Whether anyone listens: when nobody does, an authentication allocates nothing for tracing. */
export function tracingAuthentications(): boolean {
  return channel.hasSubscribers;
}

/**
 * The trace of one authentication: the context the channel publishes, with the bookkeeping that
 * orders its events kept in private fields, out of the subscribers' sight.
 */
export class AuthenticationTrace implements AuthenticateTraceContext, VerificationTrace {
  declare outcome?: 'success' | 'fail' | 'error';
  declare status?: number;
  declare reason?: RefusalReason;
  declare code?: LwaErrorCode;
  declare cache?: TraceCacheResult;
  upstreamAttempts = 0;
  declare origin?: TokenOrigin;
  declare error?: unknown;
  #decided = false;
  #returned = false;

  /**
   * Records how the authentication ended (the first outcome wins), and ends the trace if
   * `authenticate()` has returned; otherwise {@link traceAuthentication} ends it when it does.
   */
  decide(event: OutcomeEvent, error?: unknown): void {
    if (this.#decided) return;
    this.#decided = true;
    this.outcome = event.outcome;
    this.status = event.status;
    if (event.reason !== undefined) this.reason = event.reason;
    if (event.code !== undefined) this.code = event.code;
    if (event.origin !== undefined) this.origin = event.origin;
    if (event.outcome === 'error') this.error = error;
    if (this.#returned) this.#finish();
  }

  /** `authenticate()` has returned (`end` is published). */
  returned(): void {
    this.#returned = true;
    if (this.#decided) this.#finish();
  }

  #finish(): void {
    if (this.outcome === 'error') channel.error.publish(this);
    channel.asyncStart.publish(this);
    channel.asyncEnd.publish(this);
  }
}

/**
 * Runs one authentication as a trace: `start` (with the stores bound to it, so that what the
 * authentication calls runs in the subscriber's context), `run`, `end`; the rest follows once `run`
 * has decided the outcome ({@link AuthenticationTrace.decide}), now or later. Call only when
 * {@link tracingAuthentications}.
 */
export function traceAuthentication(run: (trace: AuthenticationTrace) => void): void {
  const trace = new AuthenticationTrace();
  current.run(trace, () =>
    channel.start.runStores(trace, () => {
      try {
        run(trace);
      } catch (err) {
        // A throw out of authenticate() is a bug (ours or a Passport action's); the trace still ends.
        trace.decide({ outcome: 'error', status: 500 }, err);
        throw err;
      } finally {
        channel.end.publish(trace);
        trace.returned();
      }
    }),
  );
}

/** Publishes an outcome event, and records the outcome in the authentication's trace if it has one. */
export function reportOutcome(event: OutcomeEvent, trace: AuthenticationTrace | undefined, error?: unknown): void {
  publishOutcome(event);
  trace?.decide(event, error);
}
