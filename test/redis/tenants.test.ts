/**
 * Two tenants on one Redis (docs/recipes-multi-tenant.md): two strategies, as two app instances
 * would have, whose `clientID` is a function of the request's `x-tenant` header, share one store
 * through Keyv's Redis adapter. A verdict is shared between instances for the same tenant, and never
 * between tenants: a token verified for tenant A, its verdict in Redis, is refused for tenant B.
 * Runs when redis-server is on PATH; skipped when it is not, except in CI, where that fails.
 */
import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createClient, createKeyv } from '@keyv/redis';
import type { Express } from 'express';
import { Strategy, type CacheStore } from '../../lib';
import { LwaEmulator } from '../../lib/testing';
import { acceptAll, CLIENT_ID, describeWith, expectRefused, getMe, mount, OTHER_CLIENT_ID } from '../support/fixture';
import { REDIS_SERVER, startRedis, type RedisServer } from './redis-server';

const TENANTS: Readonly<Record<string, string>> = { a: CLIENT_ID, b: OTHER_CLIENT_ID };
const clientIDOf = async (req: IncomingMessage): Promise<readonly string[]> => {
  const id = TENANTS[String(req.headers['x-tenant'])];
  return id === undefined ? [] : [id];
};

describeWith(REDIS_SERVER, 'two tenants sharing one Redis', () => {
  let redis: RedisServer;
  let emu: LwaEmulator;
  let keyv: ReturnType<typeof createKeyv>;
  /** The store the strategies use: Keyv, with its writes kept so a test can wait for them. */
  let store: CacheStore;
  const writes: Promise<unknown>[] = [];
  const strategies: Strategy[] = [];
  let first: Express;
  let second: Express;

  beforeAll(async () => {
    [redis, emu] = await Promise.all([startRedis(), LwaEmulator.start()]);
    keyv = createKeyv(redis.url, { throwOnErrors: true });
    keyv.on('error', () => undefined);
    store = {
      get: (key) => keyv.get(key),
      set: (key, value, ttl) => {
        const write = keyv.set(key, value, ttl);
        writes.push(write);
        return write;
      },
      delete: (key) => keyv.delete(key),
    };
    // Two instances of one app. Each has its small local layer in front of Redis, which holds only
    // what that instance itself verified or read: what one instance learns reaches the other through
    // Redis alone.
    const instance = (): Express => {
      const strategy = new Strategy(
        {
          clientID: clientIDOf,
          tokenInfoURL: emu.tokenInfoURL,
          profileURL: emu.profileURL,
          cache: { store },
        },
        acceptAll,
      );
      strategies.push(strategy);
      return mount(strategy);
    };
    [first, second] = [instance(), instance()];
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(strategies.map((s) => s.close()));
    await keyv?.disconnect();
    await Promise.all([emu?.close(), redis?.stop()]);
  });

  const asTenant = (app: Express, tenant: string, token: string) => getMe(app, token).set('x-tenant', tenant);
  /** The store writes of the requests so far have landed (the strategy does not wait for them). */
  const stored = () => Promise.all(writes.splice(0));

  test('a token verified for tenant A, its verdict in Redis, is refused for tenant B', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID });
    await asTenant(first, 'a', token).expect(200);
    await stored();
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });

    // The other instance, same tenant: Redis answers.
    emu.resetCalls();
    await asTenant(second, 'a', token).expect(200);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });

    // Tenant B: not A's verdict, but a verification of its own, and Amazon's audience says no.
    expectRefused(await asTenant(second, 'b', token), 401, 'invalid_token');
    await stored();
    expect(emu.calls.tokeninfo).toBe(1);

    // B's refusal, kept in Redis under B's key, does not touch A's verdict.
    emu.resetCalls();
    await asTenant(first, 'a', token).expect(200);
    expectRefused(await asTenant(first, 'b', token), 401, 'invalid_token');
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('a token seen by two tenants has two keys in Redis, one per tenant', async () => {
    const token = emu.mintToken({ clientID: OTHER_CLIENT_ID });
    await asTenant(first, 'b', token).expect(200);
    expectRefused(await asTenant(second, 'a', token), 401, 'invalid_token');
    await stored();
    const client = createClient({ url: redis.url });
    await client.connect();
    const keys = await client.keys(`lwa:v1:*:${hash('sha256', token, 'base64url')}`).finally(() => client.quit());
    expect(keys).toHaveLength(2);
    const tags = new Set(keys.map((key) => /^lwa:v1:([\w-]{12}):[\w-]{43}$/.exec(key)?.[1]));
    expect(tags.has(undefined)).toBe(false);
    expect(tags.size).toBe(2);
  });
});
