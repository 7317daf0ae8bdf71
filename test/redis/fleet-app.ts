/**
 * One app instance of a fleet, run as a child process by ./fleet.test.ts and bench/fleet.ts: the
 * test app with the verification cache in Redis, through Keyv's Redis adapter (the README recipe:
 * get/set/delete only), or, with STORE=redis-nx, through the small adapter over the Redis client
 * that adds `setIfAbsent` (docs/caching-and-scale.md, "One verification per token").
 *
 * Env: REDIS_URL, TOKENINFO_URL, PROFILE_URL, STORE (`keyv`, the default, or `redis-nx`), ALSO_NX
 * (`1`: a second app with the adapter), TIMEOUT (the strategy's `timeout`, default 5000). IPC: sends `{ type: 'listening', port, nxPort }`; answers `{ type: 'events' }` with `{ type: 'events', events }`, the
 * cache events seen so far, `{ type: 'take-events' }` the same with the events since the last
 * `take-events`, and `{ type: 'settled' }` once every store write begun so far has landed.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { createClient, createKeyv } from '@keyv/redis';
import { CHANNELS, Strategy, type CacheStore, type ChannelMessages } from '../../lib';
import { acceptAll, CLIENT_ID, mount } from '../support/fixture';

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

// The adapter of docs/caching-and-scale.md: the Redis client @keyv/redis exports, JSON values, and
// `setIfAbsent` as SET NX PX, so that one process of the fleet asks Amazon about a new token.
function redisStore(): CacheStore {
  const redis = createClient({ url: env('REDIS_URL') });
  redis.on('error', () => undefined);
  void redis.connect();
  return {
    get: async (key) => {
      const json = await redis.get(key);
      return json === null ? undefined : (JSON.parse(json) as unknown);
    },
    set: (key, value, ttlMs) => redis.set(key, JSON.stringify(value), { expiration: { type: 'PX', value: ttlMs } }),
    delete: (key) => redis.del(key),
    setIfAbsent: async (key, value, ttlMs) =>
      (await redis.set(key, JSON.stringify(value), { expiration: { type: 'PX', value: ttlMs }, condition: 'NX' })) ===
      'OK',
  };
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
  };
}

/** The test app over `store`, listening on a free port. */
function listen(store: CacheStore): Promise<number> {
  const strategy = new Strategy(
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
    const server = mount(strategy).listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
    server.keepAliveTimeout = 60_000;
  });
}

// With ALSO_NX=1 a second app (`nxPort`) uses the setIfAbsent adapter: one process, both stores.
void Promise.all([
  listen(tracked(process.env.STORE === 'redis-nx' ? redisStore() : keyvStore())),
  process.env.ALSO_NX === '1' ? listen(tracked(redisStore())) : undefined,
]).then(([port, nxPort]) => process.send?.({ type: 'listening', port, nxPort }));

let taken = 0;
process.on('message', (message: { type?: string }) => {
  if (message.type === 'events') process.send?.({ type: 'events', events });
  if (message.type === 'take-events') {
    process.send?.({ type: 'take-events', events: events.slice(taken) });
    taken = events.length;
  }
  if (message.type === 'settled') {
    void Promise.allSettled([...writes]).then(() => process.send?.({ type: 'settled' }));
  }
});
// The parent's end of the IPC channel closing means the test is over.
process.on('disconnect', () => process.exit(0));
