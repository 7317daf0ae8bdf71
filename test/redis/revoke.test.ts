/**
 * Sign-out across verifiers sharing a store: `revoke(token)` on one strategy is seen by the other,
 * at once if it never cached the token, within `localTtl` (a tenth of `cache.ttl`) if it had it in
 * its local layer, until the token's expiry and not past it. Two strategies share a Map-backed store,
 * then a real Redis through Keyv's adapter (`@keyv/redis`, the README recipe). The Redis part runs
 * when redis-server is on PATH; skipped when it is not, except in CI, where that fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, createKeyv } from '@keyv/redis';
import type { CacheStore, LwaVerifier } from '../../lib';
import { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, describeWith, expectRefused, useEmulator, useMovableClock } from '../support/fixture';
import { MapStore } from '../support/map-store';
import { AppProcess } from './app-process';
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

/** Two app processes over `store` (fleet-app.ts), a Redis and an emulator of their own. */
function twoProcesses(store: 'redis-nx' | 'keyv') {
  const fleet = {} as { redis: RedisServer; emu: LwaEmulator; a: AppProcess; b: AppProcess };
  beforeAll(async () => {
    [fleet.redis, fleet.emu] = await Promise.all([startRedis(), LwaEmulator.start()]);
    const { redis, emu } = fleet;
    const env = { REDIS_URL: redis.url, TOKENINFO_URL: emu.tokenInfoURL, PROFILE_URL: emu.profileURL, STORE: store };
    [fleet.a, fleet.b] = await Promise.all([AppProcess.start(env), AppProcess.start(env)]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([fleet.a?.stop(), fleet.b?.stop()]);
    await Promise.all([fleet.emu?.close(), fleet.redis?.stop()]);
  });
  beforeEach(() => {
    fleet.emu.clearFaults();
    fleet.emu.resetCalls();
  });
  /** A token both processes accepted: in the store, and in each local layer. */
  const servedByBoth = async (): Promise<string> => {
    const token = fleet.emu.mintToken({ clientID: CLIENT_ID });
    await fleet.a.me(token).expect(200);
    await fleet.a.settled();
    await fleet.b.me(token).expect(200);
    return token;
  };
  return { fleet, servedByBoth };
}

/**
 * B verifies a token while Amazon is slow (1.5 s, well within `timeout`); A revokes it meanwhile.
 * B refuses that request once Amazon answers, and keeps nothing: the next request is refused too,
 * without asking Amazon (docs/recipes.md, "Signing out").
 */
async function revokedInFlight(
  { a, b, emu }: { a: AppProcess; b: AppProcess; emu: LwaEmulator },
  heard?: Promise<unknown>,
) {
  const token = emu.mintToken({ clientID: CLIENT_ID });
  emu.fault('tokeninfo', { kind: 'latency', ms: 1500 });
  const asked = emu.nextRequest((r) => r.endpoint === 'tokeninfo');
  const inFlight = b.me(token).then((res) => res.status);
  await asked; // B is asking Amazon
  await a.revoke(token);
  await heard;
  expect(await inFlight).toBe(401);
  emu.clearFaults();
  emu.resetCalls();
  expectRefused(await b.me(token), 401, 'invalid_token');
  expect(emu.calls.tokeninfo).toBe(0);
}

describeWith(REDIS_SERVER, 'two processes, the Redis store of docs/caching-and-scale.md (publish, subscribe)', () => {
  const { fleet, servedByBoth } = twoProcesses('redis-nx');

  test('the store block is the document’s, verbatim but for the import', () => {
    const own = readFileSync(join(__dirname, 'redis-store.ts'), 'utf8');
    const [, block] = /^\/\/ recipe: Redis store\n([\s\S]*?)^\/\/ end of recipe$/m.exec(own)!;
    const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'caching-and-scale.md'), 'utf8');
    // The document declares the logger it leaves to the reader; this file defines a quiet one below.
    const documented = block.replace(
      "from '../../lib';\n",
      "from 'passport-lwa-token';\n\ndeclare const logger: Pick<Console, 'warn'>; // your app's\n",
    );
    expect(docs).toContain(`\`\`\`ts\n${documented}\`\`\``);
  });

  test('B, holding the token in its local layer, refuses it once A’s revocation message arrives', async () => {
    const { a, b, emu } = fleet;
    const token = await servedByBoth();
    const heard = b.next('heard');
    await a.revoke(token);
    await heard;
    emu.resetCalls();
    expectRefused(await b.me(token), 401, 'invalid_token');
    expect(emu.calls.tokeninfo).toBe(0);
  });

  test('a verification in flight at the revocation: B refuses the token afterwards', async () => {
    await revokedInFlight(fleet, fleet.b.next('heard'));
  });

  test('B’s subscriber loses its connection: B reads the store meanwhile, and empties its local layer once resubscribed', async () => {
    const { a, b, redis, emu } = fleet;
    const [asked, unasked, kept] = [await servedByBoth(), await servedByBoth(), await servedByBoth()];
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      // A password now: connections open stay signed in; the subscribers killed cannot come back.
      await admin.configSet('requirepass', 'sesame');
      const lost = b.next('subscriber', (m) => m.listening === false);
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
      await lost;
      await a.revoke(asked); // no subscriber hears it
      await a.revoke(unasked);
      emu.resetCalls();
      expectRefused(await b.me(asked), 401, 'invalid_token'); // from the store, not its local layer
      await b.me(kept).expect(200);
      expect(emu.calls.tokeninfo).toBe(0);
      expect(await b.events()).toContainEqual(expect.objectContaining({ type: 'store-error', operation: 'subscribe' }));

      const back = b.next('subscriber', (m) => m.listening === true);
      await admin.configSet('requirepass', '');
      await back;
      // `unasked` was in B's local layer, and its revocation was missed: the layer was emptied.
      expectRefused(await b.me(unasked), 401, 'invalid_token');
      const heard = b.next('heard');
      await a.revoke(kept); // heard again
      await heard;
      expectRefused(await b.me(kept), 401, 'invalid_token');
    } finally {
      await admin.configSet('requirepass', '');
      await admin.quit();
    }
  });
});

describeWith(REDIS_SERVER, 'two processes, Keyv (no publish): a verification in flight at the revocation', () => {
  const { fleet } = twoProcesses('keyv');

  test('B reads the revocation back before keeping its verdict: refused afterwards', async () => {
    await revokedInFlight(fleet);
  });
});
