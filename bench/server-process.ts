/**
 * The app under test, in a process of its own: Express 5, one route behind one strategy.
 * IMPL: 'passport-lwa-token' | 'no-op' | 'naive' | 'passport-amazon-token'.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import express from 'express';
import passport from 'passport';
import { CHANNELS, Strategy, type ChannelMessages } from '../lib';
import { serve } from './ipc';
import { NaiveStrategy } from './naive';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const AmazonTokenStrategy = require('passport-amazon-token') as new (
  options: Record<string, unknown>,
  verify: (
    accessToken: string,
    refreshToken: string,
    profile: { id: string },
    done: (err: unknown, user?: unknown) => void,
  ) => void,
) => passport.Strategy;

const env = (name: string): string => process.env[name] ?? '';
const [impl, clientID, tokenInfoURL, profileURL] = [
  env('IMPL'),
  env('CLIENT_ID'),
  env('TOKENINFO_URL'),
  env('PROFILE_URL'),
];

/** The baseline: succeeds at once, with a user of the same shape as the others' (same response size). */
class NoopStrategy extends passport.Strategy {
  override name = 'amazon-token';
  override authenticate(): void {
    this.success({ id: `amzn1.account.${'N'.repeat(28)}` });
  }
}

function strategyFor(name: string): passport.Strategy {
  switch (name) {
    case 'passport-lwa-token':
      // TIMEOUT: the burst scenarios' own `timeout` (burst.ts); the default otherwise.
      return new Strategy(
        { clientID, tokenInfoURL, profileURL, timeout: Number(env('TIMEOUT')) || undefined },
        async (_token, profile) => ({
          id: profile.id,
        }),
      );
    case 'no-op':
      return new NoopStrategy();
    case 'naive':
      return new NaiveStrategy(clientID, tokenInfoURL, profileURL);
    case 'passport-amazon-token':
      // Reads the token from the query or body only, and never asks tokeninfo (no audience check).
      return new AmazonTokenStrategy({ clientID, clientSecret: 'unused', profileURL }, (_a, _r, profile, done) =>
        done(null, { id: profile.id }),
      );
    default:
      throw new Error(`unknown IMPL ${name}`);
  }
}

// Counted only when asked (the herd): a subscriber costs a little on every request.
const cacheEvents: Record<string, number> = {};
if (env('COUNT_CACHE_EVENTS') === '1') {
  diagnostics_channel.subscribe(CHANNELS.cache, (event) => {
    const { type } = event as ChannelMessages['cache'];
    cacheEvents[type] = (cacheEvents[type] ?? 0) + 1;
  });
}

const pp = new passport.Passport();
pp.use(strategyFor(impl));
const app = express();
// The slowest answer of each status, timed here from the request's arrival (the burst scenarios):
// the load process shares these two cores, and its own times also count taking in its hundreds of
// connections at once before the app has seen a request.
const slowestMs: Record<string, number> = {};
if (env('TIME_ANSWERS') === '1') {
  app.use((_req, res, next) => {
    const arrived = performance.now();
    res.on('finish', () => {
      const status = String(res.statusCode);
      slowestMs[status] = Math.max(slowestMs[status] ?? 0, performance.now() - arrived);
    });
    next();
  });
}
app.use(express.json());
const guard = pp.authenticate('amazon-token', { session: false }) as express.RequestHandler;
app.get('/api/me', guard, (req, res) => {
  res.json({ user: req.user });
});
// An outage's status and code as JSON, without a log line each (the burst scenarios count them).
app.use(
  (
    err: { status?: number; code?: string },
    _req: express.Request,
    res: express.Response,
    _next: express.NextFunction,
  ) => {
    res.status(err.status ?? 500).json({ code: err.code });
  },
);
// A backlog for the burst scenarios' 1,000 connections at once (Node's default, 511, resets the rest).
const server = app.listen(0, '127.0.0.1', 2048);
server.keepAliveTimeout = 60_000;

serve(async (type) => {
  switch (type) {
    case 'url':
      if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/me`;
    case 'stats':
      return {
        cacheEvents,
        slowestMs,
        heapUsed: process.memoryUsage().heapUsed,
        cpuMicros: process.cpuUsage().user + process.cpuUsage().system,
      };
    default:
      throw new Error(`unknown request ${type}`);
  }
});
