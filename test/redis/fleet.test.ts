/**
 * A fleet: app processes sharing one real Redis through Keyv's Redis adapter (`createKeyv` from
 * `@keyv/redis`, the README recipe): `cache.store` across processes (docs/design.md, Cache and
 * single flight); then four processes receiving one new token at once, which ask Amazon once with
 * the `setIfAbsent` adapter and at most twice with Keyv (docs/caching-and-scale.md, "One
 * verification per token"; `npm run fleet` measures it). Runs when redis-server is on PATH; skipped
 * when it is not, except in CI, where that fails.
 */
import { createClient } from '@keyv/redis';
import type { ChannelMessages } from '../../lib';
import { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, describeWith, expectNoSliceOf, type MeBody } from '../support/fixture';
import { AppProcess } from './app-process';
import { REDIS_SERVER, startRedis, type RedisServer } from './redis-server';

/** After a store failure, a process leaves the store alone this long (lib/defaults.ts), with a margin. */
const STORE_LEFT_ALONE_MS = 5_500;

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
    // `timeout` 1000: a slow Amazon (600 ms) answers in more than the lease (500 ms), within `timeout`.
    fleet = await Promise.all([0, 1, 2, 3].map(() => AppProcess.start({ ...env, ALSO_NX: '1', TIMEOUT: '1000' })));
    // Warm: a process's first requests (code not yet optimized, connections not yet open) can
    // overrun a store call's limit, and would leave the store alone 5 s.
    for (const p of fleet) for (const url of [p.url, p.nxUrl]) await p.me(emu.mintToken({ clientID: CLIENT_ID }), url);
    noteStoreErrors((await Promise.all(fleet.map((p) => p.takeEvents()))).flat());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(fleet.map((p) => p.stop()));
    await Promise.all([emu?.close(), redis?.stop()]);
  });

  /** Until when a process may be leaving the store alone after a store-error. */
  let aloneUntil = 0;
  const noteStoreErrors = (events: ChannelMessages['cache'][]): void => {
    if (events.some((e) => e.type === 'store-error')) aloneUntil = performance.now() + STORE_LEFT_ALONE_MS;
  };

  /** New tokens sent to all four at once: every answer 200, and at most `most` tokeninfo + profile each. */
  async function oneTokenAtOnce(store: 'keyv' | 'redis-nx', most: number): Promise<void> {
    const urlOf = (p: AppProcess) => (store === 'keyv' ? p.url : p.nxUrl);
    let counted = 0;
    // A store call that overran its limit (a loaded machine) makes that process leave the store
    // alone for 5 s and verify alone, as designed: tokens sent meanwhile say nothing of the lease,
    // so they are not counted; the next ones are.
    for (let round = 0; round < 40 && counted < 3; round += 1) {
      const token = emu.mintToken({ clientID: CLIENT_ID });
      emu.resetCalls();
      const answers = await Promise.all(fleet.map((p) => p.me(token, urlOf(p))));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      const events = (await Promise.all(fleet.map((p) => p.takeEvents()))).flat();
      await Promise.all(fleet.map((p) => p.settled()));
      noteStoreErrors(events);
      if (performance.now() < aloneUntil) continue;
      counted += 1;
      expect(emu.calls.tokeninfo).toBeGreaterThanOrEqual(1);
      expect(emu.calls.tokeninfo).toBeLessThanOrEqual(most);
      expect(emu.calls.profile).toBeLessThanOrEqual(most);
      expect(events.filter((e) => e.type === 'shared').length).toBeGreaterThanOrEqual(4 - most);
    }
    expect(counted).toBeGreaterThan(0);
  }

  test.each([
    ['keyv', 2],
    ['redis-nx', 1],
  ] as const)('%s: a new token sent to all four at once costs at most %d tokeninfo + profile', async (store, most) => {
    await oneTokenAtOnce(store, most);
  });

  // Amazon answering in more than the lease (half of `timeout`) but within `timeout`: the waiters
  // wait for the leader's verdict (its lease renewed) instead of asking Amazon with too little left.
  test.each([
    ['keyv', 2],
    ['redis-nx', 1],
  ] as const)(
    '%s: Amazon at 600 ms of a 1000 ms timeout: all four answer 200, at most %d + as many calls',
    async (store, most) => {
      emu.setLatency(600);
      try {
        await oneTokenAtOnce(store, most);
      } finally {
        emu.setLatency(25);
      }
    },
  );
});
