/**
 * Scopes per route: `passport.authenticate('amazon-token', { scope })`, the `scope` option as every
 * route's default, and `verify(token, { scope })` / `verifyRequest(req, { scope })` on the core.
 * Amazon does not list a token's scopes: they are inferred from the profile's fields, and a
 * profile that lacks what a route needs is a 403 `insufficient_scope` whose challenge names the
 * scopes (RFC 6750 §3.1). Over HTTP to the emulator, whose tokens are minted with given scopes.
 */
import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import { CHANNELS, LwaVerifier, type ChannelMessages, type LwaScope, type LwaVerifierOptions } from '../../lib';
import { CLIENT_ID, bearer, recordEvents, useEmulator } from '../support/fixture';
import { routeApp, scopeChallenge, type RouteBody } from '../support/route-app';

const lwa = useEmulator();
const outcomes = recordEvents<ChannelMessages['outcome']>(CHANNELS.outcome);
const calls = () => ({ ...lwa.emu.calls });

const verifiers: LwaVerifier[] = [];
afterAll(() => Promise.allSettled(verifiers.map((v) => v.close())));
function verifierFor(options: Partial<LwaVerifierOptions> = {}): LwaVerifier {
  const verifier = new LwaVerifier({
    clientID: CLIENT_ID,
    tokenInfoURL: lwa.emu.tokenInfoURL,
    profileURL: lwa.emu.profileURL,
    timeout: 2000,
    ...options,
  });
  verifiers.push(verifier);
  return verifier;
}

/** One app: a route per scope need, and one without (the `scope` option's, none by default). */
function app(options: Parameters<typeof lwa.strategy>[0] = {}) {
  return routeApp(lwa.strategy(options), {
    '/default': {},
    '/profile': { scope: 'profile' },
    '/postal': { scope: 'postal_code' },
    '/both': { scope: ['profile', 'postal_code'] },
    '/bad': { scope: 'email' },
  });
}

describe('through the strategy, a scope per route', () => {
  test('a token with profile only: the profile route passes, the postal_code route is a 403 naming its scope', async () => {
    const server = app();
    const token = lwa.mint({ scopes: ['profile'], userID: 'amzn1.account.PROFILEONLY', name: 'Pat' });
    const ok = await request(server).get('/profile').set(bearer(token));
    expect([ok.status, (ok.body as RouteBody).user]).toEqual([200, { id: 'amzn1.account.PROFILEONLY', name: 'Pat' }]);
    const refused = await request(server).get('/postal').set(bearer(token));
    expect({ status: refused.status, challenge: refused.headers['www-authenticate'] }).toEqual({
      status: 403,
      challenge: scopeChallenge('postal_code'),
    });
    // One verification for both routes: the verdict is cached whole, the scope is checked per route.
    expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('a token with postal_code only: the profile route is a 403 naming `profile`', async () => {
    const server = app();
    const token = lwa.mint({ scopes: ['postal_code'] });
    expect((await request(server).get('/postal').set(bearer(token))).status).toBe(200);
    const refused = await request(server).get('/profile').set(bearer(token));
    expect([refused.status, refused.headers['www-authenticate']]).toEqual([403, scopeChallenge('profile')]);
  });

  test('two scopes: both must show; the challenge names both, space-separated', async () => {
    const server = app();
    const full = lwa.mint({ scopes: ['profile', 'postal_code'] });
    expect((await request(server).get('/both').set(bearer(full))).status).toBe(200);
    const partial = lwa.mint({ scopes: ['profile'] });
    const refused = await request(server).get('/both').set(bearer(partial));
    expect([refused.status, refused.headers['www-authenticate']]).toEqual([403, scopeChallenge('profile postal_code')]);
  });

  test('the outcome event of the 403: fail, insufficient_scope, with the origin', async () => {
    const server = app();
    await request(server)
      .get('/postal')
      .set(bearer(lwa.mint({ scopes: ['profile'] })));
    expect(outcomes).toEqual([{ outcome: 'fail', status: 403, reason: 'insufficient_scope', origin: 'authorization' }]);
  });

  test('without a scope, a route accepts whatever profile Amazon gives (the default is unchanged)', async () => {
    const server = app();
    const res = await request(server)
      .get('/default')
      .set(bearer(lwa.mint({ scopes: ['profile:user_id'] })));
    expect(res.status).toBe(200);
  });

  test("Amazon's own insufficient_scope (no profile scope at all): a 403 whose challenge names the route's scopes", async () => {
    const server = app();
    const token = lwa.mint({ scopes: [] });
    const scoped = await request(server).get('/postal').set(bearer(token));
    expect([scoped.status, scoped.headers['www-authenticate']]).toEqual([
      403,
      expect.stringMatching(
        /^Bearer realm="Users", error="insufficient_scope", error_description="[^"]+", scope="postal_code"$/,
      ),
    ]);
    const unscoped = await request(server).get('/default').set(bearer(token));
    expect([unscoped.status, unscoped.headers['www-authenticate']]).toEqual([
      403,
      expect.stringMatching(/^Bearer realm="Users", error="insufficient_scope", error_description="[^"]+"$/),
    ]);
  });

  test('a scope Amazon does not have: the TypeError is an error (500), and Amazon is not asked', async () => {
    const res = await request(app()).get('/bad').set(bearer(lwa.mint()));
    expect([res.status, res.body]).toEqual([500, { code: 'app_error', name: 'TypeError' }]);
    expect(calls()).toEqual({ tokeninfo: 0, profile: 0 });
  });
});

describe('the `scope` option: every route’s default', () => {
  test('a route without a scope uses it; a route with one overrides it', async () => {
    const server = app({ scope: 'postal_code' });
    const token = lwa.mint({ scopes: ['profile'] });
    const byDefault = await request(server).get('/default').set(bearer(token));
    expect([byDefault.status, byDefault.headers['www-authenticate']]).toEqual([403, scopeChallenge('postal_code')]);
    expect((await request(server).get('/profile').set(bearer(token))).status).toBe(200);
  });

  test.each<[string, unknown]>([
    ['an unknown scope', 'email'],
    ['an empty array', []],
    ['a number', 1],
    ['an array with an unknown scope', ['profile', 'openid']],
  ])('%s is a TypeError naming `scope`', (_name, scope) => {
    expect(() => verifierFor({ scope: scope as LwaScope })).toThrow(
      /option `scope` must be one of 'profile', 'profile:user_id', 'postal_code', or a non-empty array of them/,
    );
  });
});

describe('through the verifier', () => {
  test('verify(token, { scope }): the 403 refusal with its challenge', async () => {
    const verifier = verifierFor();
    const token = lwa.mint({ scopes: ['profile'] });
    await expect(verifier.verify(token, { scope: 'postal_code' })).resolves.toEqual({
      ok: false,
      status: 403,
      reason: 'insufficient_scope',
      challenge: scopeChallenge('postal_code'),
    });
    const ok = await verifier.verify(token, { scope: ['profile'] });
    expect(ok).toMatchObject({ ok: true, profile: { displayName: expect.any(String), emails: [expect.anything()] } });
    expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('the `scope` option applies to verify; the context overrides it', async () => {
    const verifier = verifierFor({ scope: ['profile', 'postal_code'] });
    const token = lwa.mint({ scopes: ['profile', 'postal_code'], postalCode: '10115' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ ok: true, profile: { postalCode: '10115' } });
    const idOnly = lwa.mint({ scopes: ['profile:user_id'] });
    await expect(verifier.verify(idOnly)).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(verifier.verify(idOnly, { scope: 'profile:user_id' })).resolves.toMatchObject({ ok: true });
  });

  test('verifyRequest(req, { scope })', async () => {
    const verifier = verifierFor();
    const token = lwa.mint({ scopes: ['postal_code'] });
    const req = { headers: { authorization: `Bearer ${token}` }, url: '/' } as unknown as IncomingMessage;
    await expect(verifier.verifyRequest(req, { scope: 'profile' })).resolves.toEqual({
      ok: false,
      status: 403,
      reason: 'insufficient_scope',
      challenge: scopeChallenge('profile'),
    });
    await expect(verifier.verifyRequest(req, { scope: 'postal_code' })).resolves.toMatchObject({
      ok: true,
      origin: 'authorization',
    });
  });

  test('a bad scope rejects with a TypeError before Amazon is asked (even for a malformed token)', async () => {
    const verifier = verifierFor();
    await expect(verifier.verify(lwa.mint(), { scope: 'email' as LwaScope })).rejects.toThrow(TypeError);
    await expect(verifier.verify('junk', { scope: [] as LwaScope[] })).rejects.toThrow(TypeError);
    expect(calls()).toEqual({ tokeninfo: 0, profile: 0 });
  });
});
