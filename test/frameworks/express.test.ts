/**
 * Express 4 and Express 5, through passport's own middleware: the strategy's outcomes reach the
 * client with their RFC 6750 status and challenge, and an Amazon outage reaches the error handler.
 */
import express from 'express';
import passport from 'passport';
import request from 'supertest';
import { LwaError, Strategy } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { useEmulator } from '../support/emulator';

// `express4` is Express 4 installed under an alias; it has no types of its own and its API is, for
// what this file uses, the one @types/express describes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express;

const CLIENT_ID = 'amzn1.application-oa2-client.test';
const invalidToken = /^Bearer realm="Users", error="invalid_token"/;

let emu: LwaEmulator;
useEmulator((started) => {
  emu = started;
});

function appFor(framework: typeof express): express.Express {
  const pp = new passport.Passport();
  pp.use(
    new Strategy(
      { clientID: CLIENT_ID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL, cache: false },
      async (_token, profile) => ({
        id: profile.id,
        name: profile.displayName,
      }),
    ),
  );
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

  test('a valid token: 200 with the user', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID, userId: 'amzn1.account.EXPRESS', name: 'Ann' });
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: 'amzn1.account.EXPRESS', name: 'Ann' } });
  });

  test('a token in a JSON body and in a form body: 200', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID });
    await request(app).post('/api/me').send({ access_token: token }).expect(200);
    await request(app).post('/api/me').type('form').send({ access_token: token }).expect(200);
  });

  test('no token: 401 with the bare challenge', async () => {
    const res = await request(app).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
  });

  test('a token Amazon does not know: 401 invalid_token', async () => {
    const res = await request(app)
      .get('/api/me')
      .set('Authorization', `Bearer Atza|${'q'.repeat(400)}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(invalidToken);
  });

  test('a token issued to another app: 401 invalid_token', async () => {
    const token = emu.mintToken({ clientId: 'amzn1.application-oa2-client.other' });
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(invalidToken);
  });

  test('a token in two places: 400 with the invalid_request challenge', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const res = await request(app)
      .get('/api/me')
      .query({ access_token: token })
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_request"/);
  });

  test('a token without the profile scope: 403 with the insufficient_scope challenge', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID, scopes: [] });
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="insufficient_scope"/);
  });

  test('Amazon down: the error handler answers 502 ERR_LWA_UPSTREAM_STATUS', async () => {
    emu.fault('tokeninfo', { kind: 'status', status: 500 });
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: 'ERR_LWA_UPSTREAM_STATUS' });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});
