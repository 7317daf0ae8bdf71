/**
 * Express 4 and Express 5, through passport's own middleware: the strategy's outcomes reach the
 * client with their RFC 6750 status and challenge, and an Amazon outage reaches the error handler.
 */
import express from 'express';
import passport from 'passport';
import { LwaError } from '../../lib';
import { acceptedCases, expectRefused, refusalCases, useEmulator, getMe } from '../support/fixture';

// `express4` is Express 4 installed under an alias; it has no types of its own and its API is, for
// what this file uses, the one @types/express describes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express;

const lwa = useEmulator();

function appFor(framework: typeof express): express.Express {
  const pp = new passport.Passport();
  pp.use(lwa.strategy({ cache: false }));
  const app = framework();
  app.use(framework.json());
  app.use(framework.urlencoded({ extended: false }));
  const guard = pp.authenticate('amazon-token', { session: false });
  app.get('/api/me', guard, (req, res) => {
    res.json({ user: req.user });
  });
  app.post('/api/me', guard, (req, res) => {
    res.json({ user: req.user });
  });
  app.use(((err, _req, res, next) => {
    if (err instanceof LwaError) res.status(err.status).json({ error: err.code });
    else next(err);
  }) as express.ErrorRequestHandler);
  return app;
}

describe.each([
  ['Express 4', express4],
  ['Express 5', express],
])('%s', (_name, framework) => {
  let app: express.Express;
  beforeAll(() => {
    app = appFor(framework);
  });

  test.each(acceptedCases(lwa))('$name: 200 with the user', async ({ send, user }) => {
    const res = await send(app, '/api/me');
    expect([res.status, res.body]).toEqual([200, { user }]);
  });

  test.each(refusalCases(lwa))('$name: $status, with its challenge', async ({ send, status, error }) => {
    expectRefused(await send(app, '/api/me'), status, error);
  });

  test('Amazon down: the error handler answers 502 ERR_LWA_UPSTREAM_STATUS', async () => {
    lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 });
    const token = lwa.mint();
    const res = await getMe(app, token);
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: 'ERR_LWA_UPSTREAM_STATUS' });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});
