import type { AmazonProfile } from './profile';

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
 * falsy value to refuse; or, callback style, call `done(err, user, info)`.
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
) => void | PromiseLike<VerifyResult<TUser>>;

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
) => void | PromiseLike<VerifyResult<TUser>>;

interface VerifyAnswer<TUser> {
  readonly user: VerifyResult<TUser>;
  readonly info: object | undefined;
}

/**
 * Calls the app's `verify` in whichever form it takes. The first answer wins: `done()` or the
 * returned promise, whichever comes first (NestJS's mixin, for one, calls `done` *and* returns a
 * promise). A throw, a rejection or `done(err)` rejects.
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
      returned.then(
        (user) => done(null, user as VerifyResult<TUser>),
        (err: unknown) => done(err ?? new Error('verify() rejected without a reason')),
      );
    }
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
