/**
 * The revocation feed (lib/cache/revocation-feed.ts) over a store with `publish` and `subscribe`:
 * listening only once subscribed; a lost subscription is a `store-error` event and stops it; back,
 * it empties the local layer first; a message not of this library's shape is ignored. Against a
 * real Redis, two processes: test/redis/revoke.test.ts.
 */
import { CHANNELS, type CacheStore, type ChannelMessages } from '../../../lib';
import { GuardedStoreCache } from '../../../lib/cache/guarded-store';
import { REVOCATION_CHANNEL, RevocationFeed } from '../../../lib/cache/revocation-feed';
import { recordEvents } from '../../support/events';

const events = recordEvents<ChannelMessages['cache']>(CHANNELS.cache);
const DIGEST = 'A'.repeat(43);

/** A store whose subscription the test drives: `subscribed` settles it, `tell` and `listening` call back. */
function pubsub() {
  let settle!: { resolve: () => void; reject: (err: Error) => void };
  const calls = { onMessage: (_m: string) => undefined as void, onListening: (_l: boolean) => undefined as void };
  const published: Array<[string, string]> = [];
  const store: CacheStore = {
    get: async () => undefined,
    set: async () => true,
    delete: async () => true,
    publish: async (channel, message) => void published.push([channel, message]),
    subscribe: (channel, onMessage, onListening) => {
      expect(channel).toBe(REVOCATION_CHANNEL);
      Object.assign(calls, { onMessage, onListening });
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    },
  };
  const heard: Array<[string, number]> = [];
  let regained = 0;
  const feed = RevocationFeed.over(
    store,
    new GuardedStoreCache(store, 100, Date.now),
    (digest, until) => void heard.push([digest, until]),
    () => void regained++,
  )!;
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { feed, settle: () => settle, calls, published, heard, regained: () => regained, tick };
}

test('a store without publish and subscribe has no feed', () => {
  const store: CacheStore = { get: async () => undefined, set: async () => true, delete: async () => true };
  expect(
    RevocationFeed.over(
      store,
      new GuardedStoreCache(store, 100, Date.now),
      () => undefined,
      () => undefined,
    ),
  ).toBe(undefined);
});

test('listening once subscribed, not before (a "ready" first proves nothing)', async () => {
  const { feed, settle, calls, tick } = pubsub();
  await tick();
  calls.onListening(true);
  expect(feed.listening).toBe(false);
  settle().resolve();
  await tick();
  expect(feed.listening).toBe(true);
});

test('lost: not listening, one store-error event; back: the local layer is emptied, then listening', async () => {
  const { feed, settle, calls, regained, tick } = pubsub();
  await tick();
  settle().resolve();
  await tick();
  const before = regained();
  calls.onListening(false);
  calls.onListening(false);
  expect(feed.listening).toBe(false);
  expect(events.filter((e) => e.type === 'store-error')).toEqual([
    expect.objectContaining({ type: 'store-error', operation: 'subscribe', reason: 'error' }),
  ]);
  calls.onListening(true);
  expect([feed.listening, regained()]).toEqual([true, before + 1]);
});

test('a subscription that fails: never listening, a store-error event', async () => {
  const { feed, settle, tick } = pubsub();
  await tick();
  settle().reject(new Error('no'));
  await tick();
  expect(feed.listening).toBe(false);
  expect(events).toContainEqual(expect.objectContaining({ operation: 'subscribe' }));
});

test('publish sends the digest and the expiry; messages of any other shape are ignored', async () => {
  const { feed, calls, published, heard, tick } = pubsub();
  await tick();
  expect(await feed.publish(DIGEST, 1234)).toBe(true);
  expect(published).toEqual([[REVOCATION_CHANNEL, `${DIGEST} 1234`]]);
  for (const junk of [
    '',
    DIGEST,
    `${DIGEST} soon`,
    `${DIGEST} 1 2`,
    `short 1234`,
    `${DIGEST}! 1234`,
    `${DIGEST} 1e400`,
  ]) {
    calls.onMessage(junk);
  }
  calls.onMessage(`${DIGEST} 1234`);
  expect(heard).toEqual([[DIGEST, 1234]]);
});
