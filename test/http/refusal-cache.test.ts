/**
 * Refusals are kept apart from verified verdicts: any number of junk tokens Amazon refuses leaves
 * the verified users cached. Over HTTP against the emulator.
 */
import request from 'supertest';
import type { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, useEmulator, useMovableClock } from '../support/fixture';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

// The clock: real time plus an offset the tests move (the emulator and the strategy read Date.now).
const advance = useMovableClock();

const get = (app: Parameters<typeof request>[0], token: string) =>
  request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
const junk = (i: number) => `Atza|junk${String(i).padStart(400, '0')}`;

describe('refusals never evict verified verdicts', () => {
  test('junk tokens, many times the cache size, leave every verified user cached', async () => {
    const { app, strategy } = lwa.app({ cache: { max: 20 } });
    const users = Array.from({ length: 20 }, () => emu.mintToken({ clientID: CLIENT_ID }));
    for (const token of users) await get(app, token).expect(200);
    for (let i = 0; i < 200; i++) await get(app, junk(i)).expect(401);

    emu.resetCalls();
    for (const token of users) await get(app, token).expect(200);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
    await strategy.close();
  });

  test('refusals are still kept, in their own bounded LRU: the latest ones answer without Amazon', async () => {
    const { app, strategy } = lwa.app({ cache: { max: 20 } });
    for (let i = 0; i < 100; i++) await get(app, junk(i)).expect(401);
    emu.resetCalls();
    // The refusal LRU holds min(max, 1000) = 20: the last 20 are kept, the first ones were pushed out.
    for (let i = 80; i < 100; i++) await get(app, junk(i)).expect(401);
    expect(emu.calls.tokeninfo).toBe(0);
    await get(app, junk(0)).expect(401);
    expect(emu.calls.tokeninfo).toBe(1);
    await strategy.close();
  });

  test('a verified user who is later refused (revoked) is dropped from the verified side', async () => {
    // ttl 10 s: verified verdicts and refusals (min(10 s, ttl)) are both kept 10 s.
    const { app, strategy } = lwa.app({ cache: { ttl: 10_000 } });
    const token = emu.mintToken({ clientID: CLIENT_ID });
    await get(app, token).expect(200);
    emu.revoke(token);
    await get(app, token).expect(200); // the verified verdict still answers
    advance(10_001);
    // Past ttl: the next request asks Amazon, which refuses; the refusal is then what is cached.
    await get(app, token).expect(401);
    emu.resetCalls();
    advance(9_000);
    await get(app, token).expect(401);
    expect(emu.calls.tokeninfo).toBe(0);
    await strategy.close();
  });
});
