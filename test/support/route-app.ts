/**
 * An Express app whose routes each authenticate with options of their own (`scope`, `optional`),
 * for the scope, optional and profile-free tests. Errors answer with their status (500 for the
 * app's own) and name, so a test can tell a `TypeError` from an `LwaError`.
 */
import express, { type ErrorRequestHandler, type Express } from 'express';
import passport from 'passport';

/** What a route of {@link routeApp} answers: `user` is `null` when an optional route passed. */
export interface RouteBody {
  user: { id: string; name?: string } | null;
  authInfo?: Record<string, unknown>;
}

/**
 * GET `path` for each entry of `routes`, behind `passport.authenticate('amazon-token', { session:
 * false, ...options })`. The options go through a variable, as an app must write them: Passport's
 * types do not know `optional`.
 */
export function routeApp(strategy: passport.Strategy, routes: Record<string, Record<string, unknown>>): Express {
  const pp = new passport.Passport();
  pp.use(strategy);
  const app = express();
  app.use(express.json());
  for (const [path, options] of Object.entries(routes)) {
    const authenticateOptions = { session: false, ...options };
    app.get(path, pp.authenticate('amazon-token', authenticateOptions), (req, res) => {
      res.json({ user: req.user ?? null, authInfo: req.authInfo });
    });
  }
  const onError: ErrorRequestHandler = (err: { status?: number; code?: string; name?: string }, _req, res, _next) => {
    res.status(err.status ?? 500).json({ code: err.code ?? 'app_error', name: err.name });
  };
  app.use(onError);
  return app;
}

/** The exact challenge of a route whose `scope` the token's profile does not show. */
export const scopeChallenge = (scope: string): string =>
  `Bearer realm="Users", error="insufficient_scope", error_description="The access token does not grant the scope this resource needs", scope="${scope}"`;
