/**
 * One app instance of a fleet, run as a child process by ./fleet.test.ts: the test app with the
 * verification cache in Redis, through Keyv's Redis adapter (the README recipe).
 *
 * Env: REDIS_URL, TOKENINFO_URL, PROFILE_URL. IPC: sends `{ type: 'listening', port }`; answers
 * `{ type: 'events' }` with `{ type: 'events', events }`, the cache events seen so far, and
 * `{ type: 'settled' }` with the same once every store write begun so far has landed.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { createKeyv } from '@keyv/redis';
import { CHANNELS, Strategy, type CacheEvent } from '../../lib';
import { acceptAll, CLIENT_ID, mount } from '../support/fixture';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const events: CacheEvent[] = [];
diagnostics_channel.subscribe(CHANNELS.cache, (event) => events.push(event as CacheEvent));

// The recipe: Keyv over Redis, keys as the strategy writes them (`lwa:v1:…`). With throwOnErrors a
// Redis error reaches the strategy (a `store-error` event) instead of passing for a miss; every call
// is bounded by `cache.storeTimeout`, so a Redis that is down or slow costs a miss, never a failed request.
const keyv = createKeyv(env('REDIS_URL'), { throwOnErrors: true });
keyv.on('error', () => undefined);

// The strategy does not make a request wait for its store write, so the test asks (IPC `settled`)
// for every write begun so far to have landed before it sends the next process the same token.
const writes = new Set<Promise<unknown>>();
const store = {
  get: (key: string) => keyv.get(key),
  delete: (key: string) => keyv.delete(key),
  set: (key: string, value: unknown, ttlMs: number) => {
    const write = keyv.set(key, value, ttlMs);
    writes.add(write);
    const done = (): void => void writes.delete(write);
    write.then(done, done);
    return write;
  },
};

const strategy = new Strategy(
  { clientID: CLIENT_ID, tokenInfoURL: env('TOKENINFO_URL'), profileURL: env('PROFILE_URL'), cache: { store } },
  acceptAll,
);
const server = mount(strategy).listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
});

process.on('message', (message: { type?: string }) => {
  if (message.type === 'events') process.send?.({ type: 'events', events });
  if (message.type === 'settled') {
    void Promise.allSettled([...writes]).then(() => process.send?.({ type: 'settled' }));
  }
});
// The parent's end of the IPC channel closing means the test is over.
process.on('disconnect', () => process.exit(0));
