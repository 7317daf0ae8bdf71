/**
 * With a store, a small in-process layer stays in front of it, keeping a verdict a tenth of
 * `cache.ttl` (30 s by default): a store that is down does not multiply calls to Amazon, and
 * whatever a store returns is a miss at worst. Over HTTP against the emulator; the clock (Date.now)
 * is moved by the tests.
 */
import request from 'supertest';
import { Strategy, type CacheStore } from '../../lib';
import type { CacheEntry } from '../../lib/cache/entry';
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
  test('with the store down, 20 requests of one user cost one verification per tenth of ttl (30 s by default)', async () => {
    const store = downStore();
    const { app, strategy } = lwa.app({ cache: { store } });
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

  test('the local layer never outlasts the token', async () => {
    // The default ttl (5 minutes): the local layer keeps a verdict 30 s, longer than this token lives.
    const { app, strategy } = lwa.app({ cache: { store: downStore() } });
    const short = mint(20);
    await get(app, short).expect(200);
    advance(10_000); // within the token's life: the local layer answers
    await get(app, short).expect(200);
    expect(emu.calls.tokeninfo).toBe(1);
    advance(10_001); // past the token's life (20 s), within the local layer's 30 s: Amazon is asked
    await get(app, short).expect(401);
    expect(emu.calls.tokeninfo).toBe(2);
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
        // Verdicts only: a verification also takes a lease (`<key>:lease`) while it asks Amazon.
        if (!key.endsWith(':lease')) writes.push(key);
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

  test('past a tenth of ttl, a request reads the store again; with the store down, Amazon', async () => {
    // ttl 60 s: the local layer keeps a verdict 6 s, the store 60 s.
    const entries = new Map<string, unknown>();
    let reads = 0;
    const store: CacheStore = {
      get: async (key: string) => {
        reads += 1;
        return entries.get(key);
      },
      set: async (key: string, value: CacheEntry) => void entries.set(key, value),
      delete: async (key: string) => entries.delete(key),
    };
    const shared = lwa.app({ cache: { store, ttl: 60_000 } });
    const token = mint();
    await get(shared.app, token).expect(200);
    const afterFirst = reads;
    advance(5_000); // within 6 s: the local layer answers, the store is not read
    await get(shared.app, token).expect(200);
    expect(reads).toBe(afterFirst);
    advance(1_001); // past 6 s: the store is read, and its entry (fresh for 60 s) answers
    await get(shared.app, token).expect(200);
    expect(reads).toBeGreaterThan(afterFirst);
    expect(emu.calls.tokeninfo).toBe(1);
    await shared.strategy.close();

    emu.resetCalls();
    const down = lwa.app({ cache: { store: downStore(), ttl: 60_000 } });
    await get(down.app, token).expect(200);
    advance(5_000);
    await get(down.app, token).expect(200);
    expect(emu.calls.tokeninfo).toBe(1);
    advance(1_001); // past 6 s, and no store to read: Amazon again
    await get(down.app, token).expect(200);
    expect(emu.calls.tokeninfo).toBe(2);
    await down.strategy.close();
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

  test('options: max is accepted with a store; localTtl was removed (a tenth of ttl now)', () => {
    const store = storeReturning(() => undefined);
    expect(() => new Strategy({ clientID: CLIENT_ID, cache: { store, max: 5, ttl: 10_000 } }, acceptAll)).not.toThrow();
    for (const localTtl of [0, 1_000, '30s']) {
      expect(() => new Strategy({ clientID: CLIENT_ID, cache: { store, localTtl } } as never, acceptAll)).toThrow(
        /`cache.localTtl` was removed/,
      );
    }
    for (const staleIfError of [-1, 0.5, '15m']) {
      expect(() => new Strategy({ clientID: CLIENT_ID, cache: { staleIfError } } as never, acceptAll)).toThrow(
        /`cache.staleIfError`/,
      );
    }
  });
});
