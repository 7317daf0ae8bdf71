/**
 * `passport-lwa-token/nestjs` in a real NestJS 12 app, on the Express platform and on the Fastify
 * platform: `AmazonTokenStrategy` (with an injected service) and `AmazonTokenGuard`. Every answer
 * keeps the strategy's status and challenge; an Amazon failure is its 502, 503 or 504 with `code`.
 *
 * NestJS 12 is ESM-only and Jest can `require` ESM only from Node 24.9, so the app
 * (nestjs-entry/app.ts) runs in a child process under tsx; the emulator stays here, in the test.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { startNestApp, stopNestApp } from '../support/nest-child';
import type { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, useEmulator } from '../support/fixture';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe.each(['express', 'fastify'] as const)('NestJS on the %s platform', (platform) => {
  let child: ChildProcess;
  let base: string;
  beforeAll(async () => {
    const started = startNestApp(join(__dirname, 'nestjs-entry', 'app.ts'), platform, emu);
    child = started.child;
    base = await started.base;
  }, 30_000);
  afterAll(async () => {
    if (child) await stopNestApp(child);
  });

  test('a valid token: 200, validate() gives req.user, req.authInfo has the token info', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID, userID: 'amzn1.account.NEST', name: 'Ann' });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: 'amzn1.account.NEST', name: 'Ann' }, expiresIn: expect.any(Number) });
    expect(res.body.expiresIn).toBeGreaterThan(0);
  });

  test('a valid token in a JSON body: 200', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID, userID: 'amzn1.account.BODY' });
    const res = await request(base).post('/api/me').send({ access_token: token });
    expect(res.status).toBe(201); // Nest's default for a POST handler
    expect(res.body.user).toEqual({ id: 'amzn1.account.BODY', name: expect.any(String) });
  });

  test.each([
    ['the Authorization header', (t: request.Test, token: string) => t.set(bearer(token))],
    ['a JSON body', (t: request.Test, token: string) => t.send({ access_token: token })],
    ['the query', (t: request.Test, token: string) => t.query({ access_token: token })],
  ])('sign-out (strategy.verifier.revokeRequest) with the token in %s: then 401', async (_place, send) => {
    const token = emu.mintToken({ clientID: CLIENT_ID, userID: 'amzn1.account.OUT' });
    const res = await send(request(base).post('/api/sign-out'), token);
    expect([res.status, res.body]).toEqual([201, { revoked: true }]);
    const after = await send(request(base).post('/api/me'), token);
    expect([after.status, after.headers['www-authenticate']]).toEqual([401, expect.stringContaining('invalid_token')]);
  });

  test('no token: 401 with the bare challenge', async () => {
    const res = await request(base).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
    expect(res.body).toEqual({ statusCode: 401, message: 'Unauthorized' });
  });

  test('a token Amazon does not know: 401 invalid_token', async () => {
    const res = await request(base)
      .get('/api/me')
      .set(bearer(`Atza|${'q'.repeat(400)}`));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_token"/);
  });

  test('a token in two places: 400 invalid_request with its challenge', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID });
    const res = await request(base).get('/api/me').query({ access_token: token }).set(bearer(token));
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_request"/);
    expect(res.body).toEqual({ statusCode: 400, message: 'Bad Request' });
  });

  test('a token without the profile scope (Amazon says insufficient_scope): 403 with its challenge', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID, scopes: [] });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="insufficient_scope"/);
    expect(res.body).toEqual({ statusCode: 403, message: 'Forbidden' });
  });

  test('validate() refuses (returns false): 401 invalid_token', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID, userID: 'amzn1.account.BLOCKED' });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_token"/);
  });

  test('validate() throws an HttpException: it passes through, no challenge', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID, userID: 'amzn1.account.FORBIDDEN' });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, message: 'Not here' });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  test('Amazon down: 502 with the LwaError code, no challenge', async () => {
    emu.fault('profile', { kind: 'status', status: 500 });
    const token = emu.mintToken({ clientID: CLIENT_ID });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ statusCode: 502, message: 'Bad Gateway', code: 'ERR_LWA_UPSTREAM_STATUS' });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  test("Amazon's rate limit: 503 ERR_LWA_RATE_LIMITED with Amazon's Retry-After", async () => {
    emu.fault('tokeninfo', { kind: 'rate-limit', retryAfter: 30 });
    const token = emu.mintToken({ clientID: CLIENT_ID });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ statusCode: 503, message: 'Service Unavailable', code: 'ERR_LWA_RATE_LIMITED' });
    expect(res.headers['retry-after']).toBe('30');
  });
});
