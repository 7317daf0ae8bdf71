/**
 * The Redis store of docs/caching-and-scale.md, "One verification per token across a fleet": the
 * block below is the document's, verbatim but for the package's import (redis/revoke.test.ts
 * checks), run by the fleet's app processes (fleet-app.ts, STORE=redis-nx).
 */

// recipe: Redis store
import { createClient } from '@keyv/redis';
import type { CacheStore } from '../../lib';

/** The verification cache in Redis: `cache: { store: await redisStore(process.env.REDIS_URL!) }`. */
export async function redisStore(url: string): Promise<CacheStore> {
  const redis = createClient({ url });
  const subscriber = redis.duplicate(); // Redis pub/sub takes a connection of its own
  for (const client of [redis, subscriber]) client.on('error', (err: unknown) => logger.warn({ err }, 'redis'));
  await Promise.all([redis.connect(), subscriber.connect()]);
  const px = (ttlMs: number) => ({ type: 'PX' as const, value: ttlMs });
  return {
    get: async (key) => {
      const json = await redis.get(key);
      return json === null ? undefined : (JSON.parse(json) as unknown);
    },
    set: (key, value, ttlMs) => redis.set(key, JSON.stringify(value), { expiration: px(ttlMs) }),
    delete: (key) => redis.del(key),
    setIfAbsent: async (key, value, ttlMs) =>
      (await redis.set(key, JSON.stringify(value), { expiration: px(ttlMs), condition: 'NX' })) === 'OK',
    // Sign-outs reach every process at once. node-redis resubscribes before `ready`.
    publish: (channel, message) => redis.publish(channel, message),
    subscribe: async (channel, onMessage, onListening) => {
      subscriber.on('error', () => onListening(false)).on('ready', () => onListening(true));
      await subscriber.subscribe(channel, onMessage);
    },
  };
}
// end of recipe

/** The recipe's logger, quiet here: a stopped Redis is part of the tests. */
const logger = { warn: (_fields: object, _message: string): void => undefined };
