/**
 * Lets `passport.authenticate('amazon-token', { session: false, optional: true, scope })` be written
 * inline: Passport's types (`@types/passport`) know `scope` but not `optional`, which this strategy
 * reads per call. Module augmentation adds it to `AuthenticateOptions`, the type of `authenticate`'s
 * options under Express and of NestJS's `AuthGuard` options (`getAuthenticateOptions()`). In a
 * declaration file an augmentation of a module that is not installed is ignored, so apps without
 * `@types/passport` are not affected.
 *
 * @example
 * ```ts
 * app.get('/api/feed', passport.authenticate('amazon-token', { session: false, optional: true }), feed);
 * ```
 */
declare module 'passport' {
  interface AuthenticateOptions {
    /** `passport-lwa-token`: a request with no token at all goes through without `req.user`. */
    optional?: boolean | undefined;
  }
}

export {};
