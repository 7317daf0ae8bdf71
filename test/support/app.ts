/** The test app: a strategy mounted on Express behind Passport, its requests, the refusals they must get, and one request through a strategy by hand, as Passport runs it. */
import express, { type ErrorRequestHandler, type Express } from 'express';
import passport from 'passport';
import request from 'supertest';
import type { VerifyFunction } from '../../lib';
import { validateHeaderValue } from 'node:http';

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

export interface MountOptions {
  /** Replaces {@link errorHandler}, for a test that keeps what the errors were. */
  readonly errorHandler?: ErrorRequestHandler;
}

/**
 * An Express 5 app with `strategy` on GET and POST /api/me, JSON and form bodies, and a stateless
 * Passport instance of its own. Takes either verify shape.
 */
export function mount(strategy: passport.Strategy, options: MountOptions = {}): Express {
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
  app.use(options.errorHandler ?? errorHandler);
  return app;
}

/** `Authorization: Bearer <token>`, for supertest's `set`. */
export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** GET /api/me with `token` as a bearer. */
export const getMe = (app: Parameters<typeof request>[0], token: string): request.Test =>
  request(app).get('/api/me').set(bearer(token));

/**
 * A refusal as RFC 6750 answers it: `status`, and the challenge of the default realm, bare without
 * `error`, else with the error code and its fixed description (docs/design.md, Outcomes).
 */
export function expectRefused(
  res: { status: number; headers: Record<string, unknown> },
  status: number,
  error?: string,
): void {
  const challenge =
    error === undefined
      ? 'Bearer realm="Users"'
      : expect.stringMatching(new RegExp(`^Bearer realm="Users", error="${error}", error_description="[^"\\\\]*"$`));
  expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({ status, challenge });
}

export type Outcome =
  | { kind: 'fail'; challenge: unknown; status: unknown }
  | { kind: 'error'; err: unknown }
  | { kind: 'success'; user: unknown; info: unknown };

/**
 * Runs one request through `strategy` as Passport would, and resolves with how it ended. Headers the
 * strategy sets on `req.res` are recorded, after Node's own check of each value.
 */
export function authenticateOnce(
  strategy: { authenticate(req: never): void },
  req: Record<string, unknown>,
): Promise<{ outcome: Outcome; headers: Array<[string, string]> }> {
  const headers: Array<[string, string]> = [];
  req.res = {
    headersSent: false,
    setHeader: (name: string, value: string) => {
      validateHeaderValue(name, value); // throws on what Node would refuse to send
      headers.push([name, value]);
    },
  };
  return new Promise((resolve, reject) => {
    const run = Object.create(strategy) as typeof strategy & {
      fail(challenge: unknown, status: unknown): void;
      error(err: unknown): void;
      success(user: unknown, info: unknown): void;
    };
    const done = (outcome: Outcome) => resolve({ outcome, headers });
    run.fail = (challenge, status) => done({ kind: 'fail', challenge, status });
    run.error = (err) => done({ kind: 'error', err });
    run.success = (user, info) => done({ kind: 'success', user, info });
    try {
      run.authenticate(req as never);
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
