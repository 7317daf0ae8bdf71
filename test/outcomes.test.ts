/**
 * Every row of DESIGN.md section 2's outcomes table, over HTTP: Express 5 + passport.authenticate
 * in front, the LWA emulator on loopback behind.
 */
import request from 'supertest';
import { LwaRateLimitError, LwaTimeoutError, LwaUpstreamError } from '../lib';
import type { LwaEmulator } from '../lib/testing';
import { useEmulator } from './support/emulator';
import { appWith, CLIENT_ID, type MeBody } from './support/app';

let emu: LwaEmulator;
useEmulator((started) => {
  emu = started;
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const upstreamCalls = () => emu.calls.tokeninfo + emu.calls.profile;
const challenge = (error?: string): unknown =>
  error
    ? expect.stringMatching(new RegExp(`^Bearer realm="Users", error="${error}"(, error_description="[^"\\\\]*")?$`))
    : 'Bearer realm="Users"';

describe('outcomes (DESIGN.md section 2)', () => {
  let app: ReturnType<typeof appWith>['app'];
  beforeAll(() => {
    // One app for every row: its outage rows in a row would open the circuit breaker (whose own
    // tests are in test/http/circuit-breaker.test.ts).
    app = appWith(emu, { circuitBreaker: false }).app;
  });

  test('no token in any enabled source: 401, bare Bearer challenge, no upstream call', async () => {
    const res = await request(app).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
    expect(upstreamCalls()).toBe(0);
  });

  test('token in two places: 400 invalid_request, with the header, no upstream call', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const res = await request(app).get('/api/me').query({ access_token: token }).set(bearer(token));
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toEqual(challenge('invalid_request'));
    expect(upstreamCalls()).toBe(0);
  });

  test('token twice in the query: 400', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const res = await request(app).get(
      `/api/me?access_token=${encodeURIComponent(token)}&access_token=${encodeURIComponent(token)}`,
    );
    expect(res.status).toBe(400);
    expect(upstreamCalls()).toBe(0);
  });

  test('repeated Authorization header: 400', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const res = await request(app)
      .get('/api/me')
      .set('Authorization', [`Bearer ${token}`, `Bearer ${token}`] as unknown as string);
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toEqual(challenge('invalid_request'));
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
    expect(res.status).toBe(status);
    expect(res.headers['www-authenticate']).toEqual(challenge(error));
    expect(upstreamCalls()).toBe(0);
  });

  test.each([
    ['unknown', () => `Atza|${'q'.repeat(400)}`],
    [
      'expired',
      () => {
        const t = emu.mintToken({ clientId: CLIENT_ID });
        emu.expire(t);
        return t;
      },
    ],
    [
      'revoked',
      () => {
        const t = emu.mintToken({ clientId: CLIENT_ID });
        emu.revoke(t);
        return t;
      },
    ],
    ['lapsed (expiresIn elapsed)', () => emu.mintToken({ clientId: CLIENT_ID, expiresIn: 0 })],
  ])('Amazon says the token is %s: 401 invalid_token', async (_name, make) => {
    const res = await request(app).get('/api/me').set(bearer(make()));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toEqual(challenge('invalid_token'));
  });

  test('Amazon answers 200 with an error key: 401 invalid_token', async () => {
    emu.fault('tokeninfo', {
      kind: 'status',
      status: 200,
      body: '{"error":"invalid_token"}',
      contentType: 'application/json',
    });
    const res = await request(app)
      .get('/api/me')
      .set(bearer(emu.mintToken({ clientId: CLIENT_ID })));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toEqual(challenge('invalid_token'));
  });

  test('aud is another client (confused deputy): 401 invalid_token, even though the profile call succeeded', async () => {
    const res = await request(app)
      .get('/api/me')
      .set(bearer(emu.mintToken({ clientId: 'amzn1.application-oa2-client.other' })));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toEqual(challenge('invalid_token'));
    expect(emu.calls.profile).toBe(1);
    expect(res.body).toEqual({});
  });

  test('app_id not allowed: 401 invalid_token; allowed: 200', async () => {
    const { app: strict } = appWith(emu, { appID: 'amzn1.application.mine' });
    const foreign = await request(strict)
      .get('/api/me')
      .set(bearer(emu.mintToken({ clientId: CLIENT_ID, appId: 'amzn1.application.other' })));
    expect(foreign.status).toBe(401);
    expect(foreign.headers['www-authenticate']).toEqual(challenge('invalid_token'));
    const mine = await request(strict)
      .get('/api/me')
      .set(bearer(emu.mintToken({ clientId: CLIENT_ID, appId: 'amzn1.application.mine' })));
    expect(mine.status).toBe(200);
  });

  test("profile user_id differs from tokeninfo's: 401 invalid_token", async () => {
    emu.fault('profile', {
      kind: 'status',
      status: 200,
      contentType: 'application/json',
      body: '{"user_id":"amzn1.account.SOMEONEELSE"}',
    });
    const res = await request(app)
      .get('/api/me')
      .set(bearer(emu.mintToken({ clientId: CLIENT_ID })));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toEqual(challenge('invalid_token'));
  });

  test('Amazon says insufficient_scope: 403 with the header', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID, scopes: [] });
    const res = await request(app).get('/api/me').set(bearer(token));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toEqual(challenge('insufficient_scope'));
  });

  test('verify refuses the user: 401 invalid_token', async () => {
    const { app: refusing } = appWith(emu, {}, async () => false as const);
    const res = await request(refusing)
      .get('/api/me')
      .set(bearer(emu.mintToken({ clientId: CLIENT_ID })));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toEqual(challenge('invalid_token'));
  });

  test("verify errors: the app's error handler gets the error", async () => {
    const { app: broken } = appWith(emu, {}, async () => {
      throw Object.assign(new Error('database down'), { status: 500, code: 'DB_DOWN' });
    });
    const res = await request(broken)
      .get('/api/me')
      .set(bearer(emu.mintToken({ clientId: CLIENT_ID })));
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('DB_DOWN');
  });

  describe('Amazon outages are errors, never a 401', () => {
    test.each([
      ['500', { kind: 'status', status: 500 }, 502, 'ERR_LWA_UPSTREAM_STATUS'],
      ['503', { kind: 'status', status: 503 }, 502, 'ERR_LWA_UPSTREAM_STATUS'],
      ['a redirect (not followed)', { kind: 'status', status: 302, body: '' }, 502, 'ERR_LWA_UPSTREAM_STATUS'],
      ['404 (a misconfigured URL)', { kind: 'status', status: 404 }, 502, 'ERR_LWA_UPSTREAM_STATUS'],
      ['malformed JSON', { kind: 'malformed-json' }, 502, 'ERR_LWA_RESPONSE_JSON'],
      ['an HTML error page (502)', { kind: 'html' }, 502, 'ERR_LWA_UPSTREAM_STATUS'],
      ['an HTML page with status 200', { kind: 'html', status: 200 }, 502, 'ERR_LWA_RESPONSE_CONTENT_TYPE'],
      [
        'a wrong content type',
        { kind: 'content-type', contentType: 'text/plain' },
        502,
        'ERR_LWA_RESPONSE_CONTENT_TYPE',
      ],
      ['an oversized body', { kind: 'oversized', bytes: 1024 * 1024 }, 502, 'ERR_LWA_RESPONSE_TOO_LARGE'],
      [
        'a JSON array',
        { kind: 'status', status: 200, body: '[]', contentType: 'application/json' },
        502,
        'ERR_LWA_RESPONSE_SHAPE',
      ],
      ['a connection reset', { kind: 'reset' }, 502, 'ERR_LWA_UPSTREAM_CONNECTION'],
      ['a reset mid-body', { kind: 'reset-mid-body' }, 502, 'ERR_LWA_UPSTREAM_CONNECTION'],
      ['429', { kind: 'rate-limit', retryAfter: 3 }, 503, 'ERR_LWA_RATE_LIMITED'],
    ] as const)('%s on either endpoint: %i %s', async (_name, fault, status, code) => {
      for (const endpoint of ['tokeninfo', 'profile'] as const) {
        emu.clearFaults();
        emu.fault(endpoint, fault);
        const res = await request(app)
          .get('/api/me')
          .set(bearer(emu.mintToken({ clientId: CLIENT_ID })));
        expect([endpoint, res.status, res.body.code]).toEqual([endpoint, status, code]);
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
    });

    test('an upstream timeout: 504', async () => {
      const { app: quick } = appWith(emu, { timeout: 150 });
      emu.fault('profile', { kind: 'hang' });
      const res = await request(quick)
        .get('/api/me')
        .set(bearer(emu.mintToken({ clientId: CLIENT_ID })));
      expect(res.status).toBe(504);
      expect(res.body.code).toBe('ERR_LWA_TIMEOUT');
    });

    test('an unreachable host: 502 connection error', async () => {
      const { app: nowhere } = appWith(emu, {
        tokenInfoURL: 'http://127.0.0.1:1/auth/o2/tokeninfo',
        profileURL: 'http://127.0.0.1:1/user/profile',
      });
      const res = await request(nowhere)
        .get('/api/me')
        .set(bearer(emu.mintToken({ clientId: CLIENT_ID })));
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('ERR_LWA_UPSTREAM_CONNECTION');
    });

    test('a definite "invalid" from one endpoint wins over an outage on the other', async () => {
      const token = emu.mintToken({ clientId: CLIENT_ID });
      emu.revoke(token);
      emu.fault('tokeninfo', { kind: 'status', status: 500 });
      const res = await request(app).get('/api/me').set(bearer(token));
      expect(res.status).toBe(401);
    });

    test('a wrong audience wins over a profile outage', async () => {
      emu.fault('profile', { kind: 'status', status: 500 });
      const res = await request(app)
        .get('/api/me')
        .set(bearer(emu.mintToken({ clientId: 'amzn1.application-oa2-client.other' })));
      expect(res.status).toBe(401);
    });
  });

  test('the errors are the exported classes, with code and status and no token inside', async () => {
    const seen: unknown[] = [];
    const { strategy } = appWith(emu, { timeout: 150 });
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const run = () =>
      new Promise<void>((resolve) => {
        const s = Object.create(strategy) as typeof strategy & {
          error(e: unknown): void;
          fail(): void;
          success(): void;
        };
        s.error = (e) => {
          seen.push(e);
          resolve();
        };
        s.fail = () => {
          seen.push('fail');
          resolve();
        };
        s.success = () => {
          seen.push('success');
          resolve();
        };
        s.authenticate({
          headers: { authorization: `Bearer ${token}` },
          rawHeaders: ['Authorization', `Bearer ${token}`],
          url: '/',
        } as never);
      });
    emu.fault('both', { kind: 'status', status: 500 });
    await run();
    emu.clearFaults();
    emu.fault('both', { kind: 'rate-limit' });
    await run();
    emu.clearFaults();
    emu.fault('both', { kind: 'hang' });
    await run();
    emu.clearFaults();
    expect(seen[0]).toBeInstanceOf(LwaUpstreamError);
    expect(seen[1]).toBeInstanceOf(LwaRateLimitError);
    expect(seen[2]).toBeInstanceOf(LwaTimeoutError);
    expect(seen.map((e) => [(e as LwaUpstreamError).code, (e as LwaUpstreamError).status])).toEqual([
      ['ERR_LWA_UPSTREAM_STATUS', 502],
      ['ERR_LWA_RATE_LIMITED', 503],
      ['ERR_LWA_TIMEOUT', 504],
    ]);
    for (const e of seen) {
      const text = `${String(e)} ${JSON.stringify(e)} ${(e as Error).stack ?? ''}`;
      expect(text).not.toContain(token.slice(5, 21));
      expect(text).not.toContain('access_token=');
    }
    await strategy.close();
  });

  test('a token from the query string: success carries Cache-Control: private', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const res = await request(app).get('/api/me').query({ access_token: token });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('private');
    const header = await request(app)
      .get('/api/me')
      .set(bearer(emu.mintToken({ clientId: CLIENT_ID })));
    expect(header.headers['cache-control']).toBeUndefined();
  });

  test('success: the user, and tokenInfo in req.authInfo', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID, appId: 'amzn1.application.mine', expiresIn: 1800 });
    const res = await request(app).get('/api/me').set(bearer(token));
    expect(res.status).toBe(200);
    const body = res.body as MeBody;
    const record = emu.tokenInfo(token)!;
    expect(body.user.id).toMatch(/^amzn1\.account\./);
    expect(body.authInfo.tokenInfo).toEqual({
      audience: CLIENT_ID,
      appId: 'amzn1.application.mine',
      userId: body.user.id,
      expiresIn: expect.any(Number),
      issuedAt: expect.any(Number),
    });
    expect(body.authInfo.tokenInfo.expiresIn).toBeGreaterThan(1700);
    expect(body.authInfo.tokenInfo.expiresIn).toBeLessThanOrEqual(1800);
    expect(record).toBeDefined();
  });

  test('a custom realm is used in every challenge', async () => {
    const { app: realmApp } = appWith(emu, { realm: 'Example API' });
    const res = await request(realmApp).get('/api/me');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Example API"');
  });
});
