/**
 * One app instance of a fleet, run as a child process by ./fleet.test.ts, ./revoke.test.ts and
 * bench/: the test app with the verification cache in Redis, through Keyv's Redis adapter (the
 * README recipe: get/set/delete only), or, with STORE=redis-nx, through the Redis store of
 * docs/caching-and-scale.md (./redis-store.ts: `setIfAbsent`, `publish`, `subscribe`).
 *
 * Env: REDIS_URL, TOKENINFO_URL, PROFILE_URL, STORE (`keyv`, the default, or `redis-nx`), ALSO_NX
 * (`1`: a second app with the Redis store), TIMEOUT (the strategy's `timeout`, default 5000). IPC:
 * sends `{ type: 'listening', port, nxPort }`, then `{ type: 'heard' }` after each revocation message
 * and `{ type: 'subscriber', listening }` after each change of the subscription; answers
 * `{ type: 'events' }` with the cache events seen so far, `{ type: 'take-events' }` with those since
 * the last one, `{ type: 'settled' }` once every store write begun so far has landed, and
 * `{ type: 'revoke', token }` once the first app revoked it.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { createKeyv } from '@keyv/redis';
import { CHANNELS, Strategy, type CacheStore, type ChannelMessages } from '../../lib';
import { acceptAll, CLIENT_ID, mount } from '../support/fixture';
import { benchToken } from './app-process';
import { redisStore } from './redis-store';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const events: ChannelMessages['cache'][] = [];
diagnostics_channel.subscribe(CHANNELS.cache, (event) => events.push(event as ChannelMessages['cache']));

// The recipe: Keyv over Redis, keys as the strategy writes them (`lwa:v1:…`). With throwOnErrors a
// Redis error reaches the strategy (a `store-error` event) instead of passing for a miss; every call
// is bounded by a quarter of `timeout` (at most 100 ms), so a Redis that is down or slow costs a miss, never a failed request.
function keyvStore(): CacheStore {
  const keyv = createKeyv(env('REDIS_URL'), { throwOnErrors: true });
  keyv.on('error', () => undefined);
  return keyv;
}

// The strategy does not make a request wait for its store write, so the test asks (IPC `settled`)
// for every write begun so far to have landed before it sends the next process the same token.
const writes = new Set<Promise<unknown>>();
function tracked(inner: CacheStore): CacheStore {
  return {
    get: (key) => inner.get(key),
    delete: (key) => inner.delete(key),
    set: (key, value, ttlMs) => {
      const write = inner.set(key, value, ttlMs);
      writes.add(write);
      const done = (): void => void writes.delete(write);
      write.then(done, done);
      return write;
    },
    ...(inner.setIfAbsent ? { setIfAbsent: inner.setIfAbsent.bind(inner) } : {}),
    ...(inner.publish ? { publish: inner.publish.bind(inner) } : {}),
    // The parent hears each revocation message and each change of the subscription, once acted on.
    ...(inner.subscribe ? { subscribe: reporting(inner.subscribe.bind(inner)) } : {}),
  };
}

/** `subscribe`, telling the parent of each revocation message (`heard`) and subscription change, once acted on. */
function reporting(subscribe: NonNullable<CacheStore['subscribe']>): NonNullable<CacheStore['subscribe']> {
  return async (channel, onMessage, onListening) => {
    const done = subscribe(
      channel,
      (message) => {
        onMessage(message);
        process.send?.({ type: 'heard' });
      },
      (listening) => {
        onListening(listening);
        process.send?.({ type: 'subscriber', listening });
      },
    );
    subscriptions.push(done.then(() => undefined));
    await done;
  };
}

/** The subscriptions begun: `listening` is sent once they are in place. */
const subscriptions: Array<Promise<void>> = [];

let strategy: Strategy | undefined;

/** The test app over `store`, listening on a free port. */
function listen(store: CacheStore): Promise<number> {
  const app = new Strategy(
    {
      clientID: CLIENT_ID,
      tokenInfoURL: env('TOKENINFO_URL'),
      profileURL: env('PROFILE_URL'),
      cache: { store },
      timeout: Number(process.env.TIMEOUT ?? 5000),
    },
    acceptAll,
  );
  return new Promise((resolve) => {
    strategy ??= app;
    const server = mount(app).listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
    server.keepAliveTimeout = 60_000;
  });
}

// With ALSO_NX=1 a second app (`nxPort`) uses the setIfAbsent adapter: one process, both stores.
void Promise.all([
  (process.env.STORE === 'redis-nx' ? redisStore(env('REDIS_URL')) : Promise.resolve(keyvStore())).then((store) =>
    listen(tracked(store)),
  ),
  process.env.ALSO_NX === '1' ? redisStore(env('REDIS_URL')).then((store) => listen(tracked(store))) : undefined,
]).then(async ([port, nxPort]) => {
  await Promise.all(subscriptions);
  process.send?.({ type: 'listening', port, nxPort });
});

/** bench/revocations.ts: revokes `count` tokens, 64 at a time; answers how many resolved, and the heap's peak. */
async function revokeMany(prefix: string, count: number): Promise<void> {
  let next = 0;
  let resolved = 0;
  let heapPeak = 0;
  const sample = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 50);
  const worker = async (): Promise<void> => {
    while (next < count) {
      await strategy!.verifier.revoke(benchToken(prefix, next++));
      resolved++;
    }
  };
  const started = performance.now();
  const failures = (await Promise.allSettled(Array.from({ length: 64 }, worker))).filter(
    (r) => r.status === 'rejected',
  );
  clearInterval(sample);
  const ms = performance.now() - started;
  process.send?.({ type: 'revoke-many', resolved, failed: failures.length, ms, heapPeak });
}

/** bench/revocations.ts: verifies each token; answers how many were refused as revoked, and how many were not. */
async function verifySome(tokens: string[]): Promise<void> {
  let revoked = 0;
  for (const token of tokens) {
    const result = await strategy!.verifier.verify(token);
    if (!result.ok && result.reason === 'token_revoked') revoked++;
  }
  process.send?.({ type: 'verify-some', revoked, other: tokens.length - revoked });
}

let taken = 0;
process.on(
  'message',
  (message: { type?: string; token?: string; tokens?: string[]; prefix?: string; count?: number }) => {
    if (message.type === 'revoke' && message.token !== undefined) {
      void strategy!.verifier.revoke(message.token).then(() => process.send?.({ type: 'revoke' }));
    }
    if (message.type === 'revoke-many') void revokeMany(message.prefix!, message.count!);
    if (message.type === 'verify-some') void verifySome(message.tokens!);
    if (message.type === 'heap') {
      globalThis.gc?.();
      process.send?.({ type: 'heap', heapUsed: process.memoryUsage().heapUsed });
    }
    if (message.type === 'events') process.send?.({ type: 'events', events });
    if (message.type === 'take-events') {
      process.send?.({ type: 'take-events', events: events.slice(taken) });
      taken = events.length;
    }
    if (message.type === 'settled') {
      void Promise.allSettled([...writes]).then(() => process.send?.({ type: 'settled' }));
    }
  },
);
// The parent's end of the IPC channel closing means the test is over.
process.on('disconnect', () => process.exit(0));
