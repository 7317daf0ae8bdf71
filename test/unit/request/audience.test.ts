/**
 * The audience of each request (`clientID` and `appID`, fixed or functions of the request): what a
 * function may return, and the tag that keeps cache keys of different audiences apart, memoized.
 * Over HTTP, with tenants: test/http/multi-tenant.test.ts.
 */
import { hash } from 'node:crypto';
import { acceptsNone, AudienceResolver } from '../../../lib/request/audience';
import { refusals } from '../../../lib/refusal';
import type { Audience } from '../../../lib/amazon/amazon-verifier';

const ids = (...list: string[]): ReadonlySet<string> => new Set(list);
/** The tag as the cache computed it before functions were allowed: a store's keys must not change. */
const previousTag = (clientIDs: string[], appIDs: string[] | null): string =>
  hash('sha256', JSON.stringify([clientIDs.sort(), appIDs?.sort() ?? null]), 'base64url').slice(0, 12);

describe('fixed clientID and appID', () => {
  test('one audience, returned synchronously (no promise on the hot path), the same object each time', () => {
    const resolver = new AudienceResolver(ids('b', 'a'), undefined);
    const first = resolver.resolve({});
    expect(first).not.toBeInstanceOf(Promise);
    expect(resolver.resolve({})).toBe(first);
    expect(first).toEqual({ clientIDs: ids('a', 'b'), appIDs: undefined, tag: previousTag(['a', 'b'], null) });
  });

  test('the tag is the one the cache used before, with appID too', () => {
    const audience = new AudienceResolver(ids('c'), ids('app2', 'app1')).resolve({}) as Audience;
    expect(audience.tag).toBe(previousTag(['c'], ['app1', 'app2']));
    expect(audience.tag).toMatch(/^[\w-]{12}$/);
  });
});

describe('a function of the request', () => {
  const tenants: Record<string, string | string[]> = { a: 'client-a', b: ['client-b2', 'client-b1'], none: [] };
  const byTenant = (req: never) => tenants[(req as { tenant: string }).tenant] ?? [];

  test('a synchronous function: no promise; a string is a list of one', () => {
    const resolver = new AudienceResolver(byTenant, undefined);
    const a = resolver.resolve({ tenant: 'a' });
    expect(a).not.toBeInstanceOf(Promise);
    expect((a as Audience).clientIDs).toEqual(ids('client-a'));
    const fixed = new AudienceResolver(ids('client-a'), undefined).resolve({}) as Audience;
    expect((a as Audience).tag).toBe(fixed.tag);
  });

  test('tenants get different tags; the same IDs in any order and repeated get the same one, memoized', () => {
    const resolver = new AudienceResolver((req: never) => (req as { ids: string[] }).ids, undefined);
    const a = resolver.resolve({ ids: ['x', 'y'] }) as Audience;
    const again = resolver.resolve({ ids: ['y', 'x', 'y'] }) as Audience;
    const b = resolver.resolve({ ids: ['x'] }) as Audience;
    expect(again).toBe(a);
    expect(b.tag).not.toBe(a.tag);
    expect(resolver.memoized).toBe(2);
  });

  test('the memo is bounded: a thousand rule sets at most, the oldest dropped first', () => {
    const resolver = new AudienceResolver((req: never) => String(req), undefined);
    const first = resolver.resolve('tenant-0') as Audience;
    for (let i = 0; i < 5000; i += 1) void resolver.resolve(`tenant-${i}`);
    expect(resolver.memoized).toBe(1000);
    const recomputed = resolver.resolve('tenant-0') as Audience;
    expect(recomputed).not.toBe(first);
    expect(recomputed).toEqual(first);
  });

  test('an async function: a promise of the same audience a synchronous one gives', async () => {
    const sync = new AudienceResolver(byTenant, undefined);
    const async = new AudienceResolver(async (req: never) => byTenant(req), undefined);
    const pending = async.resolve({ tenant: 'b' });
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual(sync.resolve({ tenant: 'b' }));
  });

  test('fixed clientID with an appID function, and the other way round', async () => {
    const appByTenant = async (req: never) => `app-${(req as { tenant: string }).tenant}`;
    const a = await new AudienceResolver(ids('c'), appByTenant).resolve({ tenant: 'a' });
    expect(a).toMatchObject({ clientIDs: ids('c'), appIDs: ids('app-a') });
    const b = new AudienceResolver(byTenant, ids('app')).resolve({ tenant: 'b' }) as Audience;
    expect(b).toMatchObject({ clientIDs: ids('client-b1', 'client-b2'), appIDs: ids('app') });
  });

  test('an empty list accepts no token, and says which option was empty', async () => {
    const noClients = new AudienceResolver(byTenant, undefined).resolve({ tenant: 'none' }) as Audience;
    expect(acceptsNone(noClients)).toBe(refusals.noClientIds);
    const noApps = await new AudienceResolver(ids('c'), async () => []).resolve({});
    expect(acceptsNone(noApps)).toBe(refusals.noAppIds);
    expect(acceptsNone(new AudienceResolver(byTenant, undefined).resolve({ tenant: 'a' }) as Audience)).toBe(undefined);
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['a string with spaces around it', ' c '],
    ['a number', 42],
    ['an object', { id: 'c' }],
    ['an array holding something other than a non-empty string', ['c', '']],
    ['an array holding something other than a non-empty string', ['c', 7]],
  ])('returning %s is a TypeError naming the option, never echoing the value', async (kind, value) => {
    const message = `\`clientID\` is a function that returned ${kind}`;
    expect(() => new AudienceResolver(() => value, undefined).resolve({})).toThrow(TypeError);
    expect(() => new AudienceResolver(() => value, undefined).resolve({})).toThrow(message);
    await expect(new AudienceResolver(async () => value, undefined).resolve({})).rejects.toThrow(message);
    const appMessage = `\`appID\` is a function that returned ${kind}`;
    expect(() => new AudienceResolver(ids('c'), () => value).resolve({})).toThrow(appMessage);
  });

  test('its own error passes through as it is', async () => {
    const boom = new Error('tenant store down');
    expect(() =>
      new AudienceResolver(() => {
        throw boom;
      }, undefined).resolve({}),
    ).toThrow(boom);
    await expect(new AudienceResolver(() => Promise.reject(boom), undefined).resolve({})).rejects.toBe(boom);
  });

  test('it is given the request', () => {
    const seen: unknown[] = [];
    const req = { tenant: 'a' };
    void new AudienceResolver(
      (r: never) => {
        seen.push(r);
        return 'c';
      },
      (r: never) => {
        seen.push(r);
        return 'app';
      },
    ).resolve(req);
    expect(seen).toEqual([req, req]);
    expect(seen[0]).toBe(req);
  });
});
