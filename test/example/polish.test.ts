/**
 * The example app's answers outside its main flows, over HTTP (supertest) against the emulator:
 * a refused token is JSON like every other error, with its Bearer challenge kept, and the favicon
 * is answered rather than a 404.
 */
import request from 'supertest';
import type { Express } from 'express';
import { LwaEmulator, type SignInCustomer } from '../../lib/testing';
import { createApp } from '../../example/app';
import { DEMO_CLIENT_ID, emulatorConfig } from '../../example/config';
import { ExampleDatabase } from '../../example/database';
import { DEMO_CUSTOMERS, seedDemoAccounts } from '../../example/demo';

let emu: LwaEmulator;
let app: Express;
let closeApp: () => Promise<void>;
let mork: SignInCustomer;

beforeAll(async () => {
  emu = await LwaEmulator.start({ customers: DEMO_CUSTOMERS });
  const database = ExampleDatabase.open(':memory:');
  mork = emu.customers[0];
  await seedDemoAccounts(database.accounts, emu);
  ({ app, close: closeApp } = createApp(emulatorConfig(emu), database));
});
afterAll(async () => {
  await closeApp();
  await emu.close();
});

const tokenFor = (customer: SignInCustomer, extra: { appID?: string; scopes?: [] } = {}) =>
  emu.mintToken({ clientID: DEMO_CLIENT_ID, userID: customer.userID, ...extra });

describe('a refused token: JSON { error, message }, the challenge in WWW-Authenticate', () => {
  test('no token: 401, the bare challenge, error no_token', async () => {
    const res = await request(app)
      .get('/api/me')
      .expect(401)
      .expect('Content-Type', /^application\/json/);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
    expect(res.body).toEqual({ error: 'no_token', message: 'Send a Login with Amazon access token.' });
  });

  test('an unknown token: 401 invalid_token, the challenge and the body say the same', async () => {
    const token = 'Atza|' + 'x'.repeat(400);
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="Users", error="invalid_token", error_description="The access token is expired, revoked, or invalid"',
    );
    expect(res.body).toEqual({ error: 'invalid_token', message: 'The access token is expired, revoked, or invalid.' });
    expect(res.text).not.toContain(token);
  });

  test('the token twice: 400 invalid_request, with the challenge', async () => {
    const token = tokenFor(mork);
    const res = await request(app)
      .get(`/api/me?access_token=${encodeURIComponent(token)}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(400);
    expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
    expect(res.body).toEqual({ error: 'invalid_request', message: expect.any(String) });
    expect(res.text).not.toContain(token);
  });

  test('a token without a profile scope: 403 insufficient_scope, with the challenge', async () => {
    const res = await request(app)
      .get('/api/me')
      .set('Authorization', `Bearer ${tokenFor(mork, { scopes: [] })}`)
      .expect(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      message: 'The access token lacks the scope needed for the customer profile.',
    });
  });

  test('GET /api/app/me: a token of another app, 401 JSON', async () => {
    const other = tokenFor(mork, { appID: 'amzn1.application.0123456789abcdef0123456789abcdef' });
    const res = await request(app).get('/api/app/me').set('Authorization', `Bearer ${other}`).expect(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.body).toEqual({
      error: 'invalid_token',
      message: 'The access token was issued to another application.',
    });
  });

  test("the page's sign-in (POST /auth/amazon): an expired token, 401 JSON the page can show", async () => {
    const expired = emu.mintToken({ clientID: DEMO_CLIENT_ID, expiresIn: 0 });
    const res = await request(app).post('/auth/amazon').send({ access_token: expired }).expect(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.body).toEqual({ error: 'invalid_token', message: 'The access token is expired, revoked, or invalid.' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('an accepted token still gets through, with its authInfo', async () => {
    const res = await request(app)
      .get('/api/me')
      .set('Authorization', `Bearer ${tokenFor(mork)}`)
      .expect(200);
    expect(res.body).toMatchObject({ amazonUserId: mork.userID, tokenExpiresIn: expect.any(Number) });
  });
});

test('the favicon: 204, cacheable, not a 404', async () => {
  const res = await request(app).get('/favicon.ico').expect(204);
  expect(res.headers['cache-control']).toBe('public, max-age=86400');
});
