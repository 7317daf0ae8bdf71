/**
 * `passport-lwa-token/fastify`: `amazonTokenCallback` with @fastify/passport on Fastify 5, over real
 * HTTP. Every refusal keeps its status and `WWW-Authenticate` challenge (which @fastify/passport
 * alone sends on 401 only); a valid token gives `request.user` and `request.authInfo`; an outage
 * goes to the error handler.
 */
import { Authenticator } from '@fastify/passport';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import { LwaError, Strategy, type AmazonAuthInfo } from '../../lib';
import { amazonTokenCallback } from '../../lib/adapters/fastify';
import type { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, useEmulator } from '../support/fixture';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

let app: FastifyInstance;
/** How many times the route handler ran: never after a refusal. */
let handled = 0;
beforeAll(async () => {
  // A non-default user property: the callback logs in through @fastify/passport, which knows it.
  const passport = new Authenticator({ userProperty: 'account' });
  passport.use(
    'amazon-token',
    new Strategy(
      { clientID: CLIENT_ID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL, cache: false },
      async (_token, profile) => (profile.id === 'amzn1.account.BLOCKED' ? false : { id: profile.id }),
    ),
  );
  passport.registerAuthInfoTransformer(async (info: AmazonAuthInfo) => ({ ...info, transformed: true }));

  app = Fastify();
  // Stateless: @fastify/passport's initialize() insists on a `session` decorator (for flash
  // messages) even with `session: false` (fastify/fastify-passport#435); a null one satisfies it.
  app.decorateRequest('session', null);
  await app.register(passport.initialize());
  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof LwaError) return reply.code(err.status).send({ error: err.code });
    return reply.send(err);
  });
  // An onSend hook that yields to the event loop, as one doing I/O would, so a response ends some
  // turns after send(): the route must still not run once the callback has answered.
  app.addHook('onSend', async (_request, _reply, payload) => {
    await new Promise((resolve) => setImmediate(resolve));
    return payload;
  });

  const amazonToken = passport.authenticate('amazon-token', { session: false }, amazonTokenCallback);
  app.get('/api/me', { preValidation: amazonToken }, async (req) => {
    handled += 1;
    const { tokenInfo, transformed } = req.authInfo as AmazonAuthInfo;
    return { user: req.account, expiresIn: tokenInfo.expiresIn, transformed };
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
});
beforeEach(() => {
  handled = 0;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
// Real HTTP through Fastify's server (app.inject's light-my-request pulls an ESM-only dependency
// that Jest cannot require before Node 24.9).
const get = (url: string, headers: Record<string, string> = {}) => request(app.server).get(url).set(headers);

test('a valid token: 200, request.user (here `account`) and the transformed request.authInfo', async () => {
  const token = emu.mintToken({ clientID: CLIENT_ID, userID: 'amzn1.account.FASTIFY' });
  const res = await get('/api/me', bearer(token));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ user: { id: 'amzn1.account.FASTIFY' }, expiresIn: expect.any(Number), transformed: true });
  expect(handled).toBe(1);
});

test('no token: 401 with the bare challenge', async () => {
  const res = await get('/api/me');
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
  expect(res.text).toBe('Unauthorized');
  expect(handled).toBe(0);
});

test('a token Amazon does not know: 401 invalid_token', async () => {
  const res = await get('/api/me', bearer(`Atza|${'q'.repeat(400)}`));
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_token"/);
});

test('a token in two places: 400 invalid_request with its challenge', async () => {
  const token = emu.mintToken({ clientID: CLIENT_ID });
  const res = await get(`/api/me?access_token=${encodeURIComponent(token)}`, bearer(token));
  expect(res.status).toBe(400);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_request"/);
  expect(res.text).toBe('Bad Request');
  expect(handled).toBe(0);
});

test('a token without the profile scope (Amazon says insufficient_scope): 403 with its challenge', async () => {
  const token = emu.mintToken({ clientID: CLIENT_ID, scopes: [] });
  const res = await get('/api/me', bearer(token));
  expect(res.status).toBe(403);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="insufficient_scope"/);
  expect(handled).toBe(0);
});

test('verify refuses the account: 401 invalid_token', async () => {
  const token = emu.mintToken({ clientID: CLIENT_ID, userID: 'amzn1.account.BLOCKED' });
  const res = await get('/api/me', bearer(token));
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_token"/);
  expect(handled).toBe(0);
});

test('Amazon down: the error handler answers 502 ERR_LWA_UPSTREAM_STATUS, no challenge', async () => {
  emu.fault('both', { kind: 'status', status: 503 });
  const token = emu.mintToken({ clientID: CLIENT_ID });
  const res = await get('/api/me', bearer(token));
  expect(res.status).toBe(502);
  expect(res.body).toEqual({ error: 'ERR_LWA_UPSTREAM_STATUS' });
  expect(res.headers['www-authenticate']).toBeUndefined();
  expect(handled).toBe(0);
});
