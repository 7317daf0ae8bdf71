/**
 * The mistakes a new user makes, each caught where it is made with a message that says what to do:
 * a passport-amazon-token `verify`, forgotten options, a `verify` that never answers, a refresh
 * token sent as the access token, and a body nobody parsed.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import passport from 'passport';
import request from 'supertest';
import {
  alexaAccessToken,
  CHANNELS,
  Strategy,
  type AmazonProfile,
  type ChannelMessages,
  type StrategyOptions,
  type VerifyFunction,
} from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { useEmulator } from '../support/fixture';
import { launchRequest } from '../support/alexa-envelopes';

const CLIENT_ID = 'amzn1.application-oa2-client.mistakes';
type User = { id: string };

// The shared fixture's emulator (started and closed around the file, calls reset before each test);
// these tests mint for a client of their own, so they keep their own strategies too.
const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});
const strategies: Strategy[] = [];
afterAll(() => Promise.allSettled(strategies.map((s) => s.close())));

const mint = () => emu.mintToken({ clientID: CLIENT_ID });
const options = (extra: Partial<StrategyOptions> = {}): StrategyOptions => ({
  clientID: CLIENT_ID,
  tokenInfoURL: emu.tokenInfoURL,
  profileURL: emu.profileURL,
  ...extra,
});

const errors: ErrorRequestHandler = (err: { message?: string }, _req, res, _next) => {
  res.status(500).json({ message: err.message });
};

/** Express with the strategy on POST /api/me; `parsers`: the body parsers the app remembered to add. */
function mount(strategy: Strategy, parsers: RequestHandler[] = [express.json(), express.urlencoded()]) {
  strategies.push(strategy);
  const pp = new passport.Passport();
  pp.use(strategy);
  const app = express();
  for (const parser of parsers) app.use(parser);
  app.post('/api/me', pp.authenticate('amazon-token', { session: false }), (req, res) => {
    res.json({ user: req.user });
  });
  app.use(errors);
  return app;
}

const construct =
  (...args: unknown[]) =>
  () =>
    new (Strategy as unknown as new (...a: unknown[]) => Strategy)(...args);

describe('a passport-amazon-token verify: (accessToken, refreshToken, profile, done)', () => {
  test('is refused in the constructor, naming the migration', () => {
    const legacy = (_accessToken: string, _refreshToken: string, _profile: unknown, _done: unknown) => undefined;
    const attempt = construct(options(), legacy);
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(/passport-amazon-token's \(accessToken, refreshToken, profile, done\)/);
    expect(attempt).toThrow(/remove the `refreshToken` parameter/);
    expect(attempt).toThrow(/passReqToCallback: true/);
  });

  test('with passReqToCallback, its five-parameter form is refused too', () => {
    const legacy = (_req: unknown, _a: string, _r: string, _p: unknown, _done: unknown) => undefined;
    const attempt = construct({ ...options(), passReqToCallback: true }, legacy);
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(/\(req, accessToken, refreshToken, profile, done\)/);
  });

  test('four parameters with passReqToCallback: true is the right shape, and works', async () => {
    const strategy = new Strategy<User, express.Request>(
      { ...options(), passReqToCallback: true },
      (req, _token, profile, done) => done(null, { id: `${req.method} ${profile.id}` }),
    );
    const res = await request(mount(strategy as Strategy))
      .post('/api/me')
      .set('Authorization', `Bearer ${mint()}`);
    expect(res.status).toBe(200);
    expect(res.body.user.id).toMatch(/^POST amzn1\.account\./);
  });

  test("a rest parameter (NestJS's mixin) declares no arity and works", async () => {
    const verify = (...params: unknown[]) => {
      const done = params[params.length - 1] as (err: null, user: User) => void;
      done(null, { id: (params[1] as AmazonProfile).id });
    };
    const res = await request(mount(new Strategy(options(), verify)))
      .post('/api/me')
      .set('Authorization', `Bearer ${mint()}`);
    expect(res.status).toBe(200);
  });
});

describe('new Strategy(verify): the options forgotten', () => {
  test('says that the options are missing, not that verify is not a function', () => {
    const attempt = construct(async () => ({ id: 'x' }));
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(/the options are missing/);
    expect(attempt).toThrow(/new Strategy\(\{ clientID/);
    expect(attempt).not.toThrow(/`verify` must be a function/);
  });

  test('a missing verify is still named as such', () => {
    expect(construct(options())).toThrow(/`verify` must be a function/);
  });
});

describe('a verify that neither returns a promise nor calls done', () => {
  // The deadline is a guard, not an assertion: should a regression leave a request hanging, the test
  // fails instead of holding the server (and the run) open.
  const GUARD = { deadline: 10_000 };
  const post = (verify: VerifyFunction<User>) =>
    request(mount(new Strategy(options(), verify)))
      .post('/api/me')
      .set('Authorization', `Bearer ${mint()}`)
      .timeout(GUARD);

  test('a plain returned value is the user', async () => {
    const res = await post((_token, profile) => ({ id: profile.id }));
    expect(res.status).toBe(200);
    expect(res.body.user.id).toMatch(/^amzn1\.account\./);
  });

  test('a plain false refuses, as a promise of false does (401)', async () => {
    expect((await post(() => false)).status).toBe(401);
  });

  test('returning undefined without a done parameter: an error naming the mistake, not a hang', async () => {
    const lookups: string[] = [];
    const res = await post((_token, profile) => {
      lookups.push(profile.id); // a lookup whose answer was never returned
    });
    expect(lookups).toHaveLength(1);
    expect(res.status).toBe(500);
    expect(res.body.message).toMatch(/`verify` returned undefined and declares no `done` parameter/);
    expect(res.body.message).toMatch(/Return the user/);
  });

  test('with passReqToCallback, (req, accessToken, profile) returning the user works, returning nothing errs', async () => {
    const app = (verify: (req: express.Request, token: string, profile: AmazonProfile) => User | undefined) =>
      mount(new Strategy<User, express.Request>({ ...options(), passReqToCallback: true }, verify) as Strategy);
    const ok = await request(app((_req, _t, profile) => ({ id: profile.id })))
      .post('/api/me')
      .set('Authorization', `Bearer ${mint()}`)
      .timeout(GUARD);
    expect(ok.status).toBe(200);
    const silent = await request(app((_req, _t, _profile) => undefined))
      .post('/api/me')
      .set('Authorization', `Bearer ${mint()}`)
      .timeout(GUARD);
    expect(silent.status).toBe(500);
    expect(silent.body.message).toMatch(/declares no `done` parameter/);
  });

  test('a callback verify that calls done later and returns undefined still works', async () => {
    const res = await post((_token, profile, done) => {
      setImmediate(() => done(null, { id: `later ${profile.id}` }));
    });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toMatch(/^later /);
  });

  test("a callback verify's incidental return value is not taken for the user", async () => {
    const res = await post(((_token: string, profile: AmazonProfile, done: (e: null, u: User) => void) => {
      setImmediate(() => done(null, { id: `from done ${profile.id}` }));
      return true; // what a callback API returns (a write's back-pressure flag, say)
    }) as unknown as VerifyFunction<User>);
    expect(res.status).toBe(200);
    expect(res.body.user.id).toMatch(/^from done /);
  });
});

describe('a refresh token sent as the access token', () => {
  const outcomes: ChannelMessages['outcome'][] = [];
  const onOutcome = (message: unknown) => outcomes.push(message as ChannelMessages['outcome']);
  beforeAll(() => diagnostics_channel.subscribe(CHANNELS.outcome, onOutcome));
  afterAll(() => diagnostics_channel.unsubscribe(CHANNELS.outcome, onOutcome));
  beforeEach(() => {
    outcomes.length = 0;
  });

  test.each([
    ['of a usual length', `Atzr|IwEBI${'r'.repeat(400)}`],
    ['short', 'Atzr|IwEBIshort'],
    ['over 2048 bytes', `Atzr|${'r'.repeat(3000)}`],
  ])('%s: 401 whose error_description says so, with no call to Amazon', async (_name, refreshToken) => {
    const app = mount(new Strategy(options(), async () => ({ id: 'never' })));
    const res = await request(app).post('/api/me').send({ access_token: refreshToken });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="Users", error="invalid_token", error_description="A refresh token was sent; send the access token instead"',
    );
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
    expect(outcomes).toEqual([{ outcome: 'fail', status: 401, reason: 'refresh_token' }]);
  });
});

describe('a JSON or form body nobody parsed', () => {
  let warn: jest.SpiedFunction<typeof process.emitWarning>;
  beforeEach(() => {
    warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  const warnings = () => warn.mock.calls.map(([message, opts]) => ({ message: String(message), opts }));

  test('JSON: 401, and one warning per strategy naming express.json()', async () => {
    const app = mount(new Strategy(options(), async () => ({ id: 'x' })), []);
    for (let i = 0; i < 3; i++) {
      const res = await request(app).post('/api/me').send({ access_token: mint() });
      expect(res.status).toBe(401);
    }
    expect(warnings()).toEqual([
      {
        message: expect.stringContaining('app.use(express.json())'),
        opts: { code: 'PASSPORT_LWA_TOKEN_BODY_NOT_PARSED' },
      },
    ]);
    expect(warnings()[0].message).toMatch(/an application\/json body .* `req\.body` undefined/);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });

    // Another strategy warns on its own.
    const other = mount(new Strategy(options(), async () => ({ id: 'x' })), []);
    await request(other).post('/api/me').send({ access_token: mint() });
    expect(warnings()).toHaveLength(2);
  });

  test('a form: the warning names express.urlencoded()', async () => {
    const app = mount(new Strategy(options(), async () => ({ id: 'x' })), [express.json()]);
    const res = await request(app)
      .post('/api/me')
      .type('form')
      .send(`access_token=${encodeURIComponent(mint())}`);
    expect(res.status).toBe(401);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0].message).toContain('app.use(express.urlencoded())');
  });

  test('the Alexa recipe (alexaAccessToken reads the body) warns too', async () => {
    const strategy = new Strategy(options({ tokenSources: [], extractToken: alexaAccessToken }), async () => ({
      id: 'x',
    }));
    const res = await request(mount(strategy, [])).post('/api/me').send(launchRequest(mint()));
    expect(res.status).toBe(401);
    expect(warnings()).toHaveLength(1);
  });

  test('no warning when it cannot be the cause', async () => {
    const verify = async () => ({ id: 'x' });
    // The token came from elsewhere: the body did not matter.
    const unparsed = mount(new Strategy(options(), verify), []);
    expect(
      (await request(unparsed).post('/api/me').set('Authorization', `Bearer ${mint()}`).send({ a: 1 })).status,
    ).toBe(200);
    // The body is not a token source.
    const noBody = mount(new Strategy(options({ tokenSources: ['authorization'] }), verify), []);
    expect((await request(noBody).post('/api/me').send({ access_token: mint() })).status).toBe(401);
    // Parsed, with no token in it.
    const parsed = mount(new Strategy(options(), verify));
    expect((await request(parsed).post('/api/me').send({ hello: 'world' })).status).toBe(401);
    // A JSON content type with no body at all.
    expect((await request(unparsed).post('/api/me').set('Content-Type', 'application/json')).status).toBe(401);
    // Another content type.
    expect((await request(unparsed).post('/api/me').set('Content-Type', 'text/plain').send('hello')).status).toBe(401);
    expect(warnings()).toEqual([]);
  });
});
