/** Token sources, scopes, verify forms and the Amazon client's manners, over HTTP against the emulator. */
import diagnostics_channel from 'node:diagnostics_channel';
import express from 'express';
import passport from 'passport';
import request from 'supertest';
import { Agent, type Dispatcher } from 'undici';
import { CHANNELS, Strategy, type AmazonProfile, type OutcomeEvent, type TokenSource } from '../lib';
import type { LwaEmulator } from '../lib/testing';
import { useEmulator } from './support/emulator';
import { acceptAll, appWith, CLIENT_ID, errorHandler, mount, type MeBody, type TestUser } from './support/app';

let emu: LwaEmulator;
useEmulator((started) => {
  emu = started;
});

const mint = (extra: Partial<Parameters<LwaEmulator['mintToken']>[0]> = {}) =>
  emu.mintToken({ clientId: CLIENT_ID, ...extra });

describe('token sources', () => {
  const send: Record<TokenSource, (t: request.Test, token: string) => request.Test> = {
    authorization: (t, token) => t.set('Authorization', `Bearer ${token}`),
    'x-amz-access-token': (t, token) => t.set('x-amz-access-token', token),
    query: (t, token) => t.query({ access_token: token }),
    body: (t, token) => t.send({ access_token: token }),
  };
  const sources = Object.keys(send) as TokenSource[];

  test.each(sources)('%s alone authenticates', async (source) => {
    const { app } = appWith(emu);
    const res = await send[source](request(app).post('/api/me'), mint());
    expect(res.status).toBe(200);
  });

  test('a form-encoded body authenticates', async () => {
    const { app } = appWith(emu);
    const res = await request(app)
      .post('/api/me')
      .type('form')
      .send(`access_token=${encodeURIComponent(mint())}`);
    expect(res.status).toBe(200);
  });

  const pairs = sources.flatMap((a, i) => sources.slice(i + 1).map((b) => [a, b] as const));
  test.each(pairs)('%s + %s: 400 invalid_request, no upstream call', async (a, b) => {
    const { app } = appWith(emu);
    const token = mint();
    const res = await send[b](send[a](request(app).post('/api/me'), token), token);
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_request"/);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test.each(sources)('with only %s disabled, a token there is not seen (401, no error code)', async (source) => {
    const { app } = appWith(emu, { tokenSources: sources.filter((s) => s !== source) });
    const res = await send[source](request(app).post('/api/me'), mint());
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
  });

  test('accessTokenField renames the body and query field', async () => {
    const { app } = appWith(emu, { accessTokenField: 'lwa_token' });
    expect((await request(app).get('/api/me').query({ lwa_token: mint() })).status).toBe(200);
    expect((await request(app).post('/api/me').send({ lwa_token: mint() })).status).toBe(200);
    expect((await request(app).post('/api/me').send({ access_token: mint() })).status).toBe(401);
  });

  test('extractToken reads an Alexa skill request', async () => {
    const { app } = appWith(emu, {
      tokenSources: [],
      extractToken: (req) => (req as express.Request).body?.context?.System?.user?.accessToken as string | undefined,
    });
    const alexa = {
      version: '1.0',
      context: { System: { user: { userId: 'amzn1.ask.account.X', accessToken: mint() } } },
      request: {},
    };
    expect((await request(app).post('/api/me').send(alexa)).status).toBe(200);
    const unlinked = { context: { System: { user: { userId: 'amzn1.ask.account.X' } } } };
    expect((await request(app).post('/api/me').send(unlinked)).status).toBe(401);
  });

  test('an extractToken that throws is an error, not a refusal', async () => {
    const { app } = appWith(emu, {
      extractToken: () => {
        throw Object.assign(new Error('boom'), { status: 500, code: 'EXTRACT' });
      },
    });
    const res = await request(app).get('/api/me');
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('EXTRACT');
  });
});

describe('profile, for each scope', () => {
  const profileOf = async (token: string) => {
    let seen: AmazonProfile | undefined;
    const { app } = appWith(emu, {}, async (_t, profile) => {
      seen = profile;
      return { id: profile.id };
    });
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    return seen!;
  };

  test('profile: id, name, e-mail', async () => {
    const p = await profileOf(
      mint({
        scopes: ['profile'],
        name: 'Mork Hashimoto',
        email: 'mork@example.com',
        userId: 'amzn1.account.K2LI23KL2LK2',
      }),
    );
    expect(p).toMatchObject({
      provider: 'amazon',
      id: 'amzn1.account.K2LI23KL2LK2',
      displayName: 'Mork Hashimoto',
      emails: [{ value: 'mork@example.com' }],
    });
    expect(p).not.toHaveProperty('postalCode');
    expect(JSON.parse(p._raw)).toEqual(p._json);
  });

  test('profile:user_id: only the id', async () => {
    const p = await profileOf(mint({ scopes: ['profile:user_id'] }));
    expect(Object.keys(p).sort()).toEqual(['_json', '_raw', 'id', 'provider']);
  });

  test('profile + postal_code', async () => {
    const p = await profileOf(mint({ scopes: ['profile', 'postal_code'], postalCode: '98052' }));
    expect(p).toMatchObject({ postalCode: '98052', displayName: expect.any(String) });
  });

  test('the older Profile: { CustomerId, … } shape', async () => {
    const p = await profileOf(
      mint({ legacyProfileShape: true, name: 'Ann', email: 'ann@example.com', userId: 'amzn1.account.LEGACY' }),
    );
    expect(p).toMatchObject({ id: 'amzn1.account.LEGACY', displayName: 'Ann', emails: [{ value: 'ann@example.com' }] });
  });

  test('clientID as an array accepts each listed client', async () => {
    const { app } = appWith(emu, { clientID: ['amzn1.application-oa2-client.web', CLIENT_ID] });
    for (const clientId of ['amzn1.application-oa2-client.web', CLIENT_ID]) {
      expect(
        (
          await request(app)
            .get('/api/me')
            .set('Authorization', `Bearer ${emu.mintToken({ clientId })}`)
        ).status,
      ).toBe(200);
    }
  });
});

type Verify = Parameters<typeof appWith>[2];

describe('verify forms', () => {
  const base = () => ({ clientID: CLIENT_ID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL });
  const user = (p: AmazonProfile): TestUser => ({ id: p.id });
  const info = { scope: 'profile', source: 'test' };

  const makeForms = () => ({
    callback: new Strategy<TestUser>(base(), (_t, p, done) => done(null, user(p), info)),
    promise: new Strategy<TestUser>(base(), async (_t, p) => user(p)),
    'callback, passReqToCallback': new Strategy<TestUser, express.Request>(
      { ...base(), passReqToCallback: true },
      (req, _t, p, done) => done(null, { ...user(p), name: req.get('x-test') }, info),
    ),
    'promise, passReqToCallback': new Strategy<TestUser, express.Request>(
      { ...base(), passReqToCallback: true },
      async (req, _t, p) => ({
        ...user(p),
        name: req.get('x-test'),
      }),
    ),
    'sync throw, passReqToCallback': new Strategy<TestUser, express.Request>(
      { ...base(), passReqToCallback: true },
      () => {
        throw Object.assign(new Error('sync'), { status: 500, code: 'SYNC' });
      },
    ),
  });
  let forms: ReturnType<typeof makeForms>;
  beforeAll(() => {
    forms = makeForms();
  });
  afterAll(() => Promise.all(Object.values(forms).map((s) => s.close())));

  test.each(['callback', 'promise', 'callback, passReqToCallback', 'promise, passReqToCallback'] as const)(
    '%s',
    async (form) => {
      const res = await request(mount(forms[form]))
        .get('/api/me')
        .set('Authorization', `Bearer ${mint()}`)
        .set('x-test', 'from-req');
      expect(res.status).toBe(200);
      const body = res.body as MeBody;
      expect(body.user.id).toMatch(/^amzn1\.account\./);
      if (form.includes('passReq')) expect(body.user.name).toBe('from-req');
      if (form.startsWith('callback')) expect(body.authInfo).toMatchObject(info);
      expect(body.authInfo.tokenInfo.audience).toBe(CLIENT_ID);
    },
  );

  test('verify gets the token it authenticated', async () => {
    const token = mint();
    let got: string | undefined;
    const { app } = appWith(emu, {}, async (t, p) => {
      got = t;
      return { id: p.id };
    });
    await request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(got).toBe(token);
  });

  test.each<[string, Verify, string]>([
    ['done(err)', (_t, _p, done) => done(Object.assign(new Error('x'), { status: 500, code: 'CB' })), 'CB'],
    [
      'a rejection',
      async () => {
        throw Object.assign(new Error('x'), { status: 500, code: 'REJ' });
      },
      'REJ',
    ],
    [
      'a synchronous throw',
      () => {
        throw Object.assign(new Error('x'), { status: 500, code: 'THROW' });
      },
      'THROW',
    ],
  ])('%s is an error', async (_name, verify, code) => {
    const { app } = appWith(emu, {}, verify);
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${mint()}`);
    expect([res.status, res.body.code]).toEqual([500, code]);
  });

  test('a synchronous throw with passReqToCallback is an error', async () => {
    const res = await request(mount(forms['sync throw, passReqToCallback']))
      .get('/api/me')
      .set('Authorization', `Bearer ${mint()}`);
    expect([res.status, res.body.code]).toEqual([500, 'SYNC']);
  });

  test.each<[string, Verify]>([
    ['done(null, false)', (_t, _p, done) => done(null, false)],
    ['resolving null', async () => null],
    ['resolving undefined', async () => undefined],
  ])('%s refuses: 401', async (_name, verify) => {
    const { app } = appWith(emu, {}, verify);
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${mint()}`)).status).toBe(401);
  });

  test('the first answer wins when verify both calls done and returns a promise (NestJS mixin)', async () => {
    const { app } = appWith(emu, {}, async (_t, p, done) => {
      done(null, { id: p.id });
      return undefined;
    });
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${mint()}`)).status).toBe(200);
  });

  test('the default Passport instance and name work as in the README', async () => {
    const strategy = new Strategy(
      { clientID: CLIENT_ID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL },
      acceptAll,
    );
    passport.use(strategy);
    const app = express();
    app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => {
      res.json(req.user);
    });
    app.use(errorHandler);
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${mint()}`)).status).toBe(200);
    passport.unuse('amazon-token');
    await strategy.close();
  });
});

describe('talking to Amazon', () => {
  test('sends the documented headers, the token in x-amz-access-token to tokeninfo and as a bearer to profile', async () => {
    const { app } = appWith(emu);
    const token = mint();
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    const ti = emu.requests.filter((r) => r.endpoint === 'tokeninfo').at(-1)!;
    const pr = emu.requests.filter((r) => r.endpoint === 'profile').at(-1)!;
    expect(ti.tokenVia).toBe('x-amz-access-token');
    expect(ti.headers['x-amz-access-token']).toBe(token);
    expect(pr.tokenVia).toBe('authorization');
    expect(pr.headers.authorization).toBe(`Bearer ${token}`);
    for (const r of [ti, pr]) {
      expect(r.method).toBe('GET');
      expect(r.headers.accept).toBe('application/json');
      expect(r.headers['accept-language']).toBe('en-US');
      expect(r.headers['user-agent']).toMatch(/^passport-lwa-token\/\d+\.\d+\.\d+/);
    }
  });

  test('the two calls are concurrent: profile is asked while tokeninfo has not answered', async () => {
    const { app } = appWith(emu, { timeout: 300 });
    emu.fault('tokeninfo', { kind: 'hang' });
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${mint()}`);
    expect(res.status).toBe(504);
    // A sequential client would never have reached profile.
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('connections are kept alive and reused across requests', async () => {
    const { app, strategy } = appWith(emu);
    const before = emu.connections;
    for (let i = 0; i < 10; i++) {
      expect((await request(app).get('/api/me').set('Authorization', `Bearer ${mint()}`)).status).toBe(200);
    }
    // Twenty calls, two at a time: a fresh connection each time would open twenty. undici may
    // open one spare beside the two in use, hence the slack.
    expect(emu.connections - before).toBeLessThanOrEqual(4);
    await strategy.close();
  });

  test("the caller's dispatcher is used when given", async () => {
    let dispatched = 0;
    class CountingAgent extends Agent {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        dispatched++;
        return super.dispatch(opts, handler);
      }
    }
    const dispatcher = new CountingAgent();
    const { app, strategy } = appWith(emu, { dispatcher });
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${mint()}`)).status).toBe(200);
    expect(dispatched).toBe(2);
    await strategy.close(); // must not close the caller's dispatcher
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${mint()}`)).status).toBe(200);
    await dispatcher.close();
  });

  test('a region maps to its Amazon host (seen through a dispatcher that records the origin)', async () => {
    const origins: string[] = [];
    class Recording extends Agent {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        origins.push(`${String(opts.origin)}${opts.path.split('?')[0]}`);
        // Never leave the machine: send the call to the emulator instead.
        return super.dispatch({ ...opts, origin: emu.url }, handler);
      }
    }
    const dispatcher = new Recording();
    for (const region of ['NA', 'EU', 'FE'] as const) {
      const s = new Strategy({ clientID: CLIENT_ID, region, dispatcher }, acceptAll);
      await request(mount(s)).get('/api/me').set('Authorization', `Bearer ${mint()}`);
    }
    await dispatcher.close();
    expect(origins.sort()).toEqual(
      [
        'https://api.amazon.co.jp/auth/o2/tokeninfo',
        'https://api.amazon.co.jp/user/profile',
        'https://api.amazon.co.uk/auth/o2/tokeninfo',
        'https://api.amazon.co.uk/user/profile',
        'https://api.amazon.com/auth/o2/tokeninfo',
        'https://api.amazon.com/user/profile',
      ].sort(),
    );
  });
});

describe('outcome events (passport-lwa-token:outcome)', () => {
  const events: OutcomeEvent[] = [];
  const listen = (e: unknown): void => void events.push(e as OutcomeEvent);
  beforeAll(() => diagnostics_channel.subscribe(CHANNELS.outcome, listen));
  afterAll(() => diagnostics_channel.unsubscribe(CHANNELS.outcome, listen));
  beforeEach(() => {
    events.length = 0;
  });

  test('one event per authentication: success, each kind of refusal, and an outage', async () => {
    const { app, strategy } = appWith(emu, { retries: 0 });
    await request(app).get('/api/me').query({ access_token: mint() });
    await request(app).get('/api/me');
    await request(app)
      .get('/api/me')
      .set('Authorization', `Bearer ${emu.mintToken({ clientId: 'amzn1.application-oa2-client.other' })}`);
    emu.fault('tokeninfo', { kind: 'status', status: 500 });
    await request(app).post('/api/me').send({ access_token: mint() });
    expect(events).toEqual([
      { outcome: 'success', status: 200, origin: 'query' },
      { outcome: 'fail', status: 401, reason: 'no_token' },
      { outcome: 'fail', status: 401, reason: 'audience_mismatch', origin: 'authorization' },
      { outcome: 'error', status: 502, code: 'ERR_LWA_UPSTREAM_STATUS', origin: 'body' },
    ]);
    await strategy.close();
  });
});
