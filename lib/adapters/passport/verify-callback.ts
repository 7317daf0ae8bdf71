import type { AmazonProfile } from '../../amazon/profile';

/**
 * What `verify` may hand back as the user: a falsy value refuses the sign-in.
 * @example
 * ```ts
 * const verify: VerifyFunction<User> = async (_token, profile): Promise<VerifyResult<User>> =>
 *   (await users.findByAmazonId(profile.id)) ?? false; // false: refused, 401
 * ```
 */
export type VerifyResult<TUser> = TUser | false | null | undefined;

/**
 * Passport's `done`: `done(err)`, `done(null, user, info)` or `done(null, false, info)`.
 * @example
 * ```ts
 * new Strategy({ clientID }, (accessToken, profile, done: VerifyDone<User>) => {
 *   users.findByAmazonId(profile.id, (err, user) => done(err, user ?? false, { firstSignIn: !user }));
 * });
 * ```
 */
export type VerifyDone<TUser> = (err?: unknown, user?: VerifyResult<TUser>, info?: object) => void;

/**
 * Your function that maps the Amazon customer to your user. Return (or resolve to) the user, or a
 * falsy value to refuse; or, callback style, declare `done` and call `done(err, user, info)`.
 * A function that declares no `done` must return its answer: returning `undefined` is an error.
 *
 * @example
 * ```ts
 * const verify: VerifyFunction<User> = async (accessToken, profile) => users.findOrCreateByAmazonId(profile.id);
 * ```
 */
export type VerifyFunction<TUser> = (
  accessToken: string,
  profile: AmazonProfile,
  done: VerifyDone<TUser>,
) => void | VerifyResult<TUser> | PromiseLike<VerifyResult<TUser>>;

/**
 * As {@link VerifyFunction}, with the request first (`passReqToCallback: true`): to link the Amazon
 * account to the user already signed in through `req.user`, say.
 *
 * @example
 * ```ts
 * const verify: VerifyFunctionWithRequest<User, express.Request> = async (req, accessToken, profile) =>
 *   req.user ? users.link(req.user, profile) : users.findByAmazonId(profile.id);
 * ```
 */
export type VerifyFunctionWithRequest<TUser, TRequest> = (
  req: TRequest,
  accessToken: string,
  profile: AmazonProfile,
  done: VerifyDone<TUser>,
) => void | VerifyResult<TUser> | PromiseLike<VerifyResult<TUser>>;

interface VerifyAnswer<TUser> {
  readonly user: VerifyResult<TUser>;
  readonly info: object | undefined;
}

/**
 * Refuses, at construction, a `verify` that declares more parameters than it is called with: the
 * `(accessToken, refreshToken, profile, done)` of passport-amazon-token (and other OAuth 2.0
 * strategies) would get `done` as `profile` and fail every request with `done is not a function`.
 * A rest parameter (`(...params) =>`, NestJS's mixin) declares none, so it always passes.
 */
export function checkVerifyShape(verify: (...args: never[]) => unknown, passReqToCallback: boolean): void {
  const called = passReqToCallback ? '(req, accessToken, profile, done)' : '(accessToken, profile, done)';
  const max = passReqToCallback ? 4 : 3;
  if (verify.length <= max) return;
  const refreshShape = passReqToCallback
    ? '(req, accessToken, refreshToken, profile, done)'
    : '(accessToken, refreshToken, profile, done)';
  const hint = passReqToCallback
    ? 'remove the `refreshToken` parameter'
    : 'remove the `refreshToken` parameter, or, if the first parameter is the request, set `passReqToCallback: true`';
  throw new TypeError(
    `passport-lwa-token: \`verify\` declares ${verify.length} parameters, like passport-amazon-token's ${refreshShape}, ` +
      `but is called as ${called}: an access token comes with no refresh token here. To migrate, ${hint}.`,
  );
}

/**
 * Calls the app's `verify` in whichever form it takes. The first answer wins: `done()` or the
 * returned promise, whichever comes first (NestJS's mixin, for one, calls `done` *and* returns a
 * promise). A throw, a rejection or `done(err)` rejects.
 *
 * So that no request is left hanging, a `verify` that declares no `done` parameter answers with
 * what it returns: a plain value is the user (as a promise's value would be), and `undefined` is an
 * error, since such a function has no way left to answer. One that declares `done` may call it
 * later (callback style), and so may one with a rest parameter, whose arity says nothing.
 */
export function callVerify<TUser>(
  verify: (...args: never[]) => unknown,
  args: readonly unknown[],
): Promise<VerifyAnswer<TUser>> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const done: VerifyDone<TUser> = (err, user, info) => {
      if (answered) return;
      answered = true;
      // Whatever the app passed as the error goes to Passport's error() unchanged, as with any strategy.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      if (err) reject(err);
      else resolve({ user, info: typeof info === 'object' && info !== null ? info : undefined });
    };
    let returned: unknown;
    try {
      returned = (verify as (...a: unknown[]) => unknown)(...args, done);
    } catch (err) {
      done(err ?? new Error('verify() threw a falsy value'));
      return;
    }
    if (isThenable(returned)) {
      // Even after a synchronous done(): a rejection left unhandled would end the process.
      returned.then(
        (user) => done(null, user as VerifyResult<TUser>),
        (err: unknown) => done(err ?? new Error('verify() rejected without a reason')),
      );
      return;
    }
    if (answered) return;
    const declaresDone = verify.length > args.length;
    if (declaresDone) return;
    if (returned !== undefined) done(null, returned as VerifyResult<TUser>);
    else if (verify.length > 0) done(new TypeError(NO_ANSWER));
  });
}

const NO_ANSWER =
  'passport-lwa-token: `verify` returned undefined and declares no `done` parameter, so it can never answer. ' +
  'Return the user (or false to refuse), or a promise of it; or declare `done` as its last parameter and call it.';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
