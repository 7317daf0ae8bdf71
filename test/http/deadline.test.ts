/**
 * `timeout` bounds everything a request waits for, over HTTP against the emulator: a connection
 * that never frees up, a body trickled byte by byte, retries and backoff. Nothing here measures
 * time: a deadline that did not hold would leave a request unanswered (the test's own timeout).
 */
import diagnostics_channel from 'node:diagnostics_channel';
import request from 'supertest';
import { Agent, request as undiciRequest } from 'undici';
import { CHANNELS, type ChannelMessages } from '../../lib';
import type { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, useEmulator } from '../support/fixture';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

const bearer = () => ({ Authorization: `Bearer ${emu.mintToken({ clientID: CLIENT_ID })}` });

const upstream: ChannelMessages['upstream'][] = [];
const onUpstream = (e: unknown): void => void upstream.push(e as ChannelMessages['upstream']);
beforeAll(() => diagnostics_channel.subscribe(CHANNELS.upstream, onUpstream));
afterAll(() => diagnostics_channel.unsubscribe(CHANNELS.upstream, onUpstream));
beforeEach(() => {
  upstream.length = 0;
});

describe('waiting for a connection counts against `timeout`', () => {
  test('a pool whose only connection never frees up: a 504 at the deadline, not an answer never given', async () => {
    // One connection per origin, held by a request of the test's own that Amazon never answers.
    const pool = new Agent({ connections: 1 });
    // A hang ends in a timeout, which is never retried: one tokeninfo call is all there is.
    const { app, strategy } = lwa.app({ dispatcher: pool, timeout: 300, circuitBreaker: false });
    emu.fault('tokeninfo', { kind: 'hang' }, { times: 1 });
    const blocked = emu.nextRequest((r) => r.endpoint === 'tokeninfo');
    const holder = undiciRequest(`${emu.tokenInfoURL}?access_token=x`, { dispatcher: pool }).catch(() => undefined);
    await blocked;
    try {
      const res = await request(app).get('/api/me').set(bearer());
      expect([res.status, res.body.code]).toEqual([504, 'ERR_LWA_TIMEOUT']);
      // The queued tokeninfo call never reached Amazon; the deadline answered for it.
      expect(emu.calls.tokeninfo).toBe(1);
    } finally {
      await pool.destroy();
      await holder;
      await strategy.close();
    }
  });
});

describe('bodies the strategy does not need are cancelled, never drained without a bound', () => {
  test('503s trickling their bodies do not hold the pool: the next user is answered', async () => {
    // Four connections; every call of the first eight users gets a 503 whose body comes a byte
    // every 400 ms (about a minute for the whole body). Draining them would hold all four.
    const pool = new Agent({ connections: 4 });
    const { app, strategy } = lwa.app({ dispatcher: pool, circuitBreaker: false });
    // 8 users x 2 endpoints x 2 attempts (the 503 is retried once).
    emu.fault('both', { kind: 'trickle', status: 503, intervalMs: 400 }, { times: 16 });
    try {
      const first = await Promise.all(Array.from({ length: 8 }, () => request(app).get('/api/me').set(bearer())));
      expect(first.map((r) => `${r.status} ${(r.body as { code: string }).code}`)).toEqual(
        Array.from({ length: 8 }, () => '502 ERR_LWA_UPSTREAM_STATUS'),
      );
      // Amazon is healthy again: a new user gets in, over a pool the trickles no longer hold.
      const next = await request(app).get('/api/me').set(bearer());
      expect(next.status).toBe(200);
    } finally {
      await pool.destroy();
      await strategy.close();
    }
  });

  test('a 200 whose body trickles: the deadline cuts it (504), and the app stays up', async () => {
    const { app, strategy } = lwa.app({ timeout: 300, circuitBreaker: false });
    emu.fault('profile', { kind: 'trickle', intervalMs: 400 }, { times: 1 });
    const res = await request(app).get('/api/me').set(bearer());
    expect([res.status, res.body.code]).toEqual([504, 'ERR_LWA_TIMEOUT']);
    expect((await request(app).get('/api/me').set(bearer())).status).toBe(200);
    await strategy.close();
  });
});

describe('one deadline for the whole verification', () => {
  test('a 503 on every call: one retry at most, the last attempt within `timeout`', async () => {
    const { app, strategy } = lwa.app({ timeout: 400, circuitBreaker: false });
    emu.fault('both', { kind: 'status', status: 503 });
    const res = await request(app).get('/api/me').set(bearer());
    expect([502, 504]).toContain(res.status);
    // The library retries once, and only if the backoff and a last attempt fit in what is left.
    const attempts = upstream.filter((e) => e.endpoint === 'tokeninfo').map((e) => e.attempt);
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    expect(attempts).toEqual([1, 2].slice(0, attempts.length));
    await strategy.close();
  });

  test('a retry that would not fit is not made: Amazon asks for 2 s, 400 ms are left, the 503 comes at once', async () => {
    const { app, strategy } = lwa.app({ timeout: 400, circuitBreaker: false });
    emu.fault('tokeninfo', { kind: 'rate-limit', retryAfter: 2 });
    const res = await request(app).get('/api/me').set(bearer());
    // Not a 504: the strategy did not wait past the deadline for a retry it could not make.
    expect([res.status, res.body.code]).toEqual([503, 'ERR_LWA_RATE_LIMITED']);
    expect(emu.calls.tokeninfo).toBe(1);
    expect(upstream.filter((e) => e.endpoint === 'tokeninfo').map((e) => e.attempt)).toEqual([1]);
    await strategy.close();
  });
});
