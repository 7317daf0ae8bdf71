/**
 * A fleet: app processes sharing one real Redis through Keyv's Redis adapter (`createKeyv` from
 * `@keyv/redis`, the README recipe): `cache.store` across processes (docs/design.md, Cache and
 * single flight); then four processes receiving one new token at once, which ask Amazon once with
 * the `setIfAbsent` adapter and at most twice with Keyv (docs/caching-and-scale.md, "One
 * verification per token"; `npm run fleet` measures it). Runs when redis-server is on PATH; skipped
 * when it is not, except in CI, where that fails.
 */
import { createClient } from '@keyv/redis';
import { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, describeWith, expectNoSliceOf, type MeBody } from '../support/fixture';
import { AppProcess } from './app-process';
import { REDIS_SERVER, startRedis, type RedisServer } from './redis-server';

describeWith(REDIS_SERVER, 'a fleet sharing one Redis (Keyv + @keyv/redis)', () => {
  let redis: RedisServer;
  let emu: LwaEmulator;
  let first: AppProcess;
  let second: AppProcess;

  beforeAll(async () => {
    [redis, emu] = await Promise.all([startRedis(), LwaEmulator.start()]);
    const env = { REDIS_URL: redis.url, TOKENINFO_URL: emu.tokenInfoURL, PROFILE_URL: emu.profileURL };
    [first, second] = await Promise.all([AppProcess.start(env), AppProcess.start(env)]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await Promise.all([emu?.close(), redis?.stop()]);
  });

  beforeEach(() => emu.resetCalls());

  test('the second process makes no call to Amazon for a token the first verified', async () => {
    const token = emu.mintToken({
      clientID: CLIENT_ID,
      name: 'Ann',
      email: 'ann@example.com',
      scopes: ['profile', 'postal_code'],
    });
    const one = await first.me(token).expect(200);
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
    await first.settled();

    emu.resetCalls();
    const two = await second.me(token).expect(200);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
    expect((two.body as MeBody).user).toEqual((one.body as MeBody).user);
    expect((two.body as MeBody).authInfo.tokenInfo).toMatchObject({
      clientID: CLIENT_ID,
      userID: (one.body as MeBody).user.id,
    });
    expect(await second.events()).toContainEqual({ type: 'hit', verdict: 'verified' });
  });

  test('a refusal is shared too: the second process answers 401 without asking Amazon', async () => {
    const token = emu.mintToken({ clientID: 'amzn1.application-oa2-client.someone-else' });
    await first.me(token).expect(401);
    await first.settled();
    emu.resetCalls();
    const res = await second.me(token).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('Redis holds hashed keys and JSON values, never the token', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID });
    await first.me(token).expect(200);
    await first.settled();
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys = await client.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        // A verdict, or a lease whose release has not landed yet.
        expect(key).toMatch(/^lwa:v1:[\w-]{12}:[\w-]{43}(:lease)?$/);
        const value = (await client.get(key)) ?? '';
        expect(() => JSON.parse(value) as unknown).not.toThrow();
        expectNoSliceOf(token, [key, value]);
      }
    } finally {
      await client.quit();
    }
  });

  // Last: it stops Redis.
  test('with Redis gone, requests still succeed (through Amazon) and a store-error is published', async () => {
    await redis.stop();
    const token = emu.mintToken({ clientID: CLIENT_ID });
    await second.me(token).expect(200);
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
    expect(await second.events()).toContainEqual(expect.objectContaining({ type: 'store-error', operation: 'get' }));
  });
});

describeWith(REDIS_SERVER, 'one verification per token across four processes sharing one Redis', () => {
  let redis: RedisServer;
  let emu: LwaEmulator;
  let fleet: AppProcess[] = [];

  beforeAll(async () => {
    [redis, emu] = await Promise.all([startRedis(), LwaEmulator.start({ latencyMs: 25 })]);
    const env = { REDIS_URL: redis.url, TOKENINFO_URL: emu.tokenInfoURL, PROFILE_URL: emu.profileURL };
    // Each process serves the app twice: over Keyv, and over the setIfAbsent adapter (nxUrl).
    fleet = await Promise.all([0, 1, 2, 3].map(() => AppProcess.start({ ...env, ALSO_NX: '1' })));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(fleet.map((p) => p.stop()));
    await Promise.all([emu?.close(), redis?.stop()]);
  });

  test.each([
    ['keyv', 2],
    ['redis-nx', 1],
  ] as const)('%s: a new token sent to all four at once costs at most %d tokeninfo + profile', async (store, most) => {
    const urlOf = (p: AppProcess) => (store === 'keyv' ? p.url : p.nxUrl);
    let counted = 0;
    // A store call that overran its limit (a loaded machine) makes that process verify alone, as
    // designed: such a token says nothing of the lease, so it is not counted; the next one is.
    for (let round = 0; round < 10 && counted < 3; round += 1) {
      const token = emu.mintToken({ clientID: CLIENT_ID });
      emu.resetCalls();
      const answers = await Promise.all(fleet.map((p) => p.me(token, urlOf(p))));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      const events = (await Promise.all(fleet.map((p) => p.takeEvents()))).flat();
      await Promise.all(fleet.map((p) => p.settled()));
      if (events.some((e) => e.type === 'store-error')) continue;
      counted += 1;
      expect(emu.calls.tokeninfo).toBeGreaterThanOrEqual(1);
      expect(emu.calls.tokeninfo).toBeLessThanOrEqual(most);
      expect(emu.calls.profile).toBeLessThanOrEqual(most);
      expect(events.filter((e) => e.type === 'shared').length).toBeGreaterThanOrEqual(4 - most);
    }
    expect(counted).toBeGreaterThan(0);
  });
});
