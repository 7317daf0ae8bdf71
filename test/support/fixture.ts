/**
 * What the test files share, in one place (test/README.md lists it): the LWA emulator of a test file,
 * its tokens and the strategy and app pointed at it; requests and the refusals they must get; the
 * requests every framework test sends; Amazon answers that refuse a token; diagnostics events; one
 * request through a strategy by hand, as Passport runs it; the check that no slice of a token turned
 * up where it must not; suites that need a tool which may not be installed; and a verdict for the
 * cache's unit tests.
 *
 * Tests talk HTTP to the emulator (lib/testing) on loopback, never to a mocked fetch.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { validateHeaderValue } from 'node:http';
import { inspect } from 'node:util';
import express, { type ErrorRequestHandler, type Express } from 'express';
import passport from 'passport';
import request from 'supertest';
import { Strategy, type StrategyOptions, type VerifyFunction } from '../../lib';
import type { Verdict } from '../../lib/amazon/amazon-verifier';
import { LwaEmulator, type EmulatorOptions, type Fault, type MintOptions } from '../../lib/testing';

/** The client the test apps accept tokens for. */
export const CLIENT_ID = 'amzn1.application-oa2-client.test';
/** Another client: its tokens are refused for their audience. */
export const OTHER_CLIENT_ID = 'amzn1.application-oa2-client.other';

// ---------------------------------------------------------------------------------------------
// The app

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

// ---------------------------------------------------------------------------------------------
// The emulator

/** The emulator of one test file, and what a test makes with it. */
export interface EmulatorFixture {
  /** The running emulator (from `beforeAll` on). */
  readonly emu: LwaEmulator;
  /** A token for {@link CLIENT_ID}, with the sample customer unless `extra` says otherwise. */
  mint(extra?: Partial<MintOptions>): string;
  /** A strategy pointed at the emulator (`timeout` 2000 ms, other options as given), closed after the test file. */
  strategy(options?: Partial<StrategyOptions>, verify?: VerifyFunction<TestUser>): Strategy<TestUser>;
  /** {@link EmulatorFixture.strategy} on the test app ({@link mount}). */
  app(
    options?: Partial<StrategyOptions>,
    verify?: VerifyFunction<TestUser>,
    mountOptions?: MountOptions,
  ): { app: Express; strategy: Strategy<TestUser> };
}

/**
 * One emulator for a test file: started before its tests, closed after them (with every strategy
 * `strategy()` or `app()` made), faults and counters reset before each test.
 */
export function useEmulator(options?: EmulatorOptions): EmulatorFixture {
  let running: LwaEmulator | undefined;
  const strategies: Strategy<TestUser>[] = [];
  beforeAll(async () => {
    running = await LwaEmulator.start(options);
  });
  afterAll(async () => {
    // allSettled: a test may have closed its strategy already, and a second close() rejects.
    await Promise.allSettled(strategies.map((s) => s.close()));
    await running?.close();
  });
  beforeEach(() => {
    running?.clearFaults();
    running?.resetCalls();
  });
  const fixture: EmulatorFixture = {
    get emu() {
      if (running === undefined) throw new Error('the emulator starts in beforeAll: use it inside a test or hook');
      return running;
    },
    mint: (extra = {}) => fixture.emu.mintToken({ clientID: CLIENT_ID, ...extra }),
    strategy: (strategyOptions = {}, verify = acceptAll) => {
      const { emu } = fixture;
      const strategy = new Strategy<TestUser>(
        {
          clientID: CLIENT_ID,
          tokenInfoURL: emu.tokenInfoURL,
          profileURL: emu.profileURL,
          timeout: 2000,
          ...strategyOptions,
        },
        verify,
      );
      strategies.push(strategy);
      return strategy;
    },
    app: (strategyOptions, verify, mountOptions) => {
      const strategy = fixture.strategy(strategyOptions, verify);
      return { app: mount(strategy, mountOptions), strategy };
    },
  };
  return fixture;
}

/** A request with a good token, and the user the test routes answer with: what every framework test sends. */
export interface AcceptedCase {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  /** What the route answers: `{ user }` as `verify` made it ({@link acceptAll}). */
  readonly user: TestUser;
  /** Sends the request to `path` of `app` (an app, a server or a URL). */
  send(app: Parameters<typeof request>[0], path: string): request.Test;
}

/** A good token in the Authorization header, in a JSON body and in a form body, minted by `lwa`. */
export function acceptedCases(lwa: EmulatorFixture): AcceptedCase[] {
  const user = { id: 'amzn1.account.FRAMEWORKUSER', name: 'Ann' };
  const mint = () => lwa.mint({ userID: user.id, name: user.name });
  return [
    {
      name: 'a token in the Authorization header',
      method: 'GET',
      user,
      send: (app, path) => request(app).get(path).set(bearer(mint())),
    },
    {
      name: 'a token in a JSON body',
      method: 'POST',
      user,
      send: (app, path) => request(app).post(path).send({ access_token: mint() }),
    },
    {
      name: 'a token in a form body',
      method: 'POST',
      user,
      send: (app, path) => request(app).post(path).type('form').send({ access_token: mint() }),
    },
  ];
}

/** A request the strategy must refuse, and how: what every framework test sends. */
export interface RefusalCase {
  readonly name: string;
  readonly status: 400 | 401 | 403;
  /** The challenge's `error`; none for a request without a token. */
  readonly error?: string;
  /** Sends the request (a GET) to `path` of `app` (an app, a server or a URL). */
  send(app: Parameters<typeof request>[0], path: string): request.Test;
}

/** The refusals of docs/design.md, Outcomes, one of each kind, with tokens from `lwa`. */
export function refusalCases(lwa: EmulatorFixture): RefusalCase[] {
  const get = (app: Parameters<typeof request>[0], path: string, token?: string) =>
    token === undefined ? request(app).get(path) : request(app).get(path).set(bearer(token));
  return [
    { name: 'no token', status: 401, send: (app, path) => get(app, path) },
    {
      name: 'a token Amazon does not know',
      status: 401,
      error: 'invalid_token',
      send: (app, path) => get(app, path, `Atza|${'q'.repeat(400)}`),
    },
    {
      name: 'a token issued to another app',
      status: 401,
      error: 'invalid_token',
      send: (app, path) => get(app, path, lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID })),
    },
    {
      name: 'a token in two places',
      status: 400,
      error: 'invalid_request',
      send: (app, path) => {
        const token = lwa.mint();
        return get(app, path, token).query({ access_token: token });
      },
    },
    {
      name: 'a token without the profile scope',
      status: 403,
      error: 'insufficient_scope',
      send: (app, path) => get(app, path, lwa.mint({ scopes: [] })),
    },
  ];
}

/** A fault that answers 200 with `body` as `contentType`: an answer of Amazon's shape, or not. */
export const json200 = (body: string, contentType = 'application/json'): Fault => ({
  kind: 'status',
  status: 200,
  body,
  contentType,
});

/** Tokeninfo refusing the token with a 200 whose `error` is a string: a refusal, 401. */
export const TOKENINFO_SAYS_INVALID = json200('{"error":"invalid_token"}');

/** A profile of another customer than the one tokeninfo names: a refusal (`user_id_mismatch`), 401. */
export const PROFILE_OF_SOMEONE_ELSE = json200('{"user_id":"amzn1.account.SOMEONEELSE"}');

// ---------------------------------------------------------------------------------------------
// Time

/**
 * A wall clock the tests move: `Date.now` is real time plus an offset, reset before each test.
 * The emulator (token expiry) and the strategy (cache, circuit breaker) both read it.
 * Returns `advance(ms)`.
 */
export function useMovableClock(): (ms: number) => void {
  let offset = 0;
  beforeEach(() => {
    offset = 0;
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
  });
  afterEach(() => jest.restoreAllMocks());
  return (ms) => {
    offset += ms;
  };
}

// ---------------------------------------------------------------------------------------------
// Events

/**
 * What is published on `channel` (one of `CHANNELS`) during the current test: subscribed for the
 * test file, emptied before each test.
 */
export function recordEvents<T>(channel: string): T[] {
  const events: T[] = [];
  const onEvent = (event: unknown): void => void events.push(event as T);
  beforeAll(() => diagnostics_channel.subscribe(channel, onEvent));
  afterAll(() => diagnostics_channel.unsubscribe(channel, onEvent));
  beforeEach(() => {
    events.length = 0;
  });
  return events;
}

// ---------------------------------------------------------------------------------------------
// One request through a strategy, by hand

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

// ---------------------------------------------------------------------------------------------
// No slice of a token

/** The length of a token slice that counts as a leak. */
export const SLICE = 16;

/** `value` as text: a string as it is; anything else as JSON and as `util.inspect` prints it. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  let json = '';
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    // circular: inspect has it
  }
  return `${json}\n${inspect(value, { depth: Infinity, breakLength: Infinity })}`;
}

/**
 * Which of `secrets` have a {@link SLICE}-character slice in `haystack`, by index and length: never
 * the slice itself, since a failing test must not print a token either.
 */
export function slicesIn(haystack: unknown, secrets: string | Iterable<string>): string[] {
  const text = textOf(haystack);
  let windows: Set<string> | undefined;
  /** Whether `secret` and `text` share a run of SLICE characters, walking the shorter of the two. */
  const shares = (secret: string): boolean => {
    if (text.length <= secret.length) {
      for (let i = 0; i + SLICE <= text.length; i++) if (secret.includes(text.slice(i, i + SLICE))) return true;
      return false;
    }
    // Every window of a long haystack once, so each slice of a secret is one set lookup.
    if (windows === undefined) {
      windows = new Set();
      for (let i = 0; i + SLICE <= text.length; i++) windows.add(text.slice(i, i + SLICE));
    }
    for (let i = 0; i + SLICE <= secret.length; i++) if (windows.has(secret.slice(i, i + SLICE))) return true;
    return false;
  };
  const found: string[] = [];
  let index = 0;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (shares(secret)) found.push(`secret #${index} (${secret.length} characters)`);
    index += 1;
  }
  return found;
}

/** No {@link SLICE}-character slice of any of `secrets` in `haystack` (a string, or any value as logged). */
export function expectNoSliceOf(secrets: string | Iterable<string>, haystack: unknown): void {
  expect(slicesIn(haystack, secrets)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Suites that need a tool

/** A program some suite needs, and how a developer gets it. */
export interface Tool {
  readonly name: string;
  /** Its path, or `undefined` when it is not installed. */
  readonly path: string | undefined;
  /** The command that installs it. */
  readonly install: string;
}

/** `command`'s path when it is on PATH. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `describe(title, body)` when `tool` is installed. Without it: in CI (`CI=true`) one failing test,
 * since CI must run the suite; elsewhere one skipped test, and one line on stderr, that say why and
 * how to get it.
 */
export function describeWith(tool: Tool, title: string, body: () => void): void {
  if (tool.path !== undefined) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      test(`${tool.name} is installed (required in CI)`, () => {
        throw new Error(`${tool.name} not found; .ci/run installs it (${tool.install})`);
      });
    });
  } else {
    const reason = `skipped: ${tool.name} not found (${tool.install}): ${title}`;
    // One line where it is seen: Jest lists a skipped test only with --verbose, and its console.warn
    // adds a stack trace.
    process.stderr.write(`${reason}\n`);
    test.skip(reason, () => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Verdicts, for the cache's unit tests

/** A fresh verdict for one customer of client `c`, good for an hour from now. */
export function verifiedVerdict(): Verdict {
  return {
    ok: true,
    verified: {
      tokenInfo: {
        aud: 'c',
        appID: undefined,
        userID: 'amzn1.account.X',
        expiresAt: Date.now() + 3_600_000,
        issuedAt: undefined,
      },
      profile: {
        provider: 'amazon',
        id: 'amzn1.account.X',
        _raw: '{"user_id":"amzn1.account.X"}',
        _json: { user_id: 'amzn1.account.X' },
      },
    },
  };
}
