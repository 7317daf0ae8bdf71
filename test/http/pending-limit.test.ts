/**
 * `maxPending`: verifications waiting on Amazon at once. Past it, a new token is refused at once
 * with a 503 `LwaOverloadedError` and no call; joining a verification in flight and cache hits do
 * not count. Over HTTP against the emulator, with Amazon held by a `hang` fault.
 */
import request from 'supertest';
import { LwaOverloadedError, Strategy } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { acceptAll, CLIENT_ID, useEmulator } from '../support/fixture';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

const mint = () => emu.mintToken({ clientID: CLIENT_ID });
const get = (app: Parameters<typeof request>[0], token: string) =>
  request(app).get('/api/me').set('Authorization', `Bearer ${token}`);

/** Sends requests for `tokens` and resolves once Amazon has received both calls of each. */
async function holdAtAmazon(app: Parameters<typeof request>[0], tokens: readonly string[]) {
  const target = emu.calls.tokeninfo + emu.calls.profile + 2 * tokens.length;
  const answers = tokens.map((t) => get(app, t).then((res) => res));
  while (emu.calls.tokeninfo + emu.calls.profile < target) await emu.nextRequest();
  return answers;
}

describe('maxPending', () => {
  test('past it, a new token gets a 503 ERR_LWA_OVERLOADED at once, without a call to Amazon', async () => {
    const { app, strategy } = lwa.app({ maxPending: 2, timeout: 400, circuitBreaker: false });
    const cached = mint();
    await get(app, cached).expect(200);
    emu.fault('both', { kind: 'hang' });
    const held = await holdAtAmazon(app, [mint(), mint()]);
    const before = { ...emu.calls };

    const refused = await get(app, mint());
    expect([refused.status, refused.body.code]).toEqual([503, 'ERR_LWA_OVERLOADED']);
    expect(refused.headers['www-authenticate']).toBeUndefined();
    expect(emu.calls).toEqual(before);
    // A token the cache knows is not held up by the limit.
    await get(app, cached).expect(200);

    // The held ones end at their deadline; their places come back.
    for (const res of await Promise.all(held)) expect(res.status).toBe(504);
    emu.clearFaults();
    await get(app, mint()).expect(200);
    await strategy.close();
  });

  test('joining a verification of the same token in flight does not count', async () => {
    const { app, strategy } = lwa.app({ maxPending: 1, circuitBreaker: false });
    const token = mint();
    emu.fault('both', { kind: 'latency', ms: 200 }, { times: 1 });
    const [first] = await holdAtAmazon(app, [token]);
    // Ten more requests with the same token: all join the one verification, none is refused.
    const joined = await Promise.all(Array.from({ length: 10 }, () => get(app, token)));
    expect(joined.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((await first).status).toBe(200);
    expect(emu.calls.tokeninfo).toBe(1);
    await strategy.close();
  });

  test('the error: a 503 LwaError with its code, no endpoint (Amazon was not called)', () => {
    const err = new LwaOverloadedError(64);
    expect([err.status, err.code, err.endpoint, err.name]).toEqual([
      503,
      'ERR_LWA_OVERLOADED',
      undefined,
      'LwaOverloadedError',
    ]);
    expect(err.message).toContain('64');
  });

  test.each([
    ['0', 0],
    ['fractional', 1.5],
    ['a string', '8'],
    ['negative', -1],
  ])('maxPending %s throws a TypeError naming it', (_name, maxPending) => {
    expect(() => new Strategy({ clientID: CLIENT_ID, maxPending } as never, acceptAll)).toThrow(/`maxPending`/);
  });
});
