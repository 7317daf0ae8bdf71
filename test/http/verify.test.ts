/**
 * The app's `verify`, over HTTP: every form (callback or promise, with or without
 * `passReqToCallback`), its refusals and its errors (docs/design.md, Outcomes), and the default
 * Passport instance as the README uses it.
 */
import express from 'express';
import passport from 'passport';
import request from 'supertest';
import { Strategy, type AmazonProfile, type VerifyFunction } from '../../lib';
import {
  bearer,
  acceptAll,
  CLIENT_ID,
  errorHandler,
  mount,
  useEmulator,
  type MeBody,
  type TestUser,
  getMe,
} from '../support/fixture';

const lwa = useEmulator();

type Verify = VerifyFunction<TestUser>;

describe('verify forms', () => {
  const base = () => ({ clientID: CLIENT_ID, tokenInfoURL: lwa.emu.tokenInfoURL, profileURL: lwa.emu.profileURL });
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
      const res = await request(mount(forms[form])).get('/api/me').set(bearer(lwa.mint())).set('x-test', 'from-req');
      expect(res.status).toBe(200);
      const body = res.body as MeBody;
      expect(body.user.id).toMatch(/^amzn1\.account\./);
      if (form.includes('passReq')) expect(body.user.name).toBe('from-req');
      if (form.startsWith('callback')) expect(body.authInfo).toMatchObject(info);
      expect(body.authInfo.tokenInfo.clientID).toBe(CLIENT_ID);
    },
  );

  test('verify gets the token it authenticated', async () => {
    const token = lwa.mint();
    let got: string | undefined;
    const { app } = lwa.app({}, async (t, p) => {
      got = t;
      return { id: p.id };
    });
    await getMe(app, token);
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
    const { app } = lwa.app({}, verify);
    const res = await getMe(app, lwa.mint());
    expect([res.status, res.body.code]).toEqual([500, code]);
  });

  test('a synchronous throw with passReqToCallback is an error', async () => {
    const res = await request(mount(forms['sync throw, passReqToCallback'])).get('/api/me').set(bearer(lwa.mint()));
    expect([res.status, res.body.code]).toEqual([500, 'SYNC']);
  });

  test.each<[string, Verify]>([
    ['done(null, false)', (_t, _p, done) => done(null, false)],
    ['resolving null', async () => null],
    ['resolving undefined', async () => undefined],
  ])('%s refuses: 401', async (_name, verify) => {
    const { app } = lwa.app({}, verify);
    expect((await getMe(app, lwa.mint())).status).toBe(401);
  });

  test('the first answer wins when verify both calls done and returns a promise (NestJS mixin)', async () => {
    const { app } = lwa.app({}, async (_t, p, done) => {
      done(null, { id: p.id });
      return undefined;
    });
    expect((await getMe(app, lwa.mint())).status).toBe(200);
  });

  test('the default Passport instance and name work as in the README', async () => {
    const strategy = new Strategy(
      { clientID: CLIENT_ID, tokenInfoURL: lwa.emu.tokenInfoURL, profileURL: lwa.emu.profileURL },
      acceptAll,
    );
    passport.use(strategy);
    const app = express();
    app.get('/api/me', passport.authenticate('amazon-token', { session: false }), (req, res) => {
      res.json(req.user);
    });
    app.use(errorHandler);
    expect((await getMe(app, lwa.mint())).status).toBe(200);
    passport.unuse('amazon-token');
    await strategy.close();
  });
});
