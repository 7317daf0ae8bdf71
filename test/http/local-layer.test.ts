/**
 * With a store, a small in-process layer stays in front of it (`cache.localTtl`): a store that is
 * down does not multiply calls to Amazon, and whatever a store returns is a miss at worst. Over
 * HTTP against the emulator; the clock (Date.now) is moved by the tests.
 */
import request from 'supertest';
import { Strategy, type CacheEntry, type CacheStore } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { acceptAll, CLIENT_ID, useEmulator, useMovableClock } from '../support/fixture';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

// The clock: real time plus an offset the tests move (the emulator and the strategy read Date.now).
const advance = useMovableClock();

const mint = (expiresIn?: number) => emu.mintToken({ clientID: CLIENT_ID, ...(expiresIn ? { expiresIn } : {}) });
const get = (app: Parameters<typeof request>[0], token: string) =>
  request(app).get('/api/me').set('Authorization', `Bearer ${token}`);

/** A store that is down: every call rejects, as a Redis client with `throwOnErrors` does. */
const downStore = (): CacheStore & { calls: number } => {
  const store = {
    calls: 0,
    get: () => (store.calls++, Promise.reject(new Error('ECONNREFUSED redis://user:secret@127.0.0.1:6379'))),
    set: () => (store.calls++, Promise.reject(new Error('ECONNREFUSED'))),
    delete: () => (store.calls++, Promise.reject(new Error('ECONNREFUSED'))),
  };
  return store;
};

/** A store that hands back `value` for every key. */
const storeReturning = (value: () => unknown): CacheStore => ({
  get: async () => value(),
  set: async () => true,
  delete: async () => true,
});

describe('a store outage does not amplify', () => {
  test('with the store down, 20 requests of one user cost one verification per localTtl', async () => {
    const store = downStore();
    const { app, strategy } = lwa.app({ cache: { store, localTtl: 30_000 } });
    const token = mint();
    for (let i = 0; i < 20; i++) await get(app, token).expect(200);
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
    advance(29_000);
    await get(app, token).expect(200);
    expect(emu.calls.tokeninfo).toBe(1);
    advance(1_001);
    for (let i = 0; i < 20; i++) await get(app, token).expect(200);
    expect(emu.calls.tokeninfo).toBe(2);
    await strategy.close();
  });

  test('the local layer never outlasts the token, nor the store entry’s own freshness', async () => {
    const { app, strategy } = lwa.app({ cache: { store: downStore(), localTtl: 30_000, ttl: 10_000 } });
    const short = mint(20);
    await get(app, short).expect(200);
    advance(10_001); // past ttl (10 s), within localTtl (30 s): Amazon is asked again
    await get(app, short).expect(200);
    expect(emu.calls.tokeninfo).toBe(2);
    advance(10_000); // past the token's life (20 s)
    await get(app, short).expect(401);
    await strategy.close();
  });

  test('the local layer is bounded by `max`', async () => {
    const { app, strategy } = lwa.app({ cache: { store: downStore(), max: 2 } });
    const [a, b, c] = [mint(), mint(), mint()];
    for (const t of [a, b, c]) await get(app, t).expect(200);
    emu.resetCalls();
    await get(app, a).expect(200); // pushed out by c
    expect(emu.calls.tokeninfo).toBe(1);
    await strategy.close();
  });

  test('the store is used again once it is back (after the 5 s it is left alone)', async () => {
    let down = true;
    const writes: string[] = [];
    const store: CacheStore = {
      get: async () => {
        if (down) throw new Error('down');
        return undefined;
      },
      set: async (key: string, _value: CacheEntry) => {
        if (down) throw new Error('down');
        writes.push(key);
        return true;
      },
      delete: async () => true,
    };
    const { app, strategy } = lwa.app({ cache: { store } });
    await get(app, mint()).expect(200);
    expect(writes).toHaveLength(0);
    down = false;
    advance(5_001);
    await get(app, mint()).expect(200);
    expect(writes).toHaveLength(1);
    await strategy.close();
  });

  test('localTtl: 0 turns the local layer off: every request reads the store', async () => {
    const store = downStore();
    const { app, strategy } = lwa.app({ cache: { store, localTtl: 0 } });
    const token = mint();
    await get(app, token).expect(200);
    advance(5_001);
    await get(app, token).expect(200);
    expect(emu.calls.tokeninfo).toBe(2);
    await strategy.close();
  });
});

describe('whatever a store returns is a miss at worst, never an error', () => {
  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error('store value exploded: redis://user:secret@host');
      },
      has() {
        throw new Error('store value exploded');
      },
      ownKeys() {
        throw new Error('store value exploded');
      },
    },
  );
  const getterThrows = () => ({
    v: 1,
    get until(): number {
      throw new Error('getter exploded');
    },
  });
  const deepProfile = () => ({
    v: 1,
    until: Date.now() + 60_000,
    verdict: 'verified',
    tokenInfo: { aud: CLIENT_ID, userID: 'amzn1.account.X', expiresAt: Date.now() + 60_000 },
    profileRaw: `{"user_id":"amzn1.account.X","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
  });
  const thenable = () => ({
    then() {
      throw new Error('then exploded');
    },
  });

  test.each<[string, () => unknown]>([
    ['a Proxy whose every read throws', () => throwing],
    ['an entry whose getter throws', getterThrows],
    ['a profile nested 20,000 arrays deep', deepProfile],
    ['a thenable that throws', thenable],
    ['a number', () => 42],
    ['a function', () => () => undefined],
    ['an array', () => [1, 2, 3]],
    ['a huge string', () => 'x'.repeat(1 << 20)],
  ])('%s: 200 through Amazon', async (_name, value) => {
    const { app, strategy } = lwa.app({ cache: { store: storeReturning(value) } });
    const res = await get(app, mint()).expect(200);
    expect(JSON.stringify(res.body)).not.toMatch(/exploded|secret/);
    expect(emu.calls.tokeninfo).toBe(1);
    await strategy.close();
  });

  test('options: localTtl and max are accepted with a store; localTtl must be a whole number of ms', () => {
    const store = storeReturning(() => undefined);
    expect(
      () => new Strategy({ clientID: CLIENT_ID, cache: { store, max: 5, localTtl: 1_000 } }, acceptAll),
    ).not.toThrow();
    for (const localTtl of [-1, 1.5, '30s']) {
      expect(() => new Strategy({ clientID: CLIENT_ID, cache: { store, localTtl } } as never, acceptAll)).toThrow(
        /`cache.localTtl`/,
      );
    }
    for (const staleIfError of [-1, 0.5, '15m']) {
      expect(() => new Strategy({ clientID: CLIENT_ID, cache: { staleIfError } } as never, acceptAll)).toThrow(
        /`cache.staleIfError`/,
      );
    }
  });
});
