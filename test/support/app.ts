import express, { type ErrorRequestHandler, type Express } from 'express';
import passport from 'passport';
import { Strategy, type StrategyOptions, type VerifyFunction } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';

export const CLIENT_ID = 'amzn1.application-oa2-client.test';

export type TestUser = { id: string; name?: string };

/** What the protected route answers with, for assertions. */
export interface MeBody {
  user: TestUser;
  authInfo: Record<string, unknown> & { tokenInfo: Record<string, unknown> };
}

/** The default verify: every Amazon customer is a user. */
export const acceptAll: VerifyFunction<TestUser> = async (_token, profile) => ({
  id: profile.id,
  name: profile.displayName,
});

/** Errors reach this handler; it answers with their status and code so tests can read both. */
export const errorHandler: ErrorRequestHandler = (
  err: { status?: number; code?: string; message?: string },
  _req,
  res,
  _next,
) => {
  res.status(err.status ?? 500).json({ code: err.code ?? 'app_error', message: err.message });
};

/**
 * An Express 5 app with the strategy on GET and POST /api/me, JSON and form bodies, a stateless
 * Passport instance of its own, pointed at the emulator.
 */
export function appWith(
  emu: LwaEmulator,
  options: Partial<StrategyOptions> = {},
  verify: VerifyFunction<TestUser> = acceptAll,
): { app: Express; strategy: Strategy<TestUser> } {
  const strategy = new Strategy<TestUser>(
    { clientID: CLIENT_ID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL, timeout: 2000, ...options },
    verify,
  );
  return { app: mount(strategy), strategy };
}

/** Mounts any strategy (both verify shapes) on the standard test routes. */
export function mount(strategy: passport.Strategy): Express {
  const pp = new passport.Passport();
  pp.use(strategy);
  const app = express();
  app.use(express.json());
  app.use(express.urlencoded({ extended: false }));
  const guard = pp.authenticate('amazon-token', { session: false });
  const me: express.RequestHandler = (req, res) => {
    res.json({ user: req.user, authInfo: req.authInfo });
  };
  app.get('/api/me', guard, me);
  app.post('/api/me', guard, me);
  app.use(errorHandler);
  return app;
}
