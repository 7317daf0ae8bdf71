/**
 * docs/recipes.md, "Signing out": the route revokes the token that passed, wherever the client put
 * it (`verifier.revokeRequest(req)`). The recipe block below is the document's, verbatim but for the
 * package's import (checked at the end). Each of the four places, `tokenSources`, and a custom
 * `extractToken`, sync and async; then `LwaVerifier` alone with a Fetch `Request`, and requests with
 * nothing to revoke. Fastify and NestJS: frameworks/fastify.test.ts, frameworks/nestjs-entry.test.ts.
 */

// recipe: Signing out
import type { Express } from 'express';
import passport from 'passport';
import type { Strategy } from '../../lib';

export function addSignOut(app: Express, strategy: Strategy): void {
  app.post('/api/sign-out', passport.authenticate('amazon-token', { session: false }), async (req, res) => {
    // Found as verification found it: a header, the query, the body, or your extractToken.
    await strategy.verifier.revokeRequest(req);
    res.sendStatus(204); // the client drops the token too
  });
}
// end of recipe

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import type { StrategyOptions } from '../../lib';
import { bearer, expectRefused, mount, useEmulator } from '../support/fixture';

const lwa = useEmulator();

/** The test app's GET /api/me, and the recipe's sign-out on an app of its own, sharing one strategy. */
function apps(options: Partial<StrategyOptions> = {}): { me: Express; signOut: Express; strategy: Strategy } {
  const strategy = lwa.strategy(options);
  const signOut = express();
  signOut.use(express.json());
  signOut.use(express.urlencoded({ extended: false }));
  passport.use(strategy);
  addSignOut(signOut, strategy);
  return { me: mount(strategy), signOut, strategy };
}

/** One request carrying the token in one place. */
type Send = (test: request.Test, token: string) => request.Test;
const places: Array<[string, Send]> = [
  ['the Authorization header', (t, token) => t.set(bearer(token))],
  ['x-amz-access-token', (t, token) => t.set('x-amz-access-token', token)],
  ['the query', (t, token) => t.query({ access_token: token })],
  ['a form body', (t, token) => t.type('form').send({ access_token: token })],
  ['a JSON body', (t, token) => t.send({ access_token: token })],
];

describe.each(places)('the token in %s', (_place, send) => {
  test('signed out: 204, then refused (401 token_revoked) without asking Amazon', async () => {
    const { me, signOut } = apps();
    const token = lwa.mint();
    await send(request(me).post('/api/me'), token).expect(200);
    await send(request(signOut).post('/api/sign-out'), token).expect(204);
    lwa.emu.resetCalls();
    expectRefused(await send(request(me).post('/api/me'), token), 401, 'invalid_token');
    expectRefused(await request(me).get('/api/me').set(bearer(token)), 401, 'invalid_token');
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });
});

describe.each([
  ['a sync extractToken', (req: express.Request) => req.get('x-session-token')],
  ['an async extractToken', async (req: express.Request) => Promise.resolve(req.get('x-session-token'))],
])('%s (tokenSources: [])', (_name, extractToken) => {
  test('the token it found is the one revoked', async () => {
    const { me, signOut } = apps({ tokenSources: [], extractToken: extractToken as StrategyOptions['extractToken'] });
    const token = lwa.mint();
    const other = lwa.mint();
    await request(signOut).post('/api/sign-out').set('x-session-token', token).expect(204);
    expectRefused(await request(me).get('/api/me').set('x-session-token', token), 401, 'invalid_token');
    await request(me).get('/api/me').set('x-session-token', other).expect(200);
  });
});

test('tokenSources: a source turned off is not read (the header token is revoked, the query one not)', async () => {
  const { strategy } = apps({ tokenSources: ['authorization'] });
  const token = lwa.mint();
  const inQuery = lwa.mint();
  const req = { headers: { authorization: `Bearer ${token}` }, url: `/x?access_token=${inQuery}` };
  expect(await strategy.verifier.revokeRequest(req as never)).toEqual({ revoked: true });
  expect(await strategy.verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
  expect(await strategy.verifier.verify(inQuery)).toMatchObject({ ok: true });
});

describe('LwaVerifier alone, with a Fetch Request', () => {
  test('the header or the query: revoked; another token is not', async () => {
    const verifier = lwa.verifier<Request>();
    const [inHeader, inQuery, other] = [lwa.mint(), lwa.mint(), lwa.mint()];
    const inHeaderRequest = new Request('https://api.example/sign-out', { headers: bearer(inHeader) });
    expect(await verifier.revokeRequest(inHeaderRequest)).toEqual({ revoked: true });
    expect(await verifier.revokeRequest(new Request(`https://api.example/?access_token=${inQuery}`))).toEqual({
      revoked: true,
    });
    for (const token of [inHeader, inQuery]) {
      expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    }
    expect(await verifier.verify(other)).toMatchObject({ ok: true });
  });

  test('extractToken is given the Request itself', async () => {
    const verifier = lwa.verifier<Request>({
      tokenSources: [],
      extractToken: (req) => req.headers.get('x-t') ?? undefined,
    });
    const token = lwa.mint();
    expect(await verifier.revokeRequest(new Request('https://api.example/', { headers: { 'x-t': token } }))).toEqual({
      revoked: true,
    });
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
  });
});

describe('nothing to revoke: resolves saying why, never throws, asks no one', () => {
  test.each([
    ['no token', {}, 'no_token'],
    ['a malformed token', { authorization: 'Bearer nope' }, 'malformed_token'],
    ['a refresh token', { authorization: `Bearer Atzr|${'x'.repeat(400)}` }, 'refresh_token'],
    [
      'two tokens',
      { authorization: `Bearer ${'Atza|'.padEnd(400, 'a')}`, 'x-amz-access-token': 'x' },
      'multiple_tokens',
    ],
    ['an empty header', { 'x-amz-access-token': '' }, 'malformed_request'],
  ])('%s', async (_name, headers, reason) => {
    const verifier = lwa.verifier();
    expect(await verifier.revokeRequest({ headers })).toEqual({ revoked: false, reason });
    expect(await verifier.revokeRequest(new Request('https://api.example/', { headers }))).toEqual({
      revoked: false,
      reason,
    });
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('what extractToken throws is the app’s error: it rejects with it', async () => {
    const boom = new Error('the app’s own');
    const verifier = lwa.verifier({ extractToken: () => Promise.reject(boom) });
    await expect(verifier.revokeRequest({ headers: {} })).rejects.toBe(boom);
  });
});

test('the recipe block is docs/recipes.md’s, verbatim but for the import', () => {
  const own = readFileSync(__filename, 'utf8');
  const [, block] = /^\/\/ recipe: Signing out\n([\s\S]*?)^\/\/ end of recipe$/m.exec(own)!;
  const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'recipes.md'), 'utf8');
  expect(docs).toContain(`\`\`\`ts\n${block.replaceAll("from '../../lib'", "from 'passport-lwa-token'")}\`\`\``);
});
