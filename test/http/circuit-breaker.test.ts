/**
 * The circuit breaker, over HTTP against the emulator: outages in a row open it, an open circuit
 * fails at once without calling Amazon, one probe goes through after the cooldown, and Amazon's
 * refusals never count. The breaker reads the wall clock, which the tests move (Date.now).
 */
import request from 'supertest';
import { CHANNELS, LwaUnavailableError, Strategy, type ChannelMessages } from '../../lib';
import { RETRIES } from '../../lib/defaults';
import { circuitOpen } from '../../lib/errors';
import type { Fault, LwaEmulator } from '../../lib/testing';
import { acceptAll, CLIENT_ID, useEmulator, useMovableClock, recordEvents } from '../support/fixture';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

// The clock: real time plus an offset the tests move (the emulator and the strategy read Date.now).
const advance = useMovableClock();

const events = recordEvents<ChannelMessages['circuit']>(CHANNELS.circuit);

const mint = () => emu.mintToken({ clientID: CLIENT_ID });
const get = (app: Parameters<typeof request>[0], token = mint()) =>
  request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
const calls = () => emu.calls.tokeninfo + emu.calls.profile;

const breaker = { threshold: 3, cooldown: 10_000 };
/** Calls to each endpoint one verification makes when Amazon keeps failing: the first and the one retry. */
const ATTEMPTS = 1 + RETRIES;

describe('opening', () => {
  test.each<[string, Fault, number, string]>([
    ['5xx', { kind: 'status', status: 500 }, 502, 'ERR_LWA_UPSTREAM_STATUS'],
    ['429', { kind: 'rate-limit' }, 503, 'ERR_LWA_RATE_LIMITED'],
    ['connection resets', { kind: 'reset' }, 502, 'ERR_LWA_UPSTREAM_CONNECTION'],
    ['unusable answers', { kind: 'malformed-json' }, 502, 'ERR_LWA_RESPONSE_JSON'],
    ['timeouts', { kind: 'hang' }, 504, 'ERR_LWA_TIMEOUT'],
  ])('%s, threshold times in a row, open it: then a 503 at once, no call', async (_name, fault, status, code) => {
    const { app, strategy } = lwa.app({ circuitBreaker: breaker, timeout: 300 });
    emu.fault('both', fault);
    for (let i = 0; i < breaker.threshold; i++) {
      const res = await get(app);
      expect([res.status, res.body.code]).toEqual([status, code]);
    }
    expect(events).toEqual([{ state: 'open', previous: 'closed', code }]);

    const before = calls();
    const res = await get(app);
    expect([res.status, res.body.code]).toEqual([503, 'ERR_LWA_CIRCUIT_OPEN']);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(calls()).toBe(before);
    await strategy.close();
  });

  test('Amazon’s refusals never count, however many', async () => {
    const { app, strategy } = lwa.app({ circuitBreaker: breaker });
    for (let i = 0; i < 3 * breaker.threshold; i++) await get(app, `Atza|${String(i).padStart(400, 'j')}`).expect(401);
    await get(app, emu.mintToken({ clientID: 'amzn1.application-oa2-client.other' })).expect(401);
    await get(app, emu.mintToken({ clientID: CLIENT_ID, scopes: [] })).expect(403);
    expect(events).toEqual([]);
    await get(app).expect(200);
    await strategy.close();
  });

  test('a success in between starts the count again', async () => {
    const { app, strategy } = lwa.app({ circuitBreaker: breaker });
    for (let round = 0; round < 3; round++) {
      emu.fault('both', { kind: 'status', status: 500 }, { times: ATTEMPTS * (breaker.threshold - 1) });
      for (let i = 0; i < breaker.threshold - 1; i++) await get(app).expect(502);
      emu.clearFaults();
      await get(app).expect(200);
    }
    expect(events).toEqual([]);
    await strategy.close();
  });
});

describe('after the cooldown', () => {
  test('one probe goes through: Amazon still down reopens it, Amazon back closes it', async () => {
    const { app, strategy } = lwa.app({ circuitBreaker: breaker });
    emu.fault('both', { kind: 'status', status: 503 });
    for (let i = 0; i < breaker.threshold; i++) await get(app).expect(502);
    await get(app).expect(503);

    advance(breaker.cooldown - 1_000);
    const early = await get(app).expect(503);
    expect(early.body.code).toBe('ERR_LWA_CIRCUIT_OPEN');

    advance(1_000);
    let before = calls();
    await get(app).expect(502); // the probe, still an outage: both calls, each retried once
    expect(calls()).toBe(before + 2 * ATTEMPTS);
    await get(app).expect(503); // open again
    expect(events.map((e) => e.state)).toEqual(['open', 'half-open', 'open']);

    emu.clearFaults();
    advance(breaker.cooldown);
    before = calls();
    await get(app).expect(200); // the probe succeeds
    expect(calls()).toBe(before + 2);
    await get(app).expect(200);
    expect(events).toEqual([
      { state: 'open', previous: 'closed', code: 'ERR_LWA_UPSTREAM_STATUS' },
      { state: 'half-open', previous: 'open' },
      { state: 'open', previous: 'half-open', code: 'ERR_LWA_UPSTREAM_STATUS' },
      { state: 'half-open', previous: 'open' },
      { state: 'closed', previous: 'half-open' },
    ]);
    await strategy.close();
  });

  test('a refusal is a successful probe: Amazon is answering', async () => {
    const { app, strategy } = lwa.app({ circuitBreaker: breaker });
    emu.fault('both', { kind: 'status', status: 500 }, { times: ATTEMPTS * breaker.threshold });
    for (let i = 0; i < breaker.threshold; i++) await get(app).expect(502);
    advance(breaker.cooldown);
    await get(app, `Atza|${'r'.repeat(400)}`).expect(401);
    expect(events.at(-1)).toEqual({ state: 'closed', previous: 'half-open' });
    await strategy.close();
  });

  test('while the probe is in flight, every other verification still fails at once', async () => {
    const { app, strategy } = lwa.app({ circuitBreaker: breaker, timeout: 300 });
    emu.fault('both', { kind: 'status', status: 500 }, { times: ATTEMPTS * breaker.threshold });
    for (let i = 0; i < breaker.threshold; i++) await get(app).expect(502);
    emu.fault('both', { kind: 'hang' });
    advance(breaker.cooldown);
    const reached = emu.nextRequest();
    const probe = get(app).then((res) => res);
    await reached;
    const other = await get(app);
    expect([other.status, other.body.code]).toEqual([503, 'ERR_LWA_CIRCUIT_OPEN']);
    expect((await probe).status).toBe(504);
    expect(events.map((e) => e.state)).toEqual(['open', 'half-open', 'open']);
    await strategy.close();
  });
});

describe('the option', () => {
  test('circuitBreaker: false never opens', async () => {
    const { app, strategy } = lwa.app({ circuitBreaker: false });
    emu.fault('both', { kind: 'status', status: 500 });
    for (let i = 0; i < 20; i++) await get(app).expect(502);
    expect(events).toEqual([]);
    await strategy.close();
  });

  test('on by default: 5 outages in a row, 10 s', async () => {
    const { app, strategy } = lwa.app();
    emu.fault('both', { kind: 'status', status: 500 });
    for (let i = 0; i < 4; i++) await get(app).expect(502);
    expect(events).toEqual([]);
    await get(app).expect(502);
    expect(events.map((e) => e.state)).toEqual(['open']);
    const res = await get(app).expect(503);
    expect(res.body.code).toBe('ERR_LWA_CIRCUIT_OPEN');
    advance(9_000);
    await get(app).expect(503);
    advance(1_000);
    await get(app).expect(502);
    await strategy.close();
  });

  test('the error: a 503 LwaUnavailableError, no endpoint, seconds until the probe', () => {
    const err = circuitOpen(7);
    expect(err).toBeInstanceOf(LwaUnavailableError);
    expect([err.status, err.code, err.endpoint, err.retryAfterSeconds, err.name]).toEqual([
      503,
      'ERR_LWA_CIRCUIT_OPEN',
      undefined,
      7,
      'LwaUnavailableError',
    ]);
    // While the probe is in flight there is no wait to promise.
    expect(circuitOpen().retryAfterSeconds).toBeUndefined();
  });

  test.each([
    ['a string', 'yes', 'circuitBreaker'],
    ['an unknown setting', { threshhold: 3 }, 'circuitBreaker.threshhold'],
    ['threshold 0', { threshold: 0 }, 'circuitBreaker.threshold'],
    ['threshold over 1000', { threshold: 1001 }, 'circuitBreaker.threshold'],
    ['cooldown 0', { cooldown: 0 }, 'circuitBreaker.cooldown'],
    ['fractional cooldown', { cooldown: 1.5 }, 'circuitBreaker.cooldown'],
  ])('%s throws a TypeError naming it', (_name, circuitBreaker, option) => {
    const make = () => new Strategy({ clientID: CLIENT_ID, circuitBreaker } as never, acceptAll);
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`\`${option}\``);
  });
});
