/**
 * The pending limit: at most 64 verifications (MAX_PENDING, fixed: the pool's connections) wait on
 * Amazon at once. Past it, a new token is refused at once with a 503 `LwaUnavailableError`
 * (`ERR_LWA_OVERLOADED`) and no call; joining a verification in flight and cache hits do not count.
 * Over HTTP against the emulator, with Amazon held by a `hang` fault on 64 distinct tokens.
 */
import { LwaUnavailableError, Strategy } from '../../lib';
import { overloaded } from '../../lib/errors';
import type { LwaEmulator } from '../../lib/testing';
import { acceptAll, CLIENT_ID, useEmulator } from '../support/fixture';
import { getMe as get, holdAtTokenInfo, listen, MAX_PENDING } from '../support/hold-pending';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

const mint = () => emu.mintToken({ clientID: CLIENT_ID });
const mintMany = (n: number) => Array.from({ length: n }, mint);

describe('the pending limit (64)', () => {
  test('is 64, the pool’s connections', () => {
    expect(MAX_PENDING).toBe(64);
  });

  test('past it, a new token gets a 503 ERR_LWA_OVERLOADED at once, without a call to Amazon', async () => {
    // The held verifications end at `timeout`: long enough for all 64 to be sent and held first.
    const { app, strategy } = lwa.app({ timeout: 3000, circuitBreaker: false });
    const server = await listen(app);
    const cached = mint();
    expect((await get(server.url, cached)).status).toBe(200);
    const held = await holdAtTokenInfo(emu, server.url, mintMany(MAX_PENDING));
    const before = { ...emu.calls };

    const refused = await get(server.url, mint());
    expect([refused.status, (refused.body as { code?: string }).code]).toEqual([503, 'ERR_LWA_OVERLOADED']);
    expect(refused.headers['www-authenticate']).toBeUndefined();
    expect(emu.calls).toEqual(before);
    // A token the cache knows is not held up by the limit.
    expect((await get(server.url, cached)).status).toBe(200);

    // The held ones end at their deadline; their places come back.
    for (const res of await Promise.all(held)) expect(res.status).toBe(504);
    const afterwards = await Promise.all(mintMany(MAX_PENDING).map((t) => get(server.url, t)));
    expect(afterwards.map((r) => r.status)).toEqual(Array(MAX_PENDING).fill(200));
    await server.close();
    await strategy.close();
  });

  test('one fewer than the limit held: the next token still gets its place', async () => {
    const { app, strategy } = lwa.app({ timeout: 3000, circuitBreaker: false });
    const server = await listen(app);
    const held = await holdAtTokenInfo(emu, server.url, mintMany(MAX_PENDING - 1));
    expect((await get(server.url, mint())).status).toBe(200);
    for (const res of await Promise.all(held)) expect(res.status).toBe(504);
    await server.close();
    await strategy.close();
  });

  test('joining a verification of the same token in flight does not count', async () => {
    const { app, strategy } = lwa.app({ timeout: 3000, circuitBreaker: false });
    const server = await listen(app);
    const held = await holdAtTokenInfo(emu, server.url, mintMany(MAX_PENDING - 1));
    // The last place: a token whose tokeninfo answers late, so that others can join it meanwhile.
    const token = mint();
    emu.fault('tokeninfo', { kind: 'latency', ms: 1000 }, { times: 1 });
    const reached = emu.nextRequest((r) => r.endpoint === 'tokeninfo');
    const first = get(server.url, token);
    await reached;
    // The limit is full now: a new token is refused...
    const other = await get(server.url, mint());
    expect([other.status, (other.body as { code?: string }).code]).toEqual([503, 'ERR_LWA_OVERLOADED']);
    // ...while ten more requests with the in-flight token all join its verification.
    const joined = await Promise.all(Array.from({ length: 10 }, () => get(server.url, token)));
    expect(joined.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((await first).status).toBe(200);
    expect(emu.calls.tokeninfo).toBe(MAX_PENDING);
    for (const res of await Promise.all(held)) expect(res.status).toBe(504);
    await server.close();
    await strategy.close();
  });

  test('the error: a 503 LwaUnavailableError with its code, no endpoint (Amazon was not called)', () => {
    const err = overloaded(MAX_PENDING);
    expect(err).toBeInstanceOf(LwaUnavailableError);
    expect([err.status, err.code, err.endpoint, err.name, err.retryAfterSeconds]).toEqual([
      503,
      'ERR_LWA_OVERLOADED',
      undefined,
      'LwaUnavailableError',
      undefined,
    ]);
    expect(err.message).toContain('64');
  });

  test.each([
    ['1', 1],
    ['64', 64],
    ['a string', '8'],
  ])('maxPending %s is refused: the option was removed', (_name, maxPending) => {
    const attempt = () => new Strategy({ clientID: CLIENT_ID, maxPending } as never, acceptAll);
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(/`maxPending` was removed: at most 64 verifications/);
  });
});
