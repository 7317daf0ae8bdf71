/**
 * Retries (docs/design.md, Failure behaviour): connection errors, 5xx and 429 only, one retry (the
 * fixed `RETRIES`; the client's `retries` knob exists for these tests only), jittered backoff,
 * `Retry-After` when it fits, all inside one deadline; the Amazon client against the emulator. The
 * clock, the jitter and the wait are injected: no test sleeps, none depends on how long anything
 * took. Retries through the strategy, over HTTP: test/http/talking-to-amazon.test.ts.
 */
import { MockAgent, type Dispatcher } from 'undici';
import { CHANNELS, LwaTimeoutError, LwaUnavailableError, LwaUpstreamError, type ChannelMessages } from '../../../lib';
import { AmazonClient, type AmazonAnswer } from '../../../lib/amazon/client';
import { RETRIES } from '../../../lib/defaults';
import { rateLimited, type LwaError } from '../../../lib/errors';
import { backoffMs, BACKOFF_CAP_MS, isRetryable, retryDelay, type RetryTiming } from '../../../lib/amazon/retry';
import type { Fault } from '../../../lib/testing';
import { recordEvents, useEmulator } from '../../support/fixture';

const lwa = useEmulator();

const events = recordEvents<ChannelMessages['upstream']>(CHANNELS.upstream);

/**
 * A client whose waits are recorded and take no time: `sleep` advances a fake clock by what was
 * asked and resolves at once. `random` is fixed (default 0.5).
 */
function harness(
  options: {
    retries?: number;
    timeout?: number;
    random?: number;
    dispatcher?: Dispatcher;
    sleep?: RetryTiming['sleep'];
    tokenInfoURL?: string;
    profileURL?: string;
  } = {},
) {
  const clock = { now: 0 };
  const waits: number[] = [];
  const timing: Partial<RetryTiming> = {
    random: () => options.random ?? 0.5,
    now: () => clock.now,
    sleep:
      options.sleep ??
      (async (ms) => {
        waits.push(ms);
        clock.now += ms;
      }),
  };
  const client = new AmazonClient({
    tokenInfoURL: options.tokenInfoURL ?? lwa.emu.tokenInfoURL,
    profileURL: options.profileURL ?? lwa.emu.profileURL,
    timeout: options.timeout ?? 5000,
    // Unset: the library's own (RETRIES), as LwaVerifier builds the client.
    retries: options.retries,
    dispatcher: options.dispatcher,
    timing,
  });
  return { client, waits, clock };
}

const failure = (promise: Promise<AmazonAnswer>): Promise<LwaError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: LwaError) => err,
  );

describe('the backoff', () => {
  test('equal jitter: [50, 100) ms before the first retry, doubling, capped', () => {
    expect(backoffMs(1, () => 0)).toBe(50);
    expect(backoffMs(1, () => 0.999)).toBe(99);
    expect(backoffMs(2, () => 0)).toBe(100);
    expect(backoffMs(3, () => 0.5)).toBe(300);
    expect(backoffMs(20, () => 0.999)).toBeLessThan(BACKOFF_CAP_MS);
    expect(backoffMs(20, () => 0)).toBe(BACKOFF_CAP_MS / 2);
  });

  test('what is retryable: connection errors, 5xx, 429; never a timeout, a 4xx or a bad answer', () => {
    const upstream = (code: LwaUpstreamError['code'], status?: number) =>
      new LwaUpstreamError(code, 'profile', 'x', status);
    expect(isRetryable(upstream('ERR_LWA_UPSTREAM_CONNECTION'))).toBe(true);
    expect(isRetryable(upstream('ERR_LWA_UPSTREAM_STATUS', 500))).toBe(true);
    expect(isRetryable(upstream('ERR_LWA_UPSTREAM_STATUS', 503))).toBe(true);
    expect(isRetryable(rateLimited('profile'))).toBe(true);
    expect(isRetryable(rateLimited('profile', 2))).toBe(true);
    expect(isRetryable(upstream('ERR_LWA_UPSTREAM_STATUS', 404))).toBe(false);
    expect(isRetryable(upstream('ERR_LWA_UPSTREAM_STATUS', 302))).toBe(false);
    expect(isRetryable(upstream('ERR_LWA_RESPONSE_JSON', 200))).toBe(false);
    expect(isRetryable(upstream('ERR_LWA_RESPONSE_CONTENT_TYPE', 403))).toBe(false);
    expect(isRetryable(upstream('ERR_LWA_RESPONSE_TOO_LARGE', 200))).toBe(false);
    expect(isRetryable(upstream('ERR_LWA_RESPONSE_SHAPE', 200))).toBe(false);
    expect(isRetryable(new LwaTimeoutError('profile', 100))).toBe(false);
  });

  test('a retry is planned only while the wait and a last attempt fit in what is left', () => {
    const err = new LwaUpstreamError('ERR_LWA_UPSTREAM_STATUS', 'profile', 'x', 500);
    const half = () => 0.5; // backoff 75 ms
    expect(retryDelay(err, 1, 1, 5000, 5000, half)).toBe(75);
    expect(retryDelay(err, 2, 1, 5000, 5000, half)).toBeUndefined(); // retries used up
    expect(retryDelay(err, 1, 0, 5000, 5000, half)).toBeUndefined(); // retries: 0
    expect(retryDelay(err, 1, 1, 75 + 250, 5000, half)).toBe(75); // exactly fits
    expect(retryDelay(err, 1, 1, 75 + 249, 5000, half)).toBeUndefined();
    // A short timeout keeps a quarter of itself for the last attempt.
    expect(retryDelay(err, 1, 1, 75 + 25, 100, half)).toBe(75);
  });
});

describe('what is retried, against the emulator', () => {
  test.each<[string, Fault]>([
    ['500', { kind: 'status', status: 500 }],
    ['502', { kind: 'status', status: 502 }],
    ['503', { kind: 'status', status: 503 }],
    ['504', { kind: 'status', status: 504 }],
    ['an HTML 502 page', { kind: 'html' }],
    ['429 without Retry-After', { kind: 'rate-limit' }],
    ['a connection reset', { kind: 'reset' }],
    ['a reset mid-body', { kind: 'reset-mid-body' }],
  ])('once after %s, and the retry answers', async (_name, fault) => {
    const { client, waits } = harness({ random: 0 });
    lwa.emu.fault('profile', fault, { times: 1 });
    const answer = await client.profile(lwa.mint());
    expect(answer.kind).toBe('answer');
    expect(lwa.emu.calls.profile).toBe(2);
    expect(waits).toEqual([50]);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);
    expect(events[0].code).toBeDefined();
    expect(events[1]).toMatchObject({ endpoint: 'profile', attempt: 2, status: 200 });
    expect(events[1]).not.toHaveProperty('code');
  });

  test.each<[string, Fault, string]>([
    ['500', { kind: 'status', status: 500 }, 'ERR_LWA_UPSTREAM_STATUS'],
    ['429', { kind: 'rate-limit' }, 'ERR_LWA_RATE_LIMITED'],
    ['a reset', { kind: 'reset' }, 'ERR_LWA_UPSTREAM_CONNECTION'],
  ])('a lasting %s: tried 1 + retries times (2 by default), then the last error', async (_name, fault, code) => {
    lwa.emu.fault('tokeninfo', fault);
    // undefined: the library's fixed one retry (RETRIES); the others through the client's test knob.
    expect(RETRIES).toBe(1);
    for (const given of [undefined, 0, 3]) {
      const retries = given ?? RETRIES;
      lwa.emu.resetCalls();
      events.length = 0;
      const { client, waits } = harness({ retries: given, random: 0 });
      const err = await failure(client.tokenInfo(lwa.mint()));
      expect(err.code).toBe(code);
      expect(lwa.emu.calls.tokeninfo).toBe(1 + retries);
      expect(waits).toEqual([50, 100, 200].slice(0, retries));
      expect(events.map((e) => [e.attempt, e.code])).toEqual(
        Array.from({ length: 1 + retries }, (_, i) => [i + 1, code]),
      );
    }
  });

  test.each<[string, Fault | (() => string), string]>([
    ['400 invalid_token (a refusal)', () => `Atza|${'u'.repeat(400)}`, 'refusal'],
    ['401 insufficient_scope (a refusal)', () => lwa.mint({ scopes: [] }), 'refusal'],
    ['404', { kind: 'status', status: 404 }, 'ERR_LWA_UPSTREAM_STATUS'],
    ['403 with an HTML page', { kind: 'html', status: 403 }, 'ERR_LWA_RESPONSE_CONTENT_TYPE'],
    ['a redirect', { kind: 'status', status: 302, body: '' }, 'ERR_LWA_UPSTREAM_STATUS'],
    ['malformed JSON', { kind: 'malformed-json' }, 'ERR_LWA_RESPONSE_JSON'],
    ['a wrong content type', { kind: 'content-type', contentType: 'text/plain' }, 'ERR_LWA_RESPONSE_CONTENT_TYPE'],
    ['an oversized body', { kind: 'oversized', bytes: 200_000 }, 'ERR_LWA_RESPONSE_TOO_LARGE'],
    [
      'a JSON array',
      { kind: 'status', status: 200, body: '[]', contentType: 'application/json' },
      'ERR_LWA_RESPONSE_SHAPE',
    ],
  ])('never after %s', async (_name, setup, outcome) => {
    const { client, waits } = harness({ retries: 3 });
    let token = lwa.mint();
    if (typeof setup === 'function') token = setup();
    else lwa.emu.fault('profile', setup);
    const settled = await client.profile(token).then(
      (answer) => answer.kind,
      (err: LwaError) => err.code,
    );
    expect(settled).toBe(outcome);
    expect(lwa.emu.calls.profile).toBe(1);
    expect(waits).toEqual([]);
  });

  test('a connection refused is retried', async () => {
    const { client } = harness({ profileURL: 'http://127.0.0.1:1/user/profile' });
    const err = await failure(client.profile(lwa.mint()));
    expect(err.code).toBe('ERR_LWA_UPSTREAM_CONNECTION');
    expect(events.map((e) => [e.attempt, e.code])).toEqual([
      [1, 'ERR_LWA_UPSTREAM_CONNECTION'],
      [2, 'ERR_LWA_UPSTREAM_CONNECTION'],
    ]);
  });

  test('a DNS failure (RFC 6761 .invalid, never resolves) is retried, then a 502-class connection error', async () => {
    const { client } = harness({ tokenInfoURL: 'http://lwa-tokeninfo.invalid/auth/o2/tokeninfo' });
    const err = await failure(client.tokenInfo(lwa.mint()));
    expect(err).toBeInstanceOf(LwaUpstreamError);
    expect([err.code, err.status]).toEqual(['ERR_LWA_UPSTREAM_CONNECTION', 502]);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);
  });

  test('no answer: a timeout, not retried (the whole budget is gone)', async () => {
    const { client, waits } = harness({ timeout: 150 });
    lwa.emu.fault('profile', { kind: 'hang' });
    const err = await failure(client.profile(lwa.mint()));
    expect(err).toBeInstanceOf(LwaTimeoutError);
    expect(lwa.emu.calls.profile).toBe(1);
    expect(waits).toEqual([]);
  });

  test("a wait the deadline cuts short ends the call with the last attempt's error (a retry never turns a 502 into a 504)", async () => {
    // The wait never ends by itself: only the deadline's abort stops it.
    const sleep: RetryTiming['sleep'] = (_ms, signal) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      );
    const { client } = harness({ timeout: 150, random: 0, sleep });
    lwa.emu.fault('profile', { kind: 'status', status: 500 });
    const err = await failure(client.profile(lwa.mint()));
    expect(err).toBeInstanceOf(LwaUpstreamError);
    expect([err.code, (err as LwaUpstreamError).upstreamStatus]).toEqual(['ERR_LWA_UPSTREAM_STATUS', 500]);
    expect(lwa.emu.calls.profile).toBe(1);
  });
});

describe('Retry-After', () => {
  test('429 with Retry-After that fits: waits as long as asked, then retries', async () => {
    const { client, waits } = harness({ timeout: 5000 });
    lwa.emu.fault('profile', { kind: 'rate-limit', retryAfter: 2 }, { times: 1 });
    expect((await client.profile(lwa.mint())).kind).toBe('answer');
    expect(waits).toEqual([2000]);
    expect(lwa.emu.calls.profile).toBe(2);
  });

  test('429 with Retry-After: 0 retries after the usual backoff', async () => {
    const { client, waits } = harness({ random: 0 });
    lwa.emu.fault('profile', { kind: 'rate-limit', retryAfter: 0 }, { times: 1 });
    expect((await client.profile(lwa.mint())).kind).toBe('answer');
    expect(waits).toEqual([50]);
  });

  test('429 with Retry-After beyond the deadline: no retry, a 503 that says how long', async () => {
    const { client, waits } = harness({ timeout: 5000 });
    lwa.emu.fault('profile', { kind: 'rate-limit', retryAfter: 5 }); // 5000 ms + a last attempt > 5000 ms
    const err = await failure(client.profile(lwa.mint()));
    expect(err).toBeInstanceOf(LwaUnavailableError);
    expect(err.code).toBe('ERR_LWA_RATE_LIMITED');
    expect((err as LwaUnavailableError).retryAfterSeconds).toBe(5);
    expect(err.status).toBe(503);
    expect(lwa.emu.calls.profile).toBe(1);
    expect(waits).toEqual([]);
  });

  test('429 with Retry-After as an HTTP date', async () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const spy = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      const { client, waits } = harness({ timeout: 5000 });
      lwa.emu.fault('profile', { kind: 'rate-limit', retryAfter: new Date(now + 3000).toUTCString() }, { times: 1 });
      expect((await client.profile(lwa.mint())).kind).toBe('answer');
      expect(waits).toEqual([3000]);
    } finally {
      spy.mockRestore();
    }
  });

  test('the time already spent counts: a retry that no longer fits is not made', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    const { client, clock, waits } = harness({
      dispatcher: mock,
      profileURL: 'http://lwa.test/user/profile',
      timeout: 5000,
    });
    mock
      .get('http://lwa.test')
      .intercept({ path: '/user/profile', method: 'GET' })
      .reply(() => {
        clock.now += 4800; // this attempt took most of the budget
        return {
          statusCode: 500,
          data: '{"error":"ServerError"}',
          responseOptions: { headers: { 'content-type': 'application/json' } },
        };
      });
    const err = await failure(client.profile('Atza|whatever'));
    expect([err.code, (err as LwaUpstreamError).upstreamStatus]).toEqual(['ERR_LWA_UPSTREAM_STATUS', 500]);
    expect(waits).toEqual([]);
    await mock.close();
  });

  test('503 with Retry-After is honoured too', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    const pool = mock.get('http://lwa.test');
    const json = { headers: { 'content-type': 'application/json' } };
    pool
      .intercept({ path: '/user/profile', method: 'GET' })
      .reply(503, '{"error":"ServerError"}', { headers: { ...json.headers, 'retry-after': '1' } });
    pool.intercept({ path: '/user/profile', method: 'GET' }).reply(200, '{"user_id":"amzn1.account.X"}', json);
    const { client, waits } = harness({ dispatcher: mock, profileURL: 'http://lwa.test/user/profile' });
    expect((await client.profile('Atza|whatever')).kind).toBe('answer');
    expect(waits).toEqual([1000]);
    await mock.close();
  });
  test('503 with Retry-After beyond the deadline: no retry, a 502 that says how long', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    mock
      .get('http://lwa.test')
      .intercept({ path: '/user/profile', method: 'GET' })
      .reply(503, '{"error":"ServerError"}', { headers: { 'content-type': 'application/json', 'retry-after': '30' } });
    const { client, waits } = harness({ dispatcher: mock, profileURL: 'http://lwa.test/user/profile' });
    const err = await failure(client.profile('Atza|whatever'));
    expect(err).toBeInstanceOf(LwaUpstreamError);
    expect([err.status, (err as LwaUpstreamError).upstreamStatus, (err as LwaUpstreamError).retryAfterSeconds]).toEqual(
      [502, 503, 30],
    );
    expect(waits).toEqual([]);
    await mock.close();
  });
});
