/**
 * Where the strategy looks for the token, over HTTP (docs/design.md, Token form): each of the four
 * places alone, two at once, `tokenSources`, the one field name and `extractToken`. Each rule on its
 * own, request by request: test/unit/extract.test.ts.
 */
import type express from 'express';
import request from 'supertest';
import type { TokenSource } from '../../lib';
import { bearer, expectRefused, useEmulator } from '../support/fixture';

const lwa = useEmulator();

describe('token sources', () => {
  const send: Record<TokenSource, (t: request.Test, token: string) => request.Test> = {
    authorization: (t, token) => t.set(bearer(token)),
    'x-amz-access-token': (t, token) => t.set('x-amz-access-token', token),
    query: (t, token) => t.query({ access_token: token }),
    body: (t, token) => t.send({ access_token: token }),
  };
  const sources = Object.keys(send) as TokenSource[];

  test.each(sources)('%s alone authenticates', async (source) => {
    const { app } = lwa.app();
    const res = await send[source](request(app).post('/api/me'), lwa.mint());
    expect(res.status).toBe(200);
  });

  test('a form-encoded body authenticates', async () => {
    const { app } = lwa.app();
    const res = await request(app)
      .post('/api/me')
      .type('form')
      .send(`access_token=${encodeURIComponent(lwa.mint())}`);
    expect(res.status).toBe(200);
  });

  const pairs = sources.flatMap((a, i) => sources.slice(i + 1).map((b) => [a, b] as const));
  test.each(pairs)('%s + %s: 400 invalid_request, no upstream call', async (a, b) => {
    const { app } = lwa.app();
    const token = lwa.mint();
    const res = await send[b](send[a](request(app).post('/api/me'), token), token);
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_request"/);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test.each(sources)('with only %s disabled, a token there is not seen (401, no error code)', async (source) => {
    const { app } = lwa.app({ tokenSources: sources.filter((s) => s !== source) });
    const res = await send[source](request(app).post('/api/me'), lwa.mint());
    expectRefused(res, 401);
  });

  test('the body and query field is always access_token: a token under another name is not seen', async () => {
    const { app } = lwa.app();
    expectRefused(await request(app).get('/api/me').query({ lwa_token: lwa.mint() }), 401);
    expectRefused(await request(app).post('/api/me').send({ lwa_token: lwa.mint() }), 401);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
    expect((await request(app).get('/api/me').query({ access_token: lwa.mint() })).status).toBe(200);
    expect((await request(app).post('/api/me').send({ access_token: lwa.mint() })).status).toBe(200);
  });

  test('the removed accessTokenField option is refused with what replaced it, not ignored', () => {
    expect(() => lwa.app({ accessTokenField: 'lwa_token' } as Parameters<typeof lwa.app>[0])).toThrow(
      /option `accessTokenField` was removed: the body and query field is always `access_token`/,
    );
  });

  test('extractToken reads an Alexa skill request', async () => {
    const { app } = lwa.app({
      tokenSources: [],
      extractToken: (req) => (req as express.Request).body?.context?.System?.user?.accessToken as string | undefined,
    });
    const alexa = {
      version: '1.0',
      context: { System: { user: { userID: 'amzn1.ask.account.X', accessToken: lwa.mint() } } },
      request: {},
    };
    expect((await request(app).post('/api/me').send(alexa)).status).toBe(200);
    const unlinked = { context: { System: { user: { userID: 'amzn1.ask.account.X' } } } };
    expect((await request(app).post('/api/me').send(unlinked)).status).toBe(401);
  });

  test('an extractToken that throws is an error, not a refusal', async () => {
    const { app } = lwa.app({
      extractToken: () => {
        throw Object.assign(new Error('boom'), { status: 500, code: 'EXTRACT' });
      },
    });
    const res = await request(app).get('/api/me');
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('EXTRACT');
  });
});
