/**
 * The app under the failure drill (bench/drill.ts), in a process of its own: Express 5, one route
 * behind one strategy, configured from the environment.
 *
 * Env: CLIENT_ID, TOKENINFO_URL, PROFILE_URL, DRILL_OPTIONS (JSON: strategy options other than the
 * URLs and the client ID), REDIS_URL (optional: the cache in Redis through Keyv, the README recipe).
 *
 * It measures what the strategy makes each request wait: from the middleware in front of
 * `passport.authenticate` to the end of the answer, so that the drill's "within `timeout` plus a
 * margin" is about the strategy, not about the load generator's own queue. It also records circuit
 * and cache events. IPC: `url`, `stats` (`{ gc }`), `window` (the longest wait since the last call).
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import { constants, PerformanceObserver, type NodeGCPerformanceDetail } from 'node:perf_hooks';
import { createKeyv } from '@keyv/redis';
import express from 'express';
import passport from 'passport';
import { CHANNELS, Strategy, type AmazonAuthInfo, type ChannelMessages } from '../lib';
import type { StrategyOptions } from '../lib';
import { serve } from './ipc';

const env = (name: string): string => process.env[name] ?? '';

const cacheEvents: Record<string, number> = {};
diagnostics_channel.subscribe(CHANNELS.cache, (event) => {
  const { type } = event as ChannelMessages['cache'];
  cacheEvents[type] = (cacheEvents[type] ?? 0) + 1;
});
const circuitEvents: Array<ChannelMessages['circuit'] & { at: number }> = [];
diagnostics_channel.subscribe(CHANNELS.circuit, (event) => {
  circuitEvents.push({ ...(event as ChannelMessages['circuit']), at: Date.now() });
});

// The live heap, read right after each full (major) GC V8 runs by itself: what the app holds on to,
// without forcing a GC (which would stall the app and distort the latencies being measured).
let liveHeapMax = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const detail = (entry as { detail?: NodeGCPerformanceDetail }).detail;
    if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      liveHeapMax = Math.max(liveHeapMax, process.memoryUsage().heapUsed);
    }
  }
}).observe({ entryTypes: ['gc'] });

const options = JSON.parse(env('DRILL_OPTIONS') || '{}') as Partial<StrategyOptions>;
let cache = options.cache;
if (env('REDIS_URL')) {
  const store = createKeyv(env('REDIS_URL'), { throwOnErrors: true });
  store.on('error', () => undefined);
  cache = { ...(typeof cache === 'object' ? cache : {}), store };
}
const strategy = new Strategy(
  { ...options, cache, clientID: env('CLIENT_ID'), tokenInfoURL: env('TOKENINFO_URL'), profileURL: env('PROFILE_URL') },
  async (_token, profile) => ({ id: profile.id }),
);

/** What the strategy made the requests marked `x-drill-watch: 1` wait (ms), for the drill's watched user. */
const watched: number[] = [];
let windowMax = 0;
let overallMax = 0;
let answered = 0;
const pp = new passport.Passport();
pp.use(strategy);
const app = express();
const timed: express.RequestHandler = (req, res, next) => {
  const started = performance.now();
  res.once('finish', () => {
    const waited = performance.now() - started;
    if (req.headers['x-drill-watch'] === '1') watched.push(waited);
    answered += 1;
    if (waited > windowMax) windowMax = waited;
    if (waited > overallMax) overallMax = waited;
  });
  next();
};
const guard = pp.authenticate('amazon-token', { session: false }) as express.RequestHandler;
app.get('/api/me', timed, guard, (req, res) => {
  const info = req.authInfo as AmazonAuthInfo;
  res.json({ user: req.user, stale: info.tokenInfo.stale === true });
});
const onError: express.ErrorRequestHandler = (err: { status?: number; code?: string }, _req, res, _next) => {
  res.status(err.status ?? 500).json({ code: err.code ?? 'app_error' });
};
app.use(onError);
const server = app.listen(0, '127.0.0.1');
server.keepAliveTimeout = 60_000;

serve(async (type, args) => {
  switch (type) {
    case 'url':
      if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    case 'stats':
      if (args.gc === true) (globalThis as { gc?: () => void }).gc?.();
      return {
        heapUsed: process.memoryUsage().heapUsed,
        cacheEvents,
        circuitEvents,
        answered,
        maxWaitMs: overallMax,
        watched: args.watched === true ? watched.splice(0) : [],
        liveHeapMax,
      };
    case 'reset-live-heap':
      liveHeapMax = 0;
      return null;
    case 'window': {
      const max = windowMax;
      windowMax = 0;
      return max;
    }
    default:
      throw new Error(`unknown request ${type}`);
  }
});
