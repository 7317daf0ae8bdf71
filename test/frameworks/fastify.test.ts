/**
 * Fastify 5 through @fastify/passport: tokens in the header, a JSON body and a form body
 * (@fastify/formbody); refusals with their status and challenge; an Amazon outage as a 502 error.
 */
import { Authenticator } from '@fastify/passport';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import { LwaError, Strategy } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { useEmulator } from '../support/emulator';

const CLIENT_ID = 'amzn1.application-oa2-client.test';

let emu: LwaEmulator;
useEmulator((started) => {
  emu = started;
});

let app: FastifyInstance;
beforeAll(async () => {
  const passport = new Authenticator();
  passport.use(
    'amazon-token',
    new Strategy(
      { clientID: CLIENT_ID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL, cache: false },
      async (_token, profile) => ({
        id: profile.id,
        name: profile.displayName,
      }),
    ),
  );
  app = Fastify();
  await app.register(formbody);
  // Stateless: @fastify/passport's initialize() insists on a `session` decorator (for flash
  // messages) even with `session: false` (fastify/fastify-passport#435); a null one satisfies it.
  app.decorateRequest('session', null);
  await app.register(passport.initialize());
  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof LwaError) return reply.code(err.status).send({ error: err.code });
    return reply.send(err);
  });

  // The plain route: Fastify's passport sets the refusal's status, and WWW-Authenticate on 401.
  const guard = passport.authenticate('amazon-token', { session: false });
  app.get('/api/me', { preValidation: guard }, async (request) => ({ user: request.user }));
  app.post('/api/me', { preValidation: guard }, async (request) => ({ user: request.user }));

  // The README recipe: a callback that also sends the challenge on 400 and 403 (a Fastify request
  // gives the strategy no way to reach the reply, so the app writes the header).
  const rfc6750 = passport.authenticate(
    'amazon-token',
    { session: false },
    async (request, reply, err, user, info, status) => {
      if (err) throw err;
      if (!user)
        return reply
          .code(status ?? 401)
          .header('WWW-Authenticate', info)
          .send();
      request.user = user;
    },
  );
  app.get('/api/strict/me', { preValidation: rfc6750 }, async (request) => ({ user: request.user }));
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
// Real HTTP through Fastify's server (app.inject's light-my-request pulls an ESM-only dependency
// that Jest cannot require before Node 24.9).
const get = (url: string, headers: Record<string, string> = {}) => request(app.server).get(url).set(headers);

test('a valid token in the Authorization header: 200 with the user', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID, userId: 'amzn1.account.FASTIFY', name: 'Ann' });
  const res = await get('/api/me', bearer(token));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ user: { id: 'amzn1.account.FASTIFY', name: 'Ann' } });
});

test('a valid token in a JSON body: 200', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID });
  const res = await request(app.server).post('/api/me').send({ access_token: token });
  expect(res.status).toBe(200);
});

test('a valid token in a form body: 200', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID });
  const res = await request(app.server).post('/api/me').type('form').send({ access_token: token });
  expect(res.status).toBe(200);
});

test('no token: 401 with the bare challenge', async () => {
  const res = await get('/api/me');
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
});

test('a token Amazon does not know: 401 invalid_token', async () => {
  const res = await get('/api/me', bearer(`Atza|${'q'.repeat(400)}`));
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_token"/);
});

test('a token in two places: 400 (and, with the recipe callback, its challenge)', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID });
  const url = `/api/me?access_token=${encodeURIComponent(token)}`;
  expect((await get(url, bearer(token))).status).toBe(400);
  const strict = await get(`/api/strict${url.slice(4)}`, bearer(token));
  expect(strict.status).toBe(400);
  expect(strict.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_request"/);
});

test('a token without the profile scope: 403 (and, with the recipe callback, its challenge)', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID, scopes: [] });
  expect((await get('/api/me', bearer(token))).status).toBe(403);
  const strict = await get('/api/strict/me', bearer(token));
  expect(strict.status).toBe(403);
  expect(strict.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="insufficient_scope"/);
});

test('the recipe callback still lets a valid token through', async () => {
  const token = emu.mintToken({ clientId: CLIENT_ID, userId: 'amzn1.account.STRICT' });
  const res = await get('/api/strict/me', bearer(token));
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ user: { id: 'amzn1.account.STRICT' } });
});

test('Amazon down: the error handler answers 502 ERR_LWA_UPSTREAM_STATUS, on both routes', async () => {
  emu.fault('both', { kind: 'status', status: 503 });
  const token = emu.mintToken({ clientId: CLIENT_ID });
  for (const url of ['/api/me', '/api/strict/me']) {
    const res = await get(url, bearer(token));
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: 'ERR_LWA_UPSTREAM_STATUS' });
  }
});
