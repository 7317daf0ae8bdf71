/**
 * Profile-free verification: a route whose scopes are only `profile:user_id` asks tokeninfo alone
 * (it proves the audience and names the customer), half the calls to Amazon. The profile `verify`
 * gets is then `{ provider, id, _raw, _json }` with `_json` `{ user_id }`. Verdicts say which they
 * hold: a profile-free one never answers a route that needs the profile (a miss, then Amazon's full
 * verdict replaces it), while a full one answers a profile-free route. Counted at the emulator.
 */
import request from 'supertest';
import { LwaVerifier, type CacheStore, type LwaVerifierOptions } from '../../lib';
import { CLIENT_ID, OTHER_CLIENT_ID, bearer, useEmulator, useMovableClock } from '../support/fixture';
import { routeApp, type RouteBody } from '../support/route-app';

const lwa = useEmulator();
const advance = useMovableClock();
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

/** A route that needs only the customer's ID, and one that needs the profile. */
function app(options: Parameters<typeof lwa.strategy>[0] = {}) {
  const strategy = lwa.strategy(options, async (_token, profile) => ({
    id: profile.id,
    name: profile.displayName,
    profile,
  }));
  return routeApp(strategy, { '/id': { scope: 'profile:user_id' }, '/me': {} });
}

const USER = 'amzn1.account.PROFILEFREE';

describe('through the strategy', () => {
  test('an ID route: one tokeninfo call, no profile call; the profile holds the ID only', async () => {
    const token = lwa.mint({ userID: USER, name: 'Pia' });
    const res = await request(app()).get('/id').set(bearer(token));
    expect(res.status).toBe(200);
    const user = (res.body as RouteBody & { user: { profile: Record<string, unknown> } }).user;
    expect(user.profile).toEqual({
      provider: 'amazon',
      id: USER,
      _raw: JSON.stringify({ user_id: USER }),
      _json: { user_id: USER },
    });
    expect((res.body as RouteBody).authInfo).toMatchObject({ tokenInfo: { userID: USER, clientID: CLIENT_ID } });
    expect(calls()).toEqual({ tokeninfo: 1, profile: 0 });
  });

  test('then a profile route for the same token: the profile-free verdict is a miss, the profile is fetched', async () => {
    const server = app();
    const token = lwa.mint({ userID: USER, name: 'Pia' });
    await request(server).get('/id').set(bearer(token)).expect(200);
    const res = await request(server).get('/me').set(bearer(token));
    expect([res.status, (res.body as RouteBody).user?.name]).toEqual([200, 'Pia']);
    expect(calls()).toEqual({ tokeninfo: 2, profile: 1 });
    // The full verdict replaced it: both routes are now answered from the cache.
    await request(server).get('/me').set(bearer(token)).expect(200);
    await request(server).get('/id').set(bearer(token)).expect(200);
    expect(calls()).toEqual({ tokeninfo: 2, profile: 1 });
  });

  test('a profile route first: its full verdict answers the ID route, no new call', async () => {
    const server = app();
    const token = lwa.mint({ userID: USER, name: 'Pia' });
    await request(server).get('/me').set(bearer(token)).expect(200);
    const res = await request(server).get('/id').set(bearer(token));
    // The full profile, since the cache had it.
    expect([res.status, (res.body as RouteBody).user?.name]).toEqual([200, 'Pia']);
    expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('an ID route and a profile route at once: each gets what it needs', async () => {
    const server = app();
    const token = lwa.mint({ userID: USER, name: 'Pia' });
    const [id, me] = await Promise.all([
      request(server).get('/id').set(bearer(token)),
      request(server).get('/me').set(bearer(token)),
    ]);
    expect([id.status, me.status, (me.body as RouteBody).user?.name]).toEqual([200, 200, 'Pia']);
    expect(calls().profile).toBe(1);
  });

  test("at once, for a token without profile scopes: the profile's 403 does not refuse the ID route", async () => {
    const server = app();
    const token = lwa.mint({ scopes: [] });
    const [id, me] = await Promise.all([
      request(server).get('/id').set(bearer(token)),
      request(server).get('/me').set(bearer(token)),
    ]);
    expect([id.status, me.status]).toEqual([200, 403]);
  });

  test("a token of another app: refused from tokeninfo's answer alone", async () => {
    const token = lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID });
    const res = await request(app()).get('/id').set(bearer(token));
    expect(res.status).toBe(401);
    expect(calls()).toEqual({ tokeninfo: 1, profile: 0 });
  });

  test('a token without any profile scope passes an ID route: tokeninfo names every token’s customer', async () => {
    const server = app();
    const token = lwa.mint({ scopes: [] });
    expect((await request(server).get('/id').set(bearer(token))).status).toBe(200);
    expect((await request(server).get('/me').set(bearer(token))).status).toBe(403);
  });

  test('the `scope` option as the default: every route is profile-free', async () => {
    const server = app({ scope: 'profile:user_id' });
    await request(server).get('/me').set(bearer(lwa.mint())).expect(200);
    expect(calls()).toEqual({ tokeninfo: 1, profile: 0 });
  });

  test('Amazon down after the fresh time: a profile-free verdict stands in (stale) for the ID route only', async () => {
    const server = app();
    const token = lwa.mint({ userID: USER });
    await request(server).get('/id').set(bearer(token)).expect(200);
    advance(301_000); // past the default cache.ttl, within staleIfError
    lwa.emu.fault('both', { kind: 'status', status: 500 });
    const me = await request(server).get('/me').set(bearer(token));
    expect([me.status, me.body]).toEqual([502, { code: 'ERR_LWA_UPSTREAM_STATUS', name: 'LwaUpstreamError' }]);
    const id = await request(server).get('/id').set(bearer(token));
    expect(id.status).toBe(200);
    expect((id.body as RouteBody).authInfo).toMatchObject({ tokenInfo: { stale: true } });
  });
});

describe('through the verifier', () => {
  test('verify(token, { scope: "profile:user_id" }), then verify(token): 1 + 0 calls, then the profile', async () => {
    const verifier = verifierFor();
    const token = lwa.mint({ userID: USER, name: 'Pia' });
    const idOnly = await verifier.verify(token, { scope: 'profile:user_id' });
    expect(idOnly).toMatchObject({ ok: true, profile: { provider: 'amazon', id: USER } });
    expect(idOnly.ok && idOnly.profile.displayName).toBeUndefined();
    expect(calls()).toEqual({ tokeninfo: 1, profile: 0 });
    const full = await verifier.verify(token);
    expect(full).toMatchObject({ ok: true, profile: { id: USER, displayName: 'Pia' } });
    expect(calls()).toEqual({ tokeninfo: 2, profile: 1 });
  });

  test('in a shared store: marked profile-free, without a profile; another process upgrades it for a profile route', async () => {
    const entries = new Map<string, unknown>();
    const store: CacheStore = {
      get: async (key) => entries.get(key),
      set: async (key, value) => void entries.set(key, value),
      delete: async (key) => void entries.delete(key),
    };
    const token = lwa.mint({ userID: USER, name: 'Pia' });
    await expect(verifierFor({ cache: { store } }).verify(token, { scope: 'profile:user_id' })).resolves.toMatchObject({
      ok: true,
    });
    const verdicts = [...entries.values()].filter(
      (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && 'verdict' in v,
    );
    expect(verdicts).toEqual([
      {
        v: 1,
        until: expect.any(Number),
        staleUntil: expect.any(Number),
        verdict: 'verified',
        profileFree: true,
        tokenInfo: expect.objectContaining({ userID: USER }),
      },
    ]);

    const other = verifierFor({ cache: { store } });
    await expect(other.verify(token, { scope: 'profile:user_id' })).resolves.toMatchObject({ ok: true });
    expect(calls()).toEqual({ tokeninfo: 1, profile: 0 });
    await expect(other.verify(token)).resolves.toMatchObject({ ok: true, profile: { displayName: 'Pia' } });
    expect(calls()).toEqual({ tokeninfo: 2, profile: 1 });
  });
});
