/**
 * Sign-out across verifiers sharing a store: `revoke(token)` on one strategy is seen by the other,
 * at once if it never cached the token, within `localTtl` (a tenth of `cache.ttl`) if it had it in
 * its local layer, until the token's expiry and not past it. Two strategies share a Map-backed store,
 * then a real Redis through Keyv's adapter (`@keyv/redis`, the README recipe). The Redis part runs
 * when redis-server is on PATH; skipped when it is not, except in CI, where that fails.
 */
import { createKeyv } from '@keyv/redis';
import type { CacheStore, LwaVerifier } from '../../lib';
import { describeWith, useEmulator, useMovableClock } from '../support/fixture';
import { MapStore } from '../support/map-store';
import { REDIS_SERVER, startRedis, type RedisServer } from './redis-server';

const lwa = useEmulator();
const advance = useMovableClock();

/** `cache.ttl` 300 s (the default): `localTtl` is 30 s. */
const LOCAL_TTL_MS = 30_000;

/** Two strategies' verifiers sharing `store`, as two processes of a fleet. */
const pair = (store: CacheStore): [LwaVerifier, LwaVerifier] => [
  lwa.strategy({ cache: { store } }).verifier,
  lwa.strategy({ cache: { store } }).verifier,
];

function sharedStoreTests(storeFor: () => CacheStore, settled: () => Promise<void>): void {
  test('the other verifier, which never cached the token, refuses it at once without asking Amazon', async () => {
    const [a, b] = pair(storeFor());
    const token = lwa.mint();
    expect(await a.verify(token)).toMatchObject({ ok: true });
    await a.revoke(token);
    lwa.emu.resetCalls();
    expect(await b.verify(token)).toMatchObject({ ok: false, status: 401, reason: 'token_revoked' });
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('a verifier that had the token in its local layer refuses it within localTtl', async () => {
    const [a, b] = pair(storeFor());
    const token = lwa.mint();
    await a.verify(token);
    await settled();
    expect(await b.verify(token)).toMatchObject({ ok: true }); // now in b's local layer too
    await a.revoke(token);
    expect(await a.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    advance(LOCAL_TTL_MS + 1);
    lwa.emu.resetCalls();
    expect(await b.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(lwa.emu.calls.tokeninfo).toBe(0);
  });

  test('until the token’s expiry, not past it', async () => {
    const [a, b] = pair(storeFor());
    const token = lwa.mint({ expiresIn: 600 });
    await a.verify(token); // a learns the expiry: the revocation lasts until then
    await a.revoke(token);
    advance(599_000);
    expect(await b.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    advance(1_001);
    expect(await b.verify(token)).toMatchObject({ ok: false, reason: 'token_rejected' });
    expect(await a.verify(token)).toMatchObject({ ok: false, reason: 'token_rejected' });
  });

  test('a verdict written by a verification under way at the revocation does not undo it', async () => {
    const store = storeFor();
    const [a, b] = pair(store);
    const c = lwa.strategy({ cache: { store } }).verifier;
    const token = lwa.mint();
    const asked = lwa.emu.nextRequest((r) => r.endpoint === 'tokeninfo');
    const inFlight = b.verify(token);
    await asked; // b is asking Amazon
    await a.revoke(token);
    await inFlight; // b's answer was under way: it may still have been a success
    await settled();
    lwa.emu.resetCalls();
    // In the store the revocation beats the verified verdict b wrote.
    expect(await c.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(lwa.emu.calls.tokeninfo).toBe(0);
  });
}

describe('two strategies sharing a Map-backed store', () => {
  sharedStoreTests(
    () => new MapStore(false),
    async () => undefined,
  );
});

describeWith(REDIS_SERVER, 'two strategies sharing one Redis (Keyv + @keyv/redis)', () => {
  let redis: RedisServer;
  const writes = new Set<Promise<unknown>>();
  const stores: Array<ReturnType<typeof createKeyv>> = [];

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(stores.map((s) => s.disconnect()));
    await redis?.stop();
  });

  /** The recipe's store; its writes are tracked so a test can wait for them to land. */
  const storeFor = (): CacheStore => {
    const keyv = createKeyv(redis.url, { throwOnErrors: true });
    keyv.on('error', () => undefined);
    stores.push(keyv);
    return {
      get: (key) => keyv.get(key),
      delete: (key) => keyv.delete(key),
      set: (key, value, ttlMs) => {
        const write = keyv.set(key, value, ttlMs);
        writes.add(write);
        const done = (): void => void writes.delete(write);
        write.then(done, done);
        return write;
      },
    };
  };

  sharedStoreTests(storeFor, async () => {
    await Promise.allSettled([...writes]);
  });
});
