/**
 * Optional authentication: `passport.authenticate('amazon-token', { session: false, optional: true })`.
 * No token: Passport's `pass()`, the route runs without `req.user`. A token that is there but bad
 * still gets its 400, 401 or 403. Through the verifier, optional is the app's choice: no token is
 * `reason: 'no_token'`.
 */
import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import { CHANNELS, LwaVerifier, type ChannelMessages } from '../../lib';
import { CLIENT_ID, bearer, expectRefused, recordEvents, useEmulator } from '../support/fixture';
import { routeApp, scopeChallenge, type RouteBody } from '../support/route-app';

const lwa = useEmulator();
const outcomes = recordEvents<ChannelMessages['outcome']>(CHANNELS.outcome);
const calls = () => ({ ...lwa.emu.calls });

function app() {
  return routeApp(lwa.strategy(), {
    '/feed': { optional: true },
    '/feed/local': { optional: true, scope: 'postal_code' },
    '/me': {},
    '/bad': { optional: 'yes' },
  });
}

describe('an optional route', () => {
  test('no token: the route runs without req.user, and Amazon is not asked', async () => {
    const res = await request(app()).get('/feed');
    expect([res.status, (res.body as RouteBody).user]).toEqual([200, null]);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(calls()).toEqual({ tokeninfo: 0, profile: 0 });
    // The verification's outcome, as verifyRequest publishes it: the route's choice is not one.
    expect(outcomes).toEqual([{ outcome: 'fail', status: 401, reason: 'no_token' }]);
  });

  test('a valid token: the user, as on any route', async () => {
    const token = lwa.mint({ userID: 'amzn1.account.OPTIONAL', name: 'Olga' });
    const res = await request(app()).get('/feed').set(bearer(token));
    expect([res.status, (res.body as RouteBody).user]).toEqual([200, { id: 'amzn1.account.OPTIONAL', name: 'Olga' }]);
  });

  test('a token Amazon refuses: still a 401', async () => {
    expectRefused(
      await request(app())
        .get('/feed')
        .set(bearer(`Atza|${'q'.repeat(400)}`)),
      401,
      'invalid_token',
    );
  });

  test('a malformed token: still a 401, without asking Amazon', async () => {
    expectRefused(await request(app()).get('/feed').set(bearer('not a token')), 401, 'invalid_token');
    expect(calls()).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('a token in two places: still a 400', async () => {
    const token = lwa.mint();
    expectRefused(
      await request(app()).get('/feed').query({ access_token: token }).set(bearer(token)),
      400,
      'invalid_request',
    );
  });

  test('with a scope the token does not show: still a 403; without a token: passes', async () => {
    const server = app();
    const res = await request(server)
      .get('/feed/local')
      .set(bearer(lwa.mint({ scopes: ['profile'] })));
    expect([res.status, res.headers['www-authenticate']]).toEqual([403, scopeChallenge('postal_code')]);
    expect((await request(server).get('/feed/local')).status).toBe(200);
  });

  test('a route that is not optional still refuses no token with a 401', async () => {
    expectRefused(await request(app()).get('/me'), 401);
  });

  test('`optional` other than a boolean: a TypeError (the app’s error, 500)', async () => {
    const res = await request(app()).get('/bad');
    expect([res.status, res.body]).toEqual([500, { code: 'app_error', name: 'TypeError' }]);
  });
});

describe('through the verifier: the app decides', () => {
  let verifier: LwaVerifier;
  beforeAll(() => {
    verifier = new LwaVerifier({
      clientID: CLIENT_ID,
      tokenInfoURL: lwa.emu.tokenInfoURL,
      profileURL: lwa.emu.profileURL,
    });
  });
  afterAll(() => verifier.close());

  test("no token is reason 'no_token', which an optional door lets through", async () => {
    const req = { headers: {}, url: '/feed' } as IncomingMessage;
    const result = await verifier.verifyRequest(req);
    expect(result).toEqual({ ok: false, status: 401, reason: 'no_token', challenge: 'Bearer realm="Users"' });
    const user = result.ok ? result.profile.id : result.reason === 'no_token' ? null : 'refused';
    expect(user).toBeNull();
  });

  test('a bad token is another reason: the app refuses it', async () => {
    const req = { headers: { authorization: `Bearer Atza|${'q'.repeat(400)}` }, url: '/feed' } as IncomingMessage;
    await expect(verifier.verifyRequest(req)).resolves.toMatchObject({
      ok: false,
      status: 401,
      reason: 'token_rejected',
    });
  });
});
