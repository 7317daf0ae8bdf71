// The OpenTelemetry recipe of docs/tracing.md: everything below this comment is the document's code
// block, verbatim but for the package's import, which is lib/ here (test/http/tracing.test.ts runs
// it, and checks that the two have not drifted apart).

import diagnostics_channel from 'node:diagnostics_channel';
import { context, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { CHANNELS, type ChannelMessages } from '../../lib';

/** The context of one authentication's trace: the same object on each of its events. */
type AuthenticateTrace = ChannelMessages['authenticate'];

/**
 * One `lwa.authenticate` span per authentication, a child of the span active when Passport called
 * the strategy (the HTTP server's, with @opentelemetry/instrumentation-http). Returns the function
 * that stops it.
 */
export function traceLwaAuthentications(tracer: Tracer): () => void {
  const channel = diagnostics_channel.tracingChannel<unknown, AuthenticateTrace>(CHANNELS.authenticate);
  const spans = new WeakMap<AuthenticateTrace, Span>();
  const subscribers = {
    start(trace: AuthenticateTrace) {
      spans.set(trace, tracer.startSpan('lwa.authenticate', {}, context.active()));
    },
    end() {},
    asyncStart() {},
    error() {},
    asyncEnd(trace: AuthenticateTrace) {
      const span = spans.get(trace);
      if (span === undefined) return;
      spans.delete(trace);
      // Attributes left undefined are not set: `lwa.cache` is absent when no verification ran.
      span.setAttributes({
        'lwa.outcome': trace.outcome,
        'lwa.status': trace.status,
        'lwa.reason': trace.reason,
        'lwa.error_code': trace.code,
        'lwa.cache': trace.cache,
        'lwa.upstream_attempts': trace.upstreamAttempts,
        'lwa.token_origin': trace.origin,
      });
      // A refusal is an answer, not a failure of the span. `trace.error` is not recorded: an app's
      // own error (thrown by `verify`) may carry what identifies its user; the code says enough.
      if (trace.outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: trace.code ?? 'error' });
      span.end();
    },
  };
  channel.subscribe(subscribers);
  return () => channel.unsubscribe(subscribers);
}
