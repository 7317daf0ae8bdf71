import type { AmazonProfile } from '../../amazon/profile';
import { VERIFY_NO_ANSWER_WARNING_MS } from '../../defaults';

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

export interface VerifyAnswer<TUser> {
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
 * Never a success that `done` contradicts: a function that can reach `done` ({@link mayCallDone}:
 * it declares it, or has a rest parameter, as NestJS's mixin passes) is waited for, and a plain
 * value it returns is never taken for the user (a callback API's incidental `true` must not sign
 * anyone in); only a promise it returns answers too. A function that cannot reach `done` answers
 * with what it returns: a plain value is the user (as a promise's value would be), and `undefined`
 * is an error, since it has no way left to answer.
 *
 * Never a silent hang: a function still waited for after {@link VERIFY_NO_ANSWER_WARNING_MS} gets
 * one process warning (per process) naming the likely mistake. The request keeps waiting (a slow
 * database is not a mistake), as Passport waits for any strategy.
 */
export function callVerify<TUser>(
  verify: (...args: never[]) => unknown,
  args: readonly unknown[],
): Promise<VerifyAnswer<TUser>> {
  return new Promise((resolve, reject) => {
    let answered = false;
    // Set once the function is known to be waited for; cleared by its answer.
    const watch: { timer?: NodeJS.Timeout } = {};
    const done: VerifyDone<TUser> = (err, user, info) => {
      if (answered) return;
      answered = true;
      clearTimeout(watch.timer);
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
      // Even after a synchronous done(): a rejection left unhandled would end the process. A
      // promise is an answer under way, so no watch is set for it (a timer per request costs).
      returned.then(
        (user) => done(null, user as VerifyResult<TUser>),
        (err: unknown) => done(err ?? new Error('verify() rejected without a reason')),
      );
      return;
    }
    if (answered) return;
    if (!mayCallDone(verify, args.length) && !isThenable(returned)) {
      if (returned !== undefined) done(null, returned as VerifyResult<TUser>);
      else done(new TypeError(NO_ANSWER));
      return;
    }
    watch.timer = setTimeout(() => warnNoAnswer(verify.length === 0), VERIFY_NO_ANSWER_WARNING_MS).unref();
  });
}

const NO_ANSWER =
  'passport-lwa-token: `verify` returned undefined and declares no `done` parameter, so it can never answer. ' +
  'Return the user (or false to refuse), or a promise of it; or declare `done` as its last parameter and call it.';

/** The code of the warning for a `verify` that has not answered in {@link VERIFY_NO_ANSWER_WARNING_MS}. */
export const VERIFY_NO_ANSWER_WARNING_CODE = 'PASSPORT_LWA_TOKEN_VERIFY_NO_ANSWER';

let warnedNoAnswer = false;

/** Once per process: a `verify` that never answers would otherwise hang its requests in silence. */
function warnNoAnswer(arityUnknown: boolean): void {
  if (warnedNoAnswer) return;
  warnedNoAnswer = true;
  const seconds = VERIFY_NO_ANSWER_WARNING_MS / 1000;
  const why = arityUnknown
    ? 'It declares no parameters (or only a rest parameter), so it is waited for until it calls `done` ' +
      '(its last argument) or settles a promise it returned; a plain value it returns is not taken as the user. '
    : 'It declares `done`, so it is waited for until it calls `done` or settles a promise it returned. ';
  process.emitWarning(
    `passport-lwa-token: \`verify\` has not answered a request in ${seconds} s. ${why}` +
      'Likely mistake: a forgotten `done(null, user)` call, or a missing `return`/`async`. The request is still waiting.',
    { code: VERIFY_NO_ANSWER_WARNING_CODE },
  );
}

/**
 * Whether `verify` can reach `done` (its last argument): it declares more parameters than the
 * arguments before `done`, or its arity (`length`) says nothing. Arity 0 is a function with no
 * parameters, or only a rest parameter (`(...params)`), or only parameters with defaults; and a
 * `function` can read `arguments`. Only the source tells these apart: a function whose parameter
 * list is empty and that never names `arguments` cannot reach `done`. A function whose source is
 * not shown (a bound or native one) is assumed to reach it.
 */
function mayCallDone(verify: (...args: never[]) => unknown, argCount: number): boolean {
  if (verify.length > argCount) return true;
  if (verify.length > 0) return false;
  const source = Function.prototype.toString.call(verify);
  if (source.includes('[native code]')) return true;
  const emptyParameters = /^[^(]*\(\s*\)/.test(source);
  return !emptyParameters || /\barguments\b/.test(source);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
