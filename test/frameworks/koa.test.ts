/**
 * Koa 3 through koa-passport and @koa/router: its request mock carries a `res` with `setHeader`,
 * so the strategy's 400 and 403 challenges reach the client as they do under Express.
 */
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { KoaPassport } from 'koa-passport';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { LwaError, Strategy } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { useEmulator } from '../support/emulator';

const CLIENT_ID = 'amzn1.application-oa2-client.test';

let emu: LwaEmulator;
useEmulator((started) => {
  emu = started;
});

let server: Server;
beforeAll(() => {
  const passport = new KoaPassport();
  passport.use(
    new Strategy(
      { clientID: CLIENT_ID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL, cache: false },
      async (_token, profile) => ({
        id: profile.id,
        name: profile.displayName,
      }),
    ),
  );
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof LwaError)) throw err;
      ctx.status = err.status;
      ctx.body = { error: err.code };
    }
  });
  app.use(bodyParser());
  app.use(passport.initialize());
  const router = new Router();
  const guard = passport.authenticate('amazon-token', { session: false });
  router.get('/api/me', guard, (ctx) => {
    ctx.body = { user: ctx.state.user };
  });
  router.post('/api/me', guard, (ctx) => {
    ctx.body = { user: ctx.state.user };
  });
  app.use(router.routes());
  server = createServer(app.callback());
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

test('a valid token: 200 with the user in ctx.state', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID, userId: 'amzn1.account.KOA', name: 'Ann' });
  const res = await request(server).get('/api/me').set(bearer(token));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ user: { id: 'amzn1.account.KOA', name: 'Ann' } });
});

test('a valid token in a JSON body and in a form body: 200', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID });
  await request(server).post('/api/me').send({ access_token: token }).expect(200);
  await request(server).post('/api/me').type('form').send({ access_token: token }).expect(200);
});

test('no token: 401 with the bare challenge', async () => {
  const res = await request(server).get('/api/me');
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
});

test('a token Amazon does not know: 401 invalid_token', async () => {
  const res = await request(server)
    .get('/api/me')
    .set(bearer(`Atza|${'q'.repeat(400)}`));
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_token"/);
});

test('a token in two places: 400 with the invalid_request challenge', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID });
  const res = await request(server).get('/api/me').query({ access_token: token }).set(bearer(token));
  expect(res.status).toBe(400);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_request"/);
});

test('a token without the profile scope: 403 with the insufficient_scope challenge', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID, scopes: [] });
  const res = await request(server).get('/api/me').set(bearer(token));
  expect(res.status).toBe(403);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="insufficient_scope"/);
});

test('Amazon down: the error middleware answers 502 ERR_LWA_UPSTREAM_STATUS', async () => {
  emu.fault('tokeninfo', { kind: 'status', status: 500 });
  const token = emu.mintToken({ clientId: CLIENT_ID });
  const res = await request(server).get('/api/me').set(bearer(token));
  expect(res.status).toBe(502);
  expect(res.body).toEqual({ error: 'ERR_LWA_UPSTREAM_STATUS' });
});
