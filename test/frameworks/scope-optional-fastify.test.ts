/**
 * Scopes and optional authentication on Fastify 5 through @fastify/passport's
 * `authenticate(name, options, callback)`, with `amazonTokenCallback` (which sends the challenge on
 * every refusal): a 403 with the scope in its challenge, a request without a token let through on
 * an optional route, and a `profile:user_id` route that costs one call to Amazon.
 */
import { Authenticator } from '@fastify/passport';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import { amazonTokenCallback } from '../../lib/adapters/fastify';
import { bearer, expectRefused, useEmulator } from '../support/fixture';
import { scopeChallenge } from '../support/route-app';

const lwa = useEmulator();

let app: FastifyInstance;
beforeAll(async () => {
  const passport = new Authenticator();
  passport.use('amazon-token', lwa.strategy());
  app = Fastify();
  // Stateless: @fastify/passport's initialize() wants a `session` decorator even with `session: false`.
  app.decorateRequest('session', null);
  await app.register(passport.initialize());
  const routes = {
    '/shipping': passport.authenticate('amazon-token', { session: false, scope: 'postal_code' }, amazonTokenCallback),
    '/account': passport.authenticate(
      'amazon-token',
      { session: false, scope: 'profile:user_id' },
      amazonTokenCallback,
    ),
    // Inline: the package adds `optional` to @fastify/passport's option type.
    '/feed': passport.authenticate('amazon-token', { session: false, optional: true }, amazonTokenCallback),
  };
  for (const [path, guard] of Object.entries(routes)) {
    app.get(path, { preValidation: guard }, async (req) => ({ user: req.user ?? null }));
  }
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

test('a scope the profile shows: 200; one it does not: 403 with scope="postal_code"', async () => {
  const ok = await request(app.server)
    .get('/shipping')
    .set(bearer(lwa.mint({ scopes: ['postal_code'] })));
  expect(ok.status).toBe(200);
  const refused = await request(app.server)
    .get('/shipping')
    .set(bearer(lwa.mint({ scopes: ['profile'] })));
  expect([refused.status, refused.headers['www-authenticate']]).toEqual([403, scopeChallenge('postal_code')]);
});

test('profile:user_id only: one tokeninfo call, no profile call', async () => {
  const res = await request(app.server)
    .get('/account')
    .set(bearer(lwa.mint({ userID: 'amzn1.account.FASTIFYID' })));
  expect([res.status, res.body]).toEqual([200, { user: { id: 'amzn1.account.FASTIFYID' } }]);
  expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 1, profile: 0 });
});

test('optional, no token: 200 without a user; a valid token: the user', async () => {
  expect((await request(app.server).get('/feed')).body).toEqual({ user: null });
  const token = lwa.mint({ userID: 'amzn1.account.FASTIFYFEED', name: 'Fin' });
  const res = await request(app.server).get('/feed').set(bearer(token));
  expect([res.status, res.body]).toEqual([200, { user: { id: 'amzn1.account.FASTIFYFEED', name: 'Fin' } }]);
});

test('optional, a bad token: still 401 invalid_token, with its challenge', async () => {
  expectRefused(
    await request(app.server)
      .get('/feed')
      .set(bearer(`Atza|${'q'.repeat(400)}`)),
    401,
    'invalid_token',
  );
});
