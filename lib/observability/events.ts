import diagnostics_channel from 'node:diagnostics_channel';
import type { LwaEndpoint, LwaErrorCode } from '../errors';
import type { TokenOrigin } from '../request/extract';
import type { RefusalReason } from '../refusal';
import type { AuthenticateTraceContext } from './tracing';

/**
 * Observability through `node:diagnostics_channel`: subscribe by name, pay nothing when nobody
 * does. Events carry no token, no token hash, no profile data and no URL.
 *
 * @example
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * diagnostics_channel.subscribe('passport-lwa-token:upstream', (e) => metrics.timing(`lwa.${e.endpoint}`, e.durationMs));
 * ```
 */
export const CHANNELS = Object.freeze({
  /** One attempt at one of Amazon's two endpoints: `ChannelMessages['upstream']`. */
  upstream: 'passport-lwa-token:upstream',
  /** How each authentication or verification ended: `ChannelMessages['outcome']`. */
  outcome: 'passport-lwa-token:outcome',
  /** How the verification cache took part: `ChannelMessages['cache']`. */
  cache: 'passport-lwa-token:cache',
  /** A change of the circuit breaker's state: `ChannelMessages['circuit']`. */
  circuit: 'passport-lwa-token:circuit',
  /**
   * A tracing channel, not a plain one: `diagnostics_channel.tracingChannel(CHANNELS.authenticate)`,
   * one trace per authentication, its context a `ChannelMessages['authenticate']` (docs/tracing.md).
   */
  authenticate: 'passport-lwa-token:authenticate',
} as const);

/**
 * One HTTP call to Amazon (each attempt, when retried).
 * @example
 * ```ts
 * diagnostics_channel.subscribe(CHANNELS.upstream, (message) => {
 *   const e = message as UpstreamEvent;
 *   histogram.observe({ endpoint: e.endpoint, status: e.status ?? e.code }, e.durationMs);
 * });
 * ```
 */
export interface UpstreamEvent {
  readonly endpoint: LwaEndpoint;
  /**
   * 1 for the first call, 2 for the first retry, and so on; 0 for a connection opened ahead of the
   * calls (docs/caching-and-scale.md), published only when it fails.
   */
  readonly attempt: number;
  /** Amazon's HTTP status, when an answer arrived. */
  readonly status?: number;
  /** Set when the call ended in an error. */
  readonly code?: LwaErrorCode;
  /** With `ERR_LWA_UPSTREAM_CONNECTION`: the underlying error's code or class (`ECONNREFUSED`, `NotCapable`). */
  readonly cause?: string;
  readonly durationMs: number;
}

/**
 * How one authentication ended.
 * @example
 * ```ts
 * diagnostics_channel.subscribe(CHANNELS.outcome, (message) => {
 *   const e = message as OutcomeEvent;
 *   counter.inc({ outcome: e.outcome, status: e.status, reason: e.reason ?? e.code ?? '' });
 * });
 * ```
 */
export interface OutcomeEvent {
  readonly outcome: 'success' | 'fail' | 'error';
  /** The HTTP status this outcome maps to (the app's error handler decides for app errors). */
  readonly status: number;
  readonly reason?: RefusalReason;
  readonly code?: LwaErrorCode;
  readonly origin?: TokenOrigin;
}

/**
 * One verification-cache lookup, or a store failure. Every token the strategy verifies produces
 * exactly one of `hit`, `miss` or `shared`; a `store-error` comes on top, whenever a call to the
 * cache store failed or overran its time limit (the request then went on as if there were no cache);
 * a `stale` comes on top of a `miss` when asking Amazon ended in an outage (or was not tried: circuit
 * open, refused for load) and a verified verdict past its `ttl` but within `cache.staleIfError` was
 * used instead (`req.authInfo.tokenInfo.stale` is then `true`).
 * @example
 * ```ts
 * diagnostics_channel.subscribe(CHANNELS.cache, (message) => {
 *   const e = message as CacheEvent;
 *   if (e.type === 'store-error') log.warn('LWA cache store unavailable; verifying with Amazon');
 * });
 * ```
 */
export type CacheEvent =
  | {
      readonly type: 'hit';
      /** What the cached answer said: a verified token, or one of Amazon's refusals. */
      readonly verdict: 'verified' | 'refused';
    }
  | { readonly type: 'miss' }
  /** Joined a verification of the same token already in flight (single flight). */
  | { readonly type: 'shared' }
  /** Amazon was unavailable; a verified verdict within `cache.staleIfError` answered instead. */
  | { readonly type: 'stale' }
  | {
      readonly type: 'store-error';
      /** `publish`, `subscribe`: a revocation's message (`subscribe`: the subscriber lost its connection). */
      readonly operation: 'get' | 'set' | 'delete' | 'publish' | 'subscribe';
      /** `'timeout'`: no answer within `cache.storeTimeout`; `'error'`: it threw or rejected. */
      readonly reason: 'timeout' | 'error';
      readonly durationMs: number;
    };

/**
 * The circuit breaker changed state (the `circuitBreaker` option). `open`: verifications that need
 * Amazon fail at once (`ERR_LWA_CIRCUIT_OPEN`) or are served stale; `half-open`: the cooldown is
 * over and one probe is calling Amazon; `closed`: the probe succeeded (an answer or a refusal).
 * @example
 * ```ts
 * diagnostics_channel.subscribe(CHANNELS.circuit, (message) => {
 *   const e = message as CircuitEvent;
 *   if (e.state === 'open') log.error(`Login with Amazon unavailable (${e.code}); failing fast`);
 * });
 * ```
 */
export interface CircuitEvent {
  readonly state: 'closed' | 'open' | 'half-open';
  readonly previous: 'closed' | 'open' | 'half-open';
  /** With `open`: the outage that opened it (the last of `threshold` in a row, or the failed probe). */
  readonly code?: LwaErrorCode;
}

/**
 * What each of the {@link CHANNELS} carries: `ChannelMessages['cache']` is a cache event, and
 * `ChannelMessages['authenticate']` the context of an authentication's trace.
 * @example
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * import { CHANNELS, type ChannelMessages } from 'passport-lwa-token';
 *
 * diagnostics_channel.subscribe(CHANNELS.outcome, (message) => {
 *   const event = message as ChannelMessages['outcome'];
 *   if (event.outcome === 'error') metrics.increment(`lwa.error.${event.code ?? 'app'}`);
 * });
 * ```
 */
export interface ChannelMessages {
  /** One attempt at one of Amazon's two endpoints. */
  readonly upstream: UpstreamEvent;
  /** How one authentication (or verification) ended. */
  readonly outcome: OutcomeEvent;
  /** How the verification cache took part. */
  readonly cache: CacheEvent;
  /** A change of the circuit breaker's state. */
  readonly circuit: CircuitEvent;
  /** The context of one trace on `tracingChannel(CHANNELS.authenticate)`. */
  readonly authenticate: AuthenticateTraceContext;
}

const upstream = diagnostics_channel.channel(CHANNELS.upstream);
const outcome = diagnostics_channel.channel(CHANNELS.outcome);
const cache = diagnostics_channel.channel(CHANNELS.cache);
const circuit = diagnostics_channel.channel(CHANNELS.circuit);

export function publishUpstream(event: UpstreamEvent): void {
  if (upstream.hasSubscribers) upstream.publish(event);
}

export function publishOutcome(event: OutcomeEvent): void {
  if (outcome.hasSubscribers) outcome.publish(event);
}

export function publishCache(event: CacheEvent): void {
  if (cache.hasSubscribers) cache.publish(event);
}

export function publishCircuit(event: CircuitEvent): void {
  if (circuit.hasSubscribers) circuit.publish(event);
}
