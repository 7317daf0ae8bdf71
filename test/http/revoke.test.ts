/**
 * Sign-out that sticks: `verifier.revoke(token)` (docs/recipes.md, "Signing out"). One verifier,
 * over HTTP against the emulator: afterwards the token is refused at once (401 `invalid_token`,
 * reason `token_revoked`) without asking Amazon, until the token would have expired and not past
 * it. Verifiers sharing a store: test/redis/revoke.test.ts.
 */
import request from 'supertest';
import { CHANNELS, type CacheStore, type ChannelMessages } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { bearer, expectRefused, recordEvents, useEmulator, useMovableClock } from '../support/fixture';
import { MapStore } from '../support/map-store';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});
const advance = useMovableClock();
const outcomes = recordEvents<ChannelMessages['outcome']>(CHANNELS.outcome);

const get = (app: Parameters<typeof request>[0], token: string) => request(app).get('/api/me').set(bearer(token));
const junk = (i: number) => `Atza|junk${String(i).padStart(400, '0')}`;

describe('through strategy.verifier, as a Passport app signs out', () => {
  test('a revoked token is refused at once: 401 invalid_token, token_revoked, no call to Amazon', async () => {
    const { app, strategy } = lwa.app();
    const token = lwa.mint();
    await get(app, token).expect(200);
    emu.resetCalls();

    await strategy.verifier.revoke(token);
    const res = await get(app, token);
    expectRefused(res, 401, 'invalid_token');
    expect(res.headers['www-authenticate']).toContain('error_description="The access token was revoked"');
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'fail', status: 401, reason: 'token_revoked' });
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
    // Other tokens of the same customer are not touched.
    await get(app, lwa.mint()).expect(200);
  });

  test('a token never verified here is refused too, without asking Amazon', async () => {
    const { app, strategy } = lwa.app();
    const token = lwa.mint();
    await strategy.verifier.revoke(token);
    expectRefused(await get(app, token), 401, 'invalid_token');
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('with cache: false as well', async () => {
    const { app, strategy } = lwa.app({ cache: false });
    const token = lwa.mint();
    await get(app, token).expect(200);
    await strategy.verifier.revoke(token);
    emu.resetCalls();
    expectRefused(await get(app, token), 401, 'invalid_token');
    expect(emu.calls.tokeninfo).toBe(0);
  });
});

describe('one verifier', () => {
  test('verify() resolves the refusal with reason token_revoked', async () => {
    const verifier = lwa.strategy().verifier;
    const token = lwa.mint();
    expect((await verifier.verify(token)).ok).toBe(true);
    await verifier.revoke(token);
    expect(await verifier.verify(token)).toEqual({
      ok: false,
      status: 401,
      reason: 'token_revoked',
      challenge: expect.stringContaining('error="invalid_token"') as unknown,
    });
  });

  test('beats a kept verdict during an outage: no stale answer for a revoked token', async () => {
    const verifier = lwa.strategy({ cache: { ttl: 1_000 } }).verifier;
    const token = lwa.mint();
    await verifier.verify(token);
    advance(2_000); // past ttl, within staleIfError: a stale verdict could stand in
    emu.fault('both', { kind: 'status', status: 503 });
    expect(await verifier.verify(token)).toMatchObject({ ok: true, stale: true });
    await verifier.revoke(token);
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
  });

  test('a verification in flight when revoke is called is not kept as verified', async () => {
    const verifier = lwa.strategy().verifier;
    const token = lwa.mint();
    const asked = emu.nextRequest((r) => r.endpoint === 'tokeninfo');
    const inFlight = verifier.verify(token);
    await asked;
    await verifier.revoke(token);
    expect(await inFlight).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(verifier.cachedEntries).toBe(0);
    emu.resetCalls();
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(emu.calls.tokeninfo).toBe(0);
  });

  test('junk tokens cannot push a revocation out (it is not in the refusals’ LRU)', async () => {
    const { app, strategy } = lwa.app({ cache: { max: 5 } });
    const token = lwa.mint();
    await strategy.verifier.revoke(token);
    for (let i = 0; i < 50; i++) await get(app, junk(i)).expect(401);
    emu.resetCalls();
    expectRefused(await get(app, token), 401, 'invalid_token');
    expect(outcomes.at(-1)).toMatchObject({ reason: 'token_revoked' });
    expect(emu.calls.tokeninfo).toBe(0);
  });

  test('bad input: a non-string is a TypeError; a malformed token needs nothing (it is never accepted)', async () => {
    const verifier = lwa.strategy().verifier;
    await expect(verifier.revoke(42 as never)).rejects.toThrow(TypeError);
    await expect(verifier.revoke('not a token')).resolves.toBeUndefined();
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });
});

describe('until the token would have expired, not past it', () => {
  test('a token verified here: revoked until its expiry, then Amazon answers for it again', async () => {
    const verifier = lwa.strategy().verifier;
    const token = lwa.mint({ expiresIn: 600 });
    await verifier.verify(token);
    await verifier.revoke(token);
    advance(599_000);
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(emu.calls.tokeninfo).toBe(1);
    advance(1_001); // the token has expired: the revocation is gone, and Amazon refuses the token itself
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_rejected' });
    expect(emu.calls.tokeninfo).toBe(2);
  });

  test('a token whose expiry is unknown here: revoked for an hour (an access token’s longest life)', async () => {
    const verifier = lwa.strategy().verifier;
    const token = lwa.mint({ expiresIn: 3600 });
    await verifier.revoke(token);
    advance(3_599_000);
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_revoked' });
    advance(1_001);
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'token_rejected' });
  });
});

describe('the bound: 100,000 revocations in force in one process (docs/recipes.md, "Signing out")', () => {
  const BOUND = 100_000;
  const revokeMany = async (verifier: { revoke(token: string): Promise<void> }, count: number) => {
    for (let i = 0; i < count; i++) await verifier.revoke(junk(i));
  };

  test('while the store works, every revoke resolves past it: the store is the record', async () => {
    const verifier = lwa.strategy({ cache: { store: new MapStore(true) } }).verifier;
    await revokeMany(verifier, BOUND + 1);
    // The first one is forgotten in this process, not in the store.
    expect(await verifier.verify(junk(0))).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(await verifier.verify(junk(BOUND))).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(emu.calls.tokeninfo).toBe(0);
  }, 60_000);

  test('with the store down, the next one past it rejects with a RangeError; none held is dropped', async () => {
    const down: CacheStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    };
    const verifier = lwa.strategy({ cache: { store: down } }).verifier;
    await revokeMany(verifier, BOUND);
    await expect(verifier.revoke(junk(BOUND))).rejects.toThrow(RangeError);
    expect(await verifier.verify(junk(0))).toMatchObject({ ok: false, reason: 'token_revoked' });
    expect(emu.calls.tokeninfo).toBe(0);
  }, 60_000);
});
