/**
 * One verification per token across verifiers sharing a store (docs/caching-and-scale.md, "One
 * verification per token"): the first takes a lease in the store and asks Amazon, the others wait
 * for its verdict there. Several verifiers in this process stand for the processes of a fleet (each
 * has its own single flight and local layer), over a Map-backed store, with and without
 * `setIfAbsent`, against the emulator. The same with real processes and Redis:
 * test/redis/fleet.test.ts.
 */
import { LwaUpstreamError, type CacheStore, type LwaVerifier } from '../../lib';
import { expectNoSliceOf, OTHER_CLIENT_ID, useEmulator } from '../support/fixture';
import { MapStore } from '../support/map-store';

const lwa = useEmulator();

/** `n` verifiers sharing `store`, as `n` processes of a fleet would. */
const fleet = (n: number, store: CacheStore, timeout = 2000): LwaVerifier[] =>
  Array.from({ length: n }, () => lwa.strategy({ cache: { store }, timeout }).verifier);

/** Resolves once the store's pending writes (verdicts, then the lease's release) have landed. */
const settle = async (store: MapStore): Promise<void> => {
  for (let i = 0; i < 100 && store.leases.length > 0; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe.each([
  ['get/set/delete only', false, 2],
  ['setIfAbsent', true, 1],
])('a store with %s', (_name, nx, most) => {
  test(`8 verifiers receiving one new token at once ask Amazon ${most === 1 ? 'once' : 'at most twice'}`, async () => {
    const store = new MapStore(nx);
    const verifiers = fleet(8, store);
    for (let round = 0; round < 5; round += 1) {
      const token = lwa.mint();
      lwa.emu.resetCalls();
      const results = await Promise.all(verifiers.map((v) => v.verify(token)));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(lwa.emu.calls.tokeninfo).toBeGreaterThanOrEqual(1);
      expect(lwa.emu.calls.tokeninfo).toBeLessThanOrEqual(most);
      expect(lwa.emu.calls.profile).toBeLessThanOrEqual(most);
      await settle(store);
    }
  });

  test('a refusal is shared: the waiters get the leader’s, and Amazon is asked once', async () => {
    const store = new MapStore(nx);
    const token = lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID });
    const results = await Promise.all(fleet(4, store).map((v) => v.verify(token)));
    expect(results.map((r) => !r.ok && r.reason)).toEqual(Array(4).fill('audience_mismatch'));
    expect(lwa.emu.calls.tokeninfo).toBeLessThanOrEqual(most);
  });

  test('an outage is not cached: the leader’s error is its own, the waiters then ask Amazon themselves', async () => {
    const store = new MapStore(nx);
    const [leader, waiter] = fleet(2, store);
    const token = lwa.mint();
    // The leader's call and its one retry fail; whoever asks after that is answered.
    lwa.emu.fault('tokeninfo', { kind: 'status', status: 503 }, { times: 2 });
    const asked = lwa.emu.nextRequest((r) => r.endpoint === 'tokeninfo');
    const first = leader.verify(token);
    await asked; // the leader holds the lease and is asking Amazon
    const second = waiter.verify(token);
    await expect(first).rejects.toBeInstanceOf(LwaUpstreamError);
    expect(await second).toMatchObject({ ok: true });
    expect(lwa.emu.calls.tokeninfo).toBe(3);
  });

  test('Amazon slow but within `timeout` (600 ms of 1000): the waiters get the leader’s verdict, none a 504', async () => {
    const store = new MapStore(nx);
    const token = lwa.mint();
    lwa.emu.setLatency(600);
    try {
      // Each waiter waits while the leader's lease holds, past the lease's first end (500 ms).
      const results = await Promise.allSettled(fleet(3, store, 1000).map((v) => v.verify(token)));
      expect(
        results.map((r) => (r.status === 'fulfilled' ? r.value.ok : (r.reason as { code?: string }).code)),
      ).toEqual([true, true, true]);
      expect(lwa.emu.calls.tokeninfo).toBeLessThanOrEqual(most);
    } finally {
      lwa.emu.setLatency(0);
    }
  });

  test('a leader that died holds the others back by at most its lease: they ask Amazon, and succeed', async () => {
    const store = new MapStore(nx);
    const [verifier] = fleet(1, store, 400); // lease: 200 ms
    const token = lwa.mint();
    // The lease another process took on this token before it died: nobody renews or deletes it.
    const probe = fleet(1, store, 400)[0];
    const asked = lwa.emu.nextRequest((r) => r.endpoint === 'tokeninfo');
    lwa.emu.fault('both', { kind: 'hang' }, { times: 2 });
    void probe.verify(token).catch(() => undefined);
    await asked;
    const [leaseKey] = store.leases;
    const { lease } = JSON.parse(store.entries.get(leaseKey)!.json) as { lease: string };
    await probe.close(); // its verification ends, and its lease is deleted...
    await settle(store);
    // ... but a process that died leaves it in the store, whole.
    await store.set(leaseKey, { v: 1, until: Date.now() + 200, lease }, 200);
    lwa.emu.clearFaults();
    lwa.emu.resetCalls();
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(lwa.emu.calls.tokeninfo).toBe(1);
  });

  test('the store down: each verifier asks Amazon on its own, without waiting or failing', async () => {
    const down: CacheStore = {
      get: () => Promise.reject(new Error('ECONNREFUSED')),
      set: () => Promise.reject(new Error('ECONNREFUSED')),
      delete: () => Promise.reject(new Error('ECONNREFUSED')),
      ...(nx ? { setIfAbsent: () => Promise.reject(new Error('ECONNREFUSED')) } : {}),
    };
    const token = lwa.mint();
    const results = await Promise.all(fleet(4, down).map((v) => v.verify(token)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(lwa.emu.calls.tokeninfo).toBe(4);
  });

  test('the lease holds no token, and is gone once the verdict is written', async () => {
    const store = new MapStore(nx);
    const token = lwa.mint();
    const seen: string[] = [];
    const set = store.set.bind(store);
    store.set = async (key, value, ttlMs) => {
      seen.push(key, JSON.stringify(value));
      return set(key, value, ttlMs);
    };
    if (store.setIfAbsent) {
      const nxSet = store.setIfAbsent;
      store.setIfAbsent = async (key, value, ttlMs) => {
        seen.push(key, JSON.stringify(value));
        return nxSet(key, value, ttlMs);
      };
    }
    await Promise.all(fleet(2, store).map((v) => v.verify(token)));
    await settle(store);
    expect(seen.some((s) => /^lwa:v1:[\w-]{12}:[\w-]{43}:lease$/.test(s))).toBe(true);
    expectNoSliceOf(token, seen);
    expect(store.leases).toEqual([]);
  });

  test('a revocation beats a lease and a verdict: refused at once', async () => {
    const store = new MapStore(nx);
    const [a, b] = fleet(2, store);
    const token = lwa.mint();
    await a.verify(token);
    await settle(store);
    await a.revoke(token);
    lwa.emu.resetCalls();
    expect(await b.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(lwa.emu.calls.tokeninfo).toBe(0);
  });
});
