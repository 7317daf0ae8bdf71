/**
 * Stale if error (`cache.staleIfError`), over HTTP against the emulator: a verified verdict past its
 * `ttl` stands in for Amazon while Amazon is down, marked stale; never a refusal, never past the
 * token's own expiry or the stale window. With the in-memory cache and with a store. The cache and
 * the emulator read the wall clock, which the tests move (Date.now).
 */
import request from 'supertest';
import { CHANNELS, type CacheStore, type ChannelMessages } from '../../lib';
import type { CacheEntry } from '../../lib/cache/entry';
import type { Fault, LwaEmulator, MintOptions } from '../../lib/testing';
import { CLIENT_ID, type MeBody, useEmulator, useMovableClock, recordEvents } from '../support/fixture';
import { holdAtTokenInfo, listen, MAX_RUNNING } from '../support/hold-pending';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

// The clock: real time plus an offset the tests move (the emulator and the strategy read Date.now).
const advance = useMovableClock();

const events = recordEvents<ChannelMessages['cache']>(CHANNELS.cache);

const mint = (extra: Partial<MintOptions> = {}) => emu.mintToken({ clientID: CLIENT_ID, ...extra });
const get = (app: Parameters<typeof request>[0], token: string) =>
  request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
const tokenInfo = (res: request.Response) => (res.body as MeBody).authInfo.tokenInfo;

/** A Keyv-shaped store over a Map, values through JSON as a networked store would. */
class MapStore implements CacheStore {
  readonly map = new Map<string, { value: string; expires: number }>();
  readonly ttls: number[] = [];
  async get(key: string): Promise<unknown> {
    const entry = this.map.get(key);
    return entry && entry.expires > Date.now() ? (JSON.parse(entry.value) as unknown) : undefined;
  }
  async set(key: string, value: CacheEntry, ttlMs: number): Promise<boolean> {
    // A verification also takes a lease (`<key>:lease`) while it asks Amazon: only verdicts here.
    if (!key.endsWith(':lease')) this.ttls.push(ttlMs);
    this.map.set(key, { value: JSON.stringify(value), expires: Date.now() + ttlMs });
    return true;
  }
  async delete(key: string): Promise<boolean> {
    return this.map.delete(key);
  }
}

const TTL = 60_000;
const outages: Array<[string, Fault, number]> = [
  ['a 5xx', { kind: 'status', status: 503 }, 502],
  ['a 429', { kind: 'rate-limit' }, 503],
  ['a timeout', { kind: 'hang' }, 504],
  ['connection resets', { kind: 'reset' }, 502],
  ['an unusable answer', { kind: 'malformed-json' }, 502],
];

describe('the in-memory cache', () => {
  test.each(outages)('%s after ttl: the kept verdict answers, stale, with a stale event', async (_n, fault, status) => {
    const { app, strategy } = lwa.app({ cache: { ttl: TTL }, timeout: 300, circuitBreaker: false });
    const token = mint({ name: 'Ann' });
    const fresh = await get(app, token).expect(200);
    expect(tokenInfo(fresh)).not.toHaveProperty('stale');
    advance(TTL + 1);
    emu.fault('both', fault);
    const before = emu.calls.tokeninfo;
    const res = await get(app, token).expect(200);
    expect(tokenInfo(res).stale).toBe(true);
    expect((res.body as MeBody).user).toEqual((fresh.body as MeBody).user);
    expect(emu.calls.tokeninfo).toBeGreaterThan(before); // Amazon was asked first
    expect(events.map((e) => e.type)).toEqual(['miss', 'miss', 'stale']);
    // A token never seen gets the outage's own error.
    expect((await get(app, mint())).status).toBe(status);
    // Amazon back: fresh again, no longer stale.
    emu.clearFaults();
    expect(tokenInfo(await get(app, token).expect(200))).not.toHaveProperty('stale');
    await strategy.close();
  });

  test('with the circuit open: served stale at once, without a call to Amazon', async () => {
    const { app, strategy } = lwa.app({
      cache: { ttl: TTL },
      circuitBreaker: { threshold: 1, cooldown: 600_000 },
    });
    const token = mint();
    await get(app, token).expect(200);
    advance(TTL + 1);
    emu.fault('both', { kind: 'status', status: 500 });
    await get(app, mint()).expect(502); // one verification (its one retry included) in an outage: opens the circuit
    const before = { ...emu.calls };
    const res = await get(app, token).expect(200);
    expect(tokenInfo(res).stale).toBe(true);
    expect(emu.calls).toEqual(before);
    await strategy.close();
  });

  test('refused for load (Amazon hangs, its turn would come too late): served stale too', async () => {
    // The held verifications end at `timeout`: long enough for all of them to be sent and held first.
    const { app, strategy } = lwa.app({ cache: { ttl: TTL }, timeout: 3000, circuitBreaker: false });
    const server = await listen(app);
    const token = mint();
    await get(server.url, token).expect(200);
    advance(TTL + 1);
    const held = await holdAtTokenInfo(
      emu,
      server.url,
      Array.from({ length: MAX_RUNNING }, () => mint()),
    );
    const before = { ...emu.calls };
    const res = await get(server.url, token).expect(200);
    expect(tokenInfo(res).stale).toBe(true);
    expect(emu.calls).toEqual(before); // it waited, then was refused: Amazon was not asked
    for (const r of await Promise.all(held)) expect(r.status).toBe(504);
    await server.close();
    await strategy.close();
  });

  test('never past staleIfError: then the outage’s error', async () => {
    const { app, strategy } = lwa.app({ cache: { ttl: TTL, staleIfError: 120_000 }, circuitBreaker: false });
    const token = mint();
    await get(app, token).expect(200);
    emu.fault('both', { kind: 'status', status: 503 });
    advance(TTL + 119_000);
    expect(tokenInfo(await get(app, token).expect(200)).stale).toBe(true);
    advance(2_000);
    expect((await get(app, token)).status).toBe(502);
    await strategy.close();
  });

  test('never past the token’s own expiry', async () => {
    const { app, strategy } = lwa.app({ cache: { ttl: TTL }, circuitBreaker: false });
    const token = mint({ expiresIn: 90 });
    await get(app, token).expect(200);
    emu.fault('both', { kind: 'status', status: 503 });
    advance(80_000);
    const info = tokenInfo(await get(app, token).expect(200));
    expect(info.stale).toBe(true);
    expect(info.expiresIn).toBeGreaterThan(0);
    expect(info.expiresIn).toBeLessThanOrEqual(10);
    advance(11_000);
    expect((await get(app, token)).status).toBe(502);
    await strategy.close();
  });

  test('staleIfError: 0 turns it off', async () => {
    const { app, strategy } = lwa.app({ cache: { ttl: TTL, staleIfError: 0 }, circuitBreaker: false });
    const token = mint();
    await get(app, token).expect(200);
    advance(TTL + 1);
    emu.fault('both', { kind: 'status', status: 503 });
    expect((await get(app, token)).status).toBe(502);
    expect(events.map((e) => e.type)).not.toContain('stale');
    await strategy.close();
  });

  test('a refusal is never served stale', async () => {
    const { app, strategy } = lwa.app({ cache: { ttl: TTL }, circuitBreaker: false });
    const token = emu.mintToken({ clientID: 'amzn1.application-oa2-client.other' });
    await get(app, token).expect(401);
    advance(10_001); // past the refusal's 10 s (min(10 s, ttl))
    emu.fault('both', { kind: 'status', status: 503 });
    expect((await get(app, token)).status).toBe(502);
    await strategy.close();
  });

  test('a token Amazon refused after its verdict lapsed (revoked) is not served stale later', async () => {
    const { app, strategy } = lwa.app({ cache: { ttl: TTL }, circuitBreaker: false });
    const token = mint();
    await get(app, token).expect(200);
    emu.revoke(token);
    advance(TTL + 1);
    await get(app, token).expect(401);
    // Past the refusal's 10 s: Amazon is asked again, and the verified verdict (still within
    // staleIfError) must not stand in for it.
    advance(10_001);
    emu.fault('both', { kind: 'status', status: 503 });
    expect((await get(app, token)).status).toBe(502);
    await strategy.close();
  });

  test('with the cache off, nothing is stale: the outage’s error', async () => {
    const { app, strategy } = lwa.app({ cache: false, circuitBreaker: false });
    const token = mint();
    await get(app, token).expect(200);
    emu.fault('both', { kind: 'status', status: 503 });
    expect((await get(app, token)).status).toBe(502);
    await strategy.close();
  });
});

describe('with a store', () => {
  test('the store keeps a verified entry through the stale window; another process serves it stale', async () => {
    const store = new MapStore();
    const one = lwa.app({ cache: { store, ttl: TTL }, circuitBreaker: false });
    const token = mint({ expiresIn: 3600 });
    await get(one.app, token).expect(200);
    // Asked to keep it ttl + staleIfError (15 minutes by default), within the token's hour.
    expect(store.ttls).toEqual([TTL + 900_000]);

    const two = lwa.app({ cache: { store, ttl: TTL }, circuitBreaker: false });
    advance(TTL + 1);
    emu.fault('both', { kind: 'status', status: 503 });
    const res = await get(two.app, token).expect(200);
    expect(tokenInfo(res).stale).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['miss', 'miss', 'stale']);
    await Promise.all([one.strategy.close(), two.strategy.close()]);
  });

  test('with the store down as well, the local layer’s kept verdict answers', async () => {
    let down = false;
    const store = new MapStore();
    const flaky: CacheStore = {
      get: (key) => (down ? Promise.reject(new Error('down')) : store.get(key)),
      set: (key, value, ttl) => (down ? Promise.reject(new Error('down')) : store.set(key, value, ttl)),
      delete: (key) => store.delete(key),
    };
    const { app, strategy } = lwa.app({ cache: { store: flaky, ttl: TTL }, circuitBreaker: false });
    const token = mint();
    await get(app, token).expect(200);
    down = true;
    advance(TTL + 1);
    emu.fault('both', { kind: 'status', status: 503 });
    expect(tokenInfo(await get(app, token).expect(200)).stale).toBe(true);
    await strategy.close();
  });
});
