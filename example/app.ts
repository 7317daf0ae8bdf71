/**
 * The example app, built without listening (tests mount it with supertest):
 *
 * - `GET /`: the page (public/): sign in with Amazon, link Amazon accounts, local accounts.
 * - `POST /auth/amazon` `{ access_token, createAccount? }`: the page's token -> sign in, create or
 *   link (see linking.ts), answered `{ outcome, account }`, or 409 `{ error, message }`.
 * - `POST /auth/amazon/unlink` `{ userID }`: unlinks an Amazon customer from the signed-in account.
 * - `POST /auth/local/signup`, `/auth/local/signin`: the app's own accounts.
 * - `POST /auth/signout` `{ access_token? }`: ends the session and revokes the page's token.
 * - `GET /api/session`: who is signed in (the session).
 * - `GET /api/me`: stateless, `session: false`: the token from any source -> the linked account.
 * - `GET /api/app/me`: the same, also requiring the token's `app_id` (the `appID` option).
 * - `GET /api/shipping`: the same, for a token with the `postal_code` scope.
 * - offline only, `POST /demo/…`: the page's protection controls (protections.ts).
 *
 * Every error is JSON `{ error, message }`, a refused token too (with its `WWW-Authenticate`).
 */
import path from 'node:path';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import session from 'express-session';
import passport from 'passport';
import { LwaError, Strategy, type AmazonAuthInfo, type VerifyFunction } from '../lib';
import type { LwaEmulator } from '../lib/testing';
import { DuplicateError, type Account, type AccountStore } from './accounts';
import type { ExampleConfig } from './config';
import { AccountError, signInOrLink, type LinkOutcome } from './linking';
import { checkPassword, hashPassword } from './passwords';
import { protectionRoutes } from './protections';

/** Where the app keeps its data (example/database.ts). */
export interface ExampleStores {
  readonly accounts: AccountStore;
  readonly sessions: session.Store;
}

export interface ExampleOptions {
  /** Offline: the emulator the config points at, for the page's protection controls. */
  readonly emulator?: LwaEmulator;
  /** Where an Amazon outage is reported (default `console.error`). */
  readonly log?: (line: string) => void;
}

export interface ExampleApp {
  readonly app: Express;
  /** Releases the strategies' connection pools. */
  close(): Promise<void>;
}

const PUBLIC_DIR = path.join(__dirname, 'public');
const SESSION_HOURS = 8;

export function createApp(
  config: ExampleConfig,
  { accounts, sessions }: ExampleStores,
  { emulator, log = console.error }: ExampleOptions = {},
): ExampleApp {
  // A Passport instance of the app's own, rather than the global one: several apps (tests) per process.
  const pp = new passport.Passport();
  const amazon = {
    clientID: config.clientID,
    region: config.region,
    ...(config.tokenInfoURL === undefined ? {} : { tokenInfoURL: config.tokenInfoURL }),
    ...(config.profileURL === undefined ? {} : { profileURL: config.profileURL }),
  };

  /** Stateless API: the token must belong to a linked Amazon customer; the postal code, if granted, goes along. */
  const linkedAccount: VerifyFunction<Account> = (_accessToken, profile, done) => {
    accounts.findByAmazonId(profile.id).then((account) => {
      // The token is good, the customer just has no account here: 403, not the 401 that tells a client to get a new token.
      if (account === undefined)
        return done(
          new AccountError(
            403,
            'no_account',
            'No account is linked to this Amazon customer: sign in on the web page first.',
          ),
        );
      done(null, account, profile.postalCode === undefined ? {} : { postalCode: profile.postalCode });
    }, done);
  };
  const api = new Strategy<Account>(amazon, linkedAccount);
  const apiWithAppId =
    config.appID === undefined ? undefined : new Strategy<Account>({ ...amazon, appID: config.appID }, linkedAccount);

  /**
   * The page's sign-in: `verify` sees the request, so the session's account (`req.user`) decides
   * between signing in and linking. Only the JSON body may carry the token here.
   */
  const web = new Strategy<Account, Request>(
    { ...amazon, passReqToCallback: true, tokenSources: ['body'] },
    (req, _accessToken, profile, done) => {
      const body = req.body as { createAccount?: unknown } | undefined;
      signInOrLink(accounts, {
        current: req.user as Account | undefined,
        profile,
        createAccount: body?.createAccount === true,
      }).then(({ account, outcome }) => done(null, account, { outcome }), done);
    },
  );

  /**
   * Signs a token out in every strategy of the app (each verifier holds its own revocations): from
   * now until it expires, /api/me, /api/app/me and the sign-in all refuse it, although Amazon would
   * not. `revokeRequest` finds the request's token as that verifier's verification would.
   */
  const strategies = apiWithAppId === undefined ? [api, web] : [api, apiWithAppId, web];
  const revokeRequest = async (req: Request): Promise<void> => {
    await Promise.all(strategies.map((strategy) => strategy.verifier.revokeRequest(req)));
  };
  /** The same for a token the app holds itself (the protection controls mint theirs). */
  const revoke = async (token: string): Promise<void> => {
    await Promise.all(strategies.map((strategy) => strategy.verifier.revoke(token)));
  };

  pp.use(api); // 'amazon-token'
  if (apiWithAppId !== undefined) pp.use('amazon-token-app', apiWithAppId);
  pp.use('amazon-web', web);
  pp.serializeUser((user, done) => done(null, (user as Account).id));
  pp.deserializeUser((id: string, done) => {
    // An account deleted meanwhile just ends the session (false), it is not an error.
    accounts.findById(id).then((account) => done(null, account ?? false), done);
  });

  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', 1);
  app.use(express.json({ limit: '16kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  // No icon: an empty answer, rather than a 404 in the browser's console.
  app.get('/favicon.ico', (_req, res) => void res.status(204).set('Cache-Control', 'public, max-age=86400').end());
  app.use(express.static(PUBLIC_DIR));
  app.use(['/api', '/auth', '/demo', '/config.json'], noStore);
  const protections = protectionRoutes(config, emulator, revoke);

  app.get('/config.json', (_req, res) => {
    res.json({
      mode: config.mode,
      clientID: config.clientID,
      sdkURL: config.sdkURL,
      appRoute: apiWithAppId !== undefined,
      protections: protections !== undefined,
    });
  });

  // Stateless routes come before the session middleware: they never read or set a cookie.
  app.get('/api/me', authenticate(pp, 'amazon-token', { session: false }), sendMe);
  if (apiWithAppId !== undefined)
    app.get('/api/app/me', authenticate(pp, 'amazon-token-app', { session: false }), sendMe);
  app.get('/api/shipping', authenticate(pp, 'amazon-token', { session: false, scope: 'postal_code' }), sendMe);

  app.use(
    session({
      name: 'example.sid',
      secret: config.sessionSecret,
      resave: false,
      saveUninitialized: false,
      store: sessions,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_HOURS * 3600_000 },
    }),
  );
  app.use(pp.initialize());
  app.use(pp.session());
  if (protections !== undefined) app.use('/demo', sameOrigin, jsonOnly, protections);

  app.get('/api/session', (req, res) => {
    res.json({ account: (req.user as Account | undefined) ?? null });
  });

  // Every route that changes the session: JSON only and same origin (against CSRF, with SameSite).
  app.post('/auth/amazon', sameOrigin, jsonOnly, authenticate(pp, 'amazon-web'), (req, res) => {
    const { outcome, tokenInfo } = req.authInfo as AmazonAuthInfo & { outcome: LinkOutcome };
    res.json({ outcome, account: req.user, amazonUserId: tokenInfo.userID, tokenExpiresIn: tokenInfo.expiresIn });
  });

  app.post('/auth/amazon/unlink', sameOrigin, jsonOnly, async (req, res) => {
    const account = req.user as Account | undefined;
    if (account === undefined) return void res.status(401).json({ error: 'not_signed_in', message: 'Sign in first.' });
    const { userID } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof userID !== 'string')
      return void res.status(400).json({ error: 'invalid_input', message: 'Say which Amazon account to unlink.' });
    const result = await accounts.unlinkAmazon(account.id, userID);
    if (result.ok) return void res.json({ account: result.account });
    if (result.reason === 'not_linked')
      return void res.status(404).json({ error: 'not_linked', message: 'That Amazon account is not linked to yours.' });
    res.status(409).json({
      error: 'last_sign_in',
      message: 'This Amazon account is the only way to sign in to yours: link another one first.',
    });
  });

  app.post('/auth/local/signup', sameOrigin, jsonOnly, async (req, res) => {
    const input = signupInput(req.body);
    if (typeof input === 'string') return void res.status(400).json({ error: 'invalid_input', message: input });
    try {
      const account = await accounts.create({ ...input, passwordHash: await hashPassword(input.password) });
      await logIn(req, account);
      res.status(201).json({ account });
    } catch (err) {
      if (!(err instanceof DuplicateError)) throw err;
      res.status(409).json({ error: 'username_taken', message: `The username ${input.username} is taken.` });
    }
  });

  app.post('/auth/local/signin', sameOrigin, jsonOnly, async (req, res) => {
    const { username, password } = (req.body ?? {}) as Record<string, unknown>;
    const found = typeof username === 'string' ? await accounts.credentials(username) : undefined;
    // A real app also limits attempts per account and per address.
    if (
      !(await checkPassword(typeof password === 'string' ? password : '', found?.passwordHash)) ||
      found === undefined
    ) {
      return void res.status(401).json({ error: 'invalid_credentials', message: 'Wrong username or password.' });
    }
    await logIn(req, found.account);
    res.json({ account: found.account });
  });

  // The session ends, and so does the token the page sends along (`access_token` in the JSON body,
  // where the sign-in strategy reads it too): Amazon cannot revoke it, so the verifiers do. Only a
  // signed-in session may revoke, so that strangers cannot fill the verifiers' revocation lists.
  app.post('/auth/signout', sameOrigin, async (req, res, next) => {
    if (req.user !== undefined) await revokeRequest(req);
    req.logout((err) => (err ? next(err) : res.status(204).end()));
  });

  app.use(['/api', '/auth', '/demo'], (_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'No such route.' });
  });
  app.use((_req, res) => {
    res.status(404).type('html').send(NOT_FOUND_PAGE);
  });
  app.use(errorHandler(log));

  return {
    app,
    close: async () => {
      await Promise.all([api.close(), apiWithAppId?.close(), web.close()]);
    },
  };
}

const sendMe: RequestHandler = (req, res) => {
  const { tokenInfo, postalCode } = req.authInfo as AmazonAuthInfo & { postalCode?: string };
  res.json({
    account: req.user,
    amazonUserId: tokenInfo.userID,
    tokenExpiresIn: tokenInfo.expiresIn,
    ...(postalCode === undefined ? {} : { postalCode }),
  });
};

/** Any other page: a page, as the browser asked for one, with the way back. */
const NOT_FOUND_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Not found</title><link rel="stylesheet" href="/style.css" /></head>
<body><main><section class="card"><h2>No such page</h2><p><a href="/">Back to the example</a>.</p></section></main></body></html>
`;

const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/** Browsers send `Origin` on every POST; a cross-site one is refused (other clients send none). */
const sameOrigin: RequestHandler = (req, res, next) => {
  const origin = req.get('origin');
  if (origin === undefined || (URL.canParse(origin) && new URL(origin).host === req.host)) return next();
  res.status(403).json({ error: 'cross_origin', message: 'Cross-origin requests are refused.' });
};

/**
 * `pp.authenticate(name, options)`, except that a refused token is answered in JSON like the app's
 * other errors, not with Passport's bare "Unauthorized": a custom callback, which leaves signing in
 * (`req.logIn`, with or without a session) and `req.authInfo` to the app.
 */
function authenticate(
  pp: passport.Authenticator,
  name: string,
  options: passport.AuthenticateOptions = {},
): RequestHandler {
  return (req, res, next) => {
    const callback: passport.AuthenticateCallback = (err, user, info, status) => {
      if (err) return next(err);
      if (!user) return refuse(res, info, status);
      req.logIn(user, { session: options.session ?? true }, (loginErr: unknown) => {
        if (loginErr) return next(loginErr);
        if (typeof info === 'object' && !Array.isArray(info)) req.authInfo = info; // AmazonAuthInfo
        next();
      });
    };
    // Passport's typings return `any` for authenticate(); the middleware is a plain RequestHandler.
    (pp.authenticate(name, options, callback) as RequestHandler)(req, res, next);
  };
}

/**
 * Answers a refusal: the strategy's status (400, 401 or 403) and Bearer challenge (RFC 6750 §3),
 * and the challenge's `error` and `error_description` as the JSON body. The description is one of the
 * strategy's fixed sentences, never the token.
 */
function refuse(res: Response, challenge: unknown, status: unknown): void {
  const header = typeof challenge === 'string' ? challenge : 'Bearer';
  const attribute = (name: string): string | undefined =>
    new RegExp(`(?:^Bearer |, )${name}="([^"]*)"`).exec(header)?.[1];
  res
    .status(typeof status === 'number' ? status : 401)
    .set('WWW-Authenticate', header)
    .json({
      // Without a token the challenge carries no error code (RFC 6750 §3.1); the body still names one.
      error: attribute('error') ?? 'no_token',
      // The strategy's sentences end without a period; the app's own messages end with one.
      message: `${attribute('error_description') ?? 'Send a Login with Amazon access token'}.`,
    });
}

/** An HTML form cannot send JSON, and a cross-origin script cannot without a preflight we never grant. */
const jsonOnly: RequestHandler = (req, res, next) => {
  if (req.is('application/json')) return next();
  res.status(415).json({ error: 'json_only', message: 'Send a JSON body.' });
};

function logIn(req: Request, account: Account): Promise<void> {
  return new Promise((resolve, reject) =>
    req.login(account, (err: unknown) =>
      err ? reject(err instanceof Error ? err : new Error('session login failed')) : resolve(),
    ),
  );
}

interface SignupInput {
  username: string;
  password: string;
  name: string;
  email?: string;
}

/** The sign-up form, checked; a string is the reason it was refused. */
function signupInput(body: unknown): SignupInput | string {
  const { username, password, name, email } = (body ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || !/^[a-z0-9][a-z0-9_.-]{2,31}$/i.test(username)) {
    return 'The username takes 3 to 32 letters, digits, dots, dashes or underscores.';
  }
  if (typeof password !== 'string' || password.length < 8 || password.length > 200)
    return 'The password takes 8 to 200 characters.';
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100)
    return 'Give a name of up to 100 characters.';
  if (
    email !== undefined &&
    email !== '' &&
    (typeof email !== 'string' || email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email))
  ) {
    return 'The e-mail address does not look right.';
  }
  return { username, password, name: name.trim(), ...(typeof email === 'string' && email !== '' ? { email } : {}) };
}

const errorHandler =
  (log: (line: string) => void): ErrorRequestHandler =>
  (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof AccountError) return void res.status(err.status).json({ error: err.code, message: err.message });
    // Amazon down, slow or rate limiting (502/503/504): not the person's fault, and not a bad token.
    // The developer watching the terminal hears of it (the library's message names no token).
    if (err instanceof LwaError) {
      log(`${req.method} ${req.path}: ${err.status} ${err.code}: ${err.message}`);
      return void res
        .status(err.status)
        .json({ error: err.code, message: 'Login with Amazon did not answer. Please try again.' });
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return void res.status(status).json({ error: 'bad_request', message: 'The request could not be read.' });
    }
    console.error(err);
    res.status(500).json({ error: 'server_error', message: 'Something went wrong.' });
  };
