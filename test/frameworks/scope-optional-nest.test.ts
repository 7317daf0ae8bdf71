/**
 * Scopes and optional authentication in a NestJS 12 app on `passport-lwa-token/nestjs`, on the
 * Express and the Fastify platform: `AmazonTokenGuard` subclasses whose `getAuthenticateOptions()`
 * give a route its `scope` or `optional`. The app (scope-optional-nest/app.ts) runs in a child
 * process under tsx (NestJS 12 is ESM-only); the emulator stays here, in the test.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { startNestApp, stopNestApp } from '../support/nest-child';
import { bearer, useEmulator } from '../support/fixture';
import { scopeChallenge } from '../support/route-app';

const lwa = useEmulator();

describe.each(['express', 'fastify'] as const)('NestJS on the %s platform', (platform) => {
  let child: ChildProcess | undefined;
  let base: string;
  beforeAll(async () => {
    const started = startNestApp(join(__dirname, 'scope-optional-nest', 'app.ts'), platform, lwa.emu);
    child = started.child;
    base = await started.base;
  }, 30_000);
  afterAll(async () => {
    if (child) await stopNestApp(child);
  });

  test('a scope the profile shows: 200; one it does not: 403 with scope="postal_code"', async () => {
    const ok = await request(base)
      .get('/api/shipping')
      .set(bearer(lwa.mint({ scopes: ['postal_code'], userID: 'amzn1.account.NESTSHIP' })));
    expect([ok.status, ok.body]).toEqual([200, { user: { id: 'amzn1.account.NESTSHIP' } }]);
    const refused = await request(base)
      .get('/api/shipping')
      .set(bearer(lwa.mint({ scopes: ['profile'] })));
    expect([refused.status, refused.headers['www-authenticate']]).toEqual([403, scopeChallenge('postal_code')]);
    expect(refused.body).toEqual({ statusCode: 403, message: 'Forbidden' });
  });

  test('profile:user_id only: one tokeninfo call, no profile call', async () => {
    const res = await request(base)
      .get('/api/account')
      .set(bearer(lwa.mint({ userID: 'amzn1.account.NESTID' })));
    expect([res.status, res.body]).toEqual([200, { user: { id: 'amzn1.account.NESTID' } }]);
    expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 1, profile: 0 });
  });

  test('optional, no token: 200 without a user; a valid token: the user', async () => {
    const none = await request(base).get('/api/feed');
    expect([none.status, none.body]).toEqual([200, { user: null }]);
    const token = lwa.mint({ userID: 'amzn1.account.NESTFEED', name: 'Nia' });
    const res = await request(base).get('/api/feed').set(bearer(token));
    expect([res.status, res.body]).toEqual([200, { user: { id: 'amzn1.account.NESTFEED', name: 'Nia' } }]);
  });

  test('optional, a bad token: still 401 invalid_token', async () => {
    const res = await request(base)
      .get('/api/feed')
      .set(bearer(`Atza|${'q'.repeat(400)}`));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_token"/);
  });
});
