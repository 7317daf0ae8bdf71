/**
 * Scopes and optional authentication on Express 4 and Express 5, through passport's own middleware:
 * `passport.authenticate('amazon-token', { session: false, scope })` answers a 403 with the scope in
 * its challenge, `{ optional: true }` lets a request without a token through (no `req.user`), and a
 * route that needs only `profile:user_id` costs one call to Amazon.
 */
import express from 'express';
import passport from 'passport';
import request from 'supertest';
import { bearer, expectRefused, useEmulator } from '../support/fixture';
import { scopeChallenge } from '../support/route-app';

// `express4` is Express 4 installed under an alias (see express.test.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express;

const lwa = useEmulator();

function appFor(framework: typeof express): express.Express {
  const pp = new passport.Passport();
  pp.use(lwa.strategy());
  const app = framework();
  app.use(framework.json());
  // Passport's types do not know `optional`: the options go through a variable.
  const optional = { session: false, optional: true };
  const answer: express.RequestHandler = (req, res) => {
    res.json({ user: req.user ?? null });
  };
  app.get('/shipping', pp.authenticate('amazon-token', { session: false, scope: 'postal_code' }), answer);
  app.get('/account', pp.authenticate('amazon-token', { session: false, scope: 'profile:user_id' }), answer);
  app.get('/feed', pp.authenticate('amazon-token', optional), answer);
  app.post('/feed', pp.authenticate('amazon-token', optional), answer);
  return app;
}

describe.each([
  ['Express 4', express4],
  ['Express 5', express],
])('%s', (_name, framework) => {
  const app = () => appFor(framework);

  test('a scope the profile shows: 200; one it does not: 403 with scope="postal_code"', async () => {
    const server = app();
    const ok = await request(server)
      .get('/shipping')
      .set(bearer(lwa.mint({ scopes: ['profile', 'postal_code'] })));
    expect(ok.status).toBe(200);
    const refused = await request(server)
      .get('/shipping')
      .set(bearer(lwa.mint({ scopes: ['profile'] })));
    expect([refused.status, refused.headers['www-authenticate']]).toEqual([403, scopeChallenge('postal_code')]);
  });

  test('profile:user_id only: one tokeninfo call, no profile call', async () => {
    const res = await request(app())
      .get('/account')
      .set(bearer(lwa.mint({ userID: 'amzn1.account.EXPRESSID' })));
    expect([res.status, res.body]).toEqual([200, { user: { id: 'amzn1.account.EXPRESSID' } }]);
    expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 1, profile: 0 });
  });

  test('optional, no token: 200 without a user; a token in a JSON body: the user', async () => {
    const server = app();
    expect((await request(server).get('/feed')).body).toEqual({ user: null });
    const token = lwa.mint({ userID: 'amzn1.account.EXPRESSFEED', name: 'Fey' });
    const res = await request(server).post('/feed').send({ access_token: token });
    expect([res.status, res.body]).toEqual([200, { user: { id: 'amzn1.account.EXPRESSFEED', name: 'Fey' } }]);
  });

  test('optional, a bad token: still 401 invalid_token', async () => {
    expectRefused(
      await request(app())
        .get('/feed')
        .set(bearer(`Atza|${'q'.repeat(400)}`)),
      401,
      'invalid_token',
    );
  });
});
