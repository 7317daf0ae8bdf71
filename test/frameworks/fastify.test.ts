/**
 * Fastify 5 through @fastify/passport: tokens in the header, a JSON body and a form body
 * (@fastify/formbody); refusals with their status and challenge; an Amazon outage as a 502 error.
 */
import { Authenticator } from '@fastify/passport';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import { LwaError } from '../../lib';
import { acceptedCases, bearer, expectRefused, refusalCases, useEmulator } from '../support/fixture';

const lwa = useEmulator();

let app: FastifyInstance;
beforeAll(async () => {
  const passport = new Authenticator();
  const strategy = lwa.strategy({ cache: false });
  passport.use('amazon-token', strategy);
  app = Fastify();
  await app.register(formbody);
  // Stateless: @fastify/passport's initialize() insists on a `session` decorator (for flash
  // messages) even with `session: false`; a null one satisfies it.
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
  // docs/recipes.md, "Signing out", on Fastify: the Fastify request, as the strategy was given it.
  app.post('/api/sign-out', { preValidation: guard }, async (request, reply) => {
    await strategy.verifier.revokeRequest(request);
    return reply.code(204).send();
  });

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

// Real HTTP through Fastify's server (app.inject's light-my-request pulls an ESM-only dependency
// that Jest cannot require before Node 24.9).
const get = (url: string, headers: Record<string, string> = {}) => request(app.server).get(url).set(headers);

test.each(acceptedCases(lwa))('$name: 200 with the user', async ({ send, user }) => {
  const res = await send(app.server, '/api/me');
  expect([res.status, res.body]).toEqual([200, { user }]);
});

describe.each(refusalCases(lwa))('$name', ({ send, status, error }) => {
  test(`the plain route: ${status}, the challenge on a 401 only (Fastify's passport writes no other)`, async () => {
    const res = await send(app.server, '/api/me');
    if (status === 401) expectRefused(res, status, error);
    else expect([res.status, res.headers['www-authenticate']]).toEqual([status, undefined]);
  });

  test(`the recipe callback: ${status}, with its challenge`, async () => {
    expectRefused(await send(app.server, '/api/strict/me'), status, error);
  });
});

test('the recipe callback still lets a valid token through', async () => {
  const token = lwa.mint({ userID: 'amzn1.account.STRICT' });
  const res = await get('/api/strict/me', bearer(token));
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ user: { id: 'amzn1.account.STRICT' } });
});

test('Amazon down: the error handler answers 502 ERR_LWA_UPSTREAM_STATUS, on both routes', async () => {
  lwa.emu.fault('both', { kind: 'status', status: 503 });
  const token = lwa.mint();
  for (const url of ['/api/me', '/api/strict/me']) {
    const res = await get(url, bearer(token));
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: 'ERR_LWA_UPSTREAM_STATUS' });
  }
});

describe.each([
  ['the Authorization header', (t: request.Test, token: string) => t.set(bearer(token))],
  ['the query', (t: request.Test, token: string) => t.query({ access_token: token })],
  ['a JSON body', (t: request.Test, token: string) => t.send({ access_token: token })],
  ['a form body', (t: request.Test, token: string) => t.type('form').send({ access_token: token })],
])('sign-out with the token in %s', (_place, send) => {
  test('204, then the token is refused: 401 invalid_token', async () => {
    const token = lwa.mint();
    await send(request(app.server).post('/api/sign-out'), token).expect(204);
    expectRefused(await send(request(app.server).post('/api/me'), token), 401, 'invalid_token');
  });
});
