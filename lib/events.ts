import diagnostics_channel from 'node:diagnostics_channel';
import type { LwaEndpoint, LwaErrorCode } from './errors';
import type { TokenOrigin } from './extract';
import type { RefusalReason } from './refusal';

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
  upstream: 'passport-lwa-token:upstream',
  outcome: 'passport-lwa-token:outcome',
  cache: 'passport-lwa-token:cache',
} as const);

/** One HTTP call to Amazon (each attempt, when retried). */
export interface UpstreamEvent {
  readonly endpoint: LwaEndpoint;
  /** Amazon's HTTP status, when an answer arrived. */
  readonly status?: number;
  /** Set when the call ended in an error. */
  readonly code?: LwaErrorCode;
  readonly durationMs: number;
}

/** How one authentication ended. */
export interface OutcomeEvent {
  readonly outcome: 'success' | 'fail' | 'error';
  /** The HTTP status this outcome maps to (the app's error handler decides for app errors). */
  readonly status: number;
  readonly reason?: RefusalReason;
  readonly code?: LwaErrorCode;
  readonly origin?: TokenOrigin;
}

const upstream = diagnostics_channel.channel(CHANNELS.upstream);
const outcome = diagnostics_channel.channel(CHANNELS.outcome);

export function publishUpstream(event: UpstreamEvent): void {
  if (upstream.hasSubscribers) upstream.publish(event);
}

export function publishOutcome(event: OutcomeEvent): void {
  if (outcome.hasSubscribers) outcome.publish(event);
}
