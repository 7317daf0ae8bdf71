/**
 * The rows of the outcomes table (docs/design.md, Outcomes), over HTTP: Express 5 +
 * passport.authenticate in front, the LWA emulator on loopback behind. Each Amazon failure on each
 * endpoint, with its status and error code: test/security/fault-matrix.test.ts.
 */
import request from 'supertest';
import { LwaError, LwaTimeoutError, LwaUnavailableError, LwaUpstreamError } from '../../lib';
import {
  authenticateOnce,
  bearer,
  CLIENT_ID,
  expectNoSliceOf,
  OTHER_CLIENT_ID,
  PROFILE_OF_SOMEONE_ELSE,
  TOKENINFO_SAYS_INVALID,
  expectRefused,
  useEmulator,
  type MeBody,
  getMe,
} from '../support/fixture';

const lwa = useEmulator();
const upstreamCalls = () => lwa.emu.calls.tokeninfo + lwa.emu.calls.profile;
describe('outcomes (docs/design.md, Outcomes)', () => {
  let app: ReturnType<typeof lwa.app>['app'];
  beforeAll(() => {
    // One app for every row: its outage rows in a row would open the circuit breaker (whose own
    // tests are in test/http/circuit-breaker.test.ts).
    app = lwa.app({ circuitBreaker: false }).app;
  });

  test('no token in any enabled source: 401, bare Bearer challenge, no upstream call', async () => {
    const res = await request(app).get('/api/me');
    expectRefused(res, 401);
    expect(upstreamCalls()).toBe(0);
  });

  test('token in two places: 400 invalid_request, with the header, no upstream call', async () => {
    const token = lwa.mint();
    const res = await request(app).get('/api/me').query({ access_token: token }).set(bearer(token));
    expectRefused(res, 400, 'invalid_request');
    expect(upstreamCalls()).toBe(0);
  });

  test('token twice in the query: 400', async () => {
    const token = lwa.mint();
    const res = await request(app).get(
      `/api/me?access_token=${encodeURIComponent(token)}&access_token=${encodeURIComponent(token)}`,
    );
    expect(res.status).toBe(400);
    expect(upstreamCalls()).toBe(0);
  });

  test('repeated Authorization header: 400', async () => {
    const token = lwa.mint();
    const res = await request(app)
      .get('/api/me')
      .set('Authorization', [`Bearer ${token}`, `Bearer ${token}`] as unknown as string);
    expectRefused(res, 400, 'invalid_request');
    expect(upstreamCalls()).toBe(0);
  });

  test.each([
    ['a non-string body field', { access_token: 123 }, 400, 'invalid_request'],
    ['an object body field', { access_token: { a: 1 } }, 400, 'invalid_request'],
    ['an empty body field', { access_token: '' }, 400, 'invalid_request'],
    ['a token over 2048 bytes', { access_token: `Atza|${'x'.repeat(2100)}` }, 401, 'invalid_token'],
    ['a token under 350 bytes', { access_token: `Atza|${'x'.repeat(100)}` }, 401, 'invalid_token'],
    ['a token with a space', { access_token: `Atza|x y${'x'.repeat(400)}` }, 401, 'invalid_token'],
    ['a token with a control character', { access_token: `Atza|x\u0001${'x'.repeat(400)}` }, 401, 'invalid_token'],
    ['a token without the Atza| prefix', { access_token: 'x'.repeat(400) }, 401, 'invalid_token'],
  ])('%s: %i %s, no upstream call', async (_name, body, status, error) => {
    const res = await request(app).post('/api/me').send(body);
    expectRefused(res, status, error);
    expect(upstreamCalls()).toBe(0);
  });

  test.each([
    ['unknown', () => `Atza|${'q'.repeat(400)}`],
    [
      'expired',
      () => {
        const t = lwa.mint();
        lwa.emu.expire(t);
        return t;
      },
    ],
    [
      'revoked',
      () => {
        const t = lwa.mint();
        lwa.emu.revoke(t);
        return t;
      },
    ],
    ['lapsed (expiresIn elapsed)', () => lwa.mint({ expiresIn: 0 })],
    [
      'invalid, in a 200 with an error key',
      () => {
        lwa.emu.fault('tokeninfo', TOKENINFO_SAYS_INVALID);
        return lwa.mint();
      },
    ],
  ])('Amazon says the token is %s: 401 invalid_token', async (_name, make) => {
    const res = await getMe(app, make());
    expectRefused(res, 401, 'invalid_token');
  });

  test('aud is another client (confused deputy): 401 invalid_token, even though the profile call succeeded', async () => {
    const res = await getMe(app, lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }));
    expectRefused(res, 401, 'invalid_token');
    expect(lwa.emu.calls.profile).toBe(1);
    expect(res.body).toEqual({});
  });

  test('clientID as an array accepts each listed client', async () => {
    const { app } = lwa.app({ clientID: ['amzn1.application-oa2-client.web', CLIENT_ID] });
    for (const clientID of ['amzn1.application-oa2-client.web', CLIENT_ID]) {
      expect((await getMe(app, lwa.emu.mintToken({ clientID }))).status).toBe(200);
    }
  });

  test('app_id not allowed: 401 invalid_token; allowed: 200', async () => {
    const { app: strict } = lwa.app({ appID: 'amzn1.application.mine' });
    const foreign = await getMe(strict, lwa.mint({ appID: 'amzn1.application.other' }));
    expectRefused(foreign, 401, 'invalid_token');
    const mine = await getMe(strict, lwa.mint({ appID: 'amzn1.application.mine' }));
    expect(mine.status).toBe(200);
  });

  test("profile user_id differs from tokeninfo's: 401 invalid_token", async () => {
    lwa.emu.fault('profile', PROFILE_OF_SOMEONE_ELSE);
    const res = await getMe(app, lwa.mint());
    expectRefused(res, 401, 'invalid_token');
  });

  test('Amazon says insufficient_scope: 403 with the header', async () => {
    const token = lwa.mint({ scopes: [] });
    const res = await getMe(app, token);
    expectRefused(res, 403, 'insufficient_scope');
  });

  test('verify refuses the user: 401 invalid_token', async () => {
    const { app: refusing } = lwa.app({}, async () => false as const);
    const res = await getMe(refusing, lwa.mint());
    expectRefused(res, 401, 'invalid_token');
  });

  test("verify errors: the app's error handler gets the error", async () => {
    const { app: broken } = lwa.app({}, async () => {
      throw Object.assign(new Error('database down'), { status: 500, code: 'DB_DOWN' });
    });
    const res = await getMe(broken, lwa.mint());
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('DB_DOWN');
  });

  describe('Amazon outages are errors, never a 401', () => {
    test('an unreachable host: 502 connection error', async () => {
      const { app: nowhere } = lwa.app({
        tokenInfoURL: 'http://127.0.0.1:1/auth/o2/tokeninfo',
        profileURL: 'http://127.0.0.1:1/user/profile',
      });
      const res = await getMe(nowhere, lwa.mint());
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('ERR_LWA_UPSTREAM_CONNECTION');
    });

    test('a definite "invalid" from one endpoint wins over an outage on the other', async () => {
      const token = lwa.mint();
      lwa.emu.revoke(token);
      lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 });
      const res = await getMe(app, token);
      expect(res.status).toBe(401);
    });

    test('a wrong audience wins over a profile outage', async () => {
      lwa.emu.fault('profile', { kind: 'status', status: 500 });
      const res = await getMe(app, lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }));
      expect(res.status).toBe(401);
    });
  });

  test('the errors are the exported classes, with code and status and no token inside', async () => {
    const { strategy } = lwa.app({ timeout: 150 });
    const token = lwa.mint();
    const req = {
      headers: { authorization: `Bearer ${token}` },
      rawHeaders: ['Authorization', `Bearer ${token}`],
      url: '/',
    };
    const errors: unknown[] = [];
    for (const fault of [{ kind: 'status', status: 500 }, { kind: 'rate-limit' }, { kind: 'hang' }] as const) {
      lwa.emu.clearFaults();
      lwa.emu.fault('both', fault);
      const { outcome } = await authenticateOnce(strategy, { ...req });
      errors.push(outcome.kind === 'error' ? outcome.err : outcome.kind);
    }
    lwa.emu.clearFaults();
    expect(errors[0]).toBeInstanceOf(LwaUpstreamError);
    expect(errors[1]).toBeInstanceOf(LwaUnavailableError);
    expect(errors[2]).toBeInstanceOf(LwaTimeoutError);
    for (const e of errors) expect(e).toBeInstanceOf(LwaError);
    expect(errors.map((e) => [(e as LwaUpstreamError).code, (e as LwaUpstreamError).status])).toEqual([
      ['ERR_LWA_UPSTREAM_STATUS', 502],
      ['ERR_LWA_RATE_LIMITED', 503],
      ['ERR_LWA_TIMEOUT', 504],
    ]);
    for (const e of errors) {
      expectNoSliceOf(token, [String(e), (e as Error).stack ?? '', e]);
      expect(`${String(e)} ${JSON.stringify(e)}`).not.toContain('access_token=');
    }
  });

  test('a token from the query string: success carries Cache-Control: private', async () => {
    const token = lwa.mint();
    const res = await request(app).get('/api/me').query({ access_token: token });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('private');
    const header = await getMe(app, lwa.mint());
    expect(header.headers['cache-control']).toBeUndefined();
  });

  test('success: the user, and tokenInfo in req.authInfo', async () => {
    const token = lwa.mint({ appID: 'amzn1.application.mine', expiresIn: 1800 });
    const res = await getMe(app, token);
    expect(res.status).toBe(200);
    const body = res.body as MeBody;
    const record = lwa.emu.tokenInfo(token)!;
    expect(body.user.id).toMatch(/^amzn1\.account\./);
    expect(body.authInfo.tokenInfo).toEqual({
      clientID: CLIENT_ID,
      appID: 'amzn1.application.mine',
      userID: body.user.id,
      expiresIn: expect.any(Number),
      issuedAt: expect.any(Number),
    });
    expect(body.authInfo.tokenInfo.expiresIn).toBeGreaterThan(1700);
    expect(body.authInfo.tokenInfo.expiresIn).toBeLessThanOrEqual(1800);
    expect(record).toBeDefined();
  });

  test('the realm is "Users" in every challenge: no token, 401, 400 and 403 alike', async () => {
    const token = lwa.mint();
    const challenges = await Promise.all([
      request(app).get('/api/me'),
      getMe(app, `Atza|${'q'.repeat(400)}`),
      getMe(app, token).query({ access_token: token }),
      getMe(app, lwa.mint({ scopes: [] })),
    ]).then((all) => all.map((res) => [res.status, res.headers['www-authenticate']]));
    expect(challenges).toEqual([
      [401, 'Bearer realm="Users"'],
      [401, expect.stringMatching(/^Bearer realm="Users", error="invalid_token", /)],
      [400, expect.stringMatching(/^Bearer realm="Users", error="invalid_request", /)],
      [403, expect.stringMatching(/^Bearer realm="Users", error="insufficient_scope", /)],
    ]);
  });

  test('the removed `realm` option is refused with what replaced it, not ignored', () => {
    expect(() => lwa.app({ realm: 'Example API' } as Parameters<typeof lwa.app>[0])).toThrow(
      /option `realm` was removed: the challenge's realm is always "Users"/,
    );
  });
});
