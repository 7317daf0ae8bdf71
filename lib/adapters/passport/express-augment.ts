import type { TokenInfo } from '../../amazon/token-info';

/**
 * Types `req.authInfo.tokenInfo` in Express apps, without a cast. Passport's types (`@types/passport`)
 * give `req.authInfo` the type `Express.AuthInfo`, an interface meant to be extended; this adds the
 * field the strategy sets on success. It is optional because every strategy of an app shares
 * `Express.AuthInfo`: after another strategy, `tokenInfo` is absent. Declaring the namespace needs
 * neither `@types/express` nor `@types/passport`, so apps without them are not affected.
 *
 * @example
 * ```ts
 * app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => {
 *   res.json({ user: req.user, secondsLeft: req.authInfo?.tokenInfo?.expiresIn });
 * });
 * ```
 */
declare global {
  // Merging into Passport's global `Express` namespace is the only way to extend `req.authInfo`.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface AuthInfo {
      /** What tokeninfo said about the token, when `passport-lwa-token` authenticated the request. */
      tokenInfo?: TokenInfo;
    }
  }
}

export {};
