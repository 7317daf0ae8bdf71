/**
 * No leaks (docs/design.md, Outcomes: "Errors name what failed, never the token"). One run drives every fault scenario of the fault matrix on both
 * endpoints with the token in each of the four places, every refusal, the cache's hits, shared
 * flights and store failures, timeouts, refused connections and DNS failures; it collects every
 * diagnostics event on every `passport-lwa-token:*` channel, every error handed to the app (message,
 * code, stack, enumerable properties, `util.inspect` as a logger prints it, its `cause` chain),
 * every response header (`WWW-Authenticate` included) and body. Then no token, nor any
 * 16-character slice of one, nor the tokeninfo URL that carries it, may appear anywhere in that.
 *
 * The run also checks its own coverage: every error `code`, every refusal reason, every channel
 * and every cache event type must have turned up, so a new scenario cannot silently go unchecked.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { ErrorRequestHandler, Express } from 'express';
import request from 'supertest';
import { Agent, MockAgent } from 'undici';
import {
  CHANNELS,
  type CacheStore,
  type LwaErrorCode,
  type RefusalReason,
  type StrategyOptions,
  type VerifyFunction,
} from '../../lib';
import { AmazonClient } from '../../lib/amazon/client';
import { MAX_RUNNING } from '../../lib/defaults';
import {
  bearer,
  acceptAll,
  expectNoSliceOf,
  OTHER_CLIENT_ID,
  PROFILE_OF_SOMEONE_ELSE,
  TOKENINFO_SAYS_INVALID,
  useEmulator,
  type TestUser,
} from '../support/fixture';
import { ENDPOINTS, FAULT_SCENARIOS, SHORT_TIMEOUT_MS, unresolvableURL } from './fault-scenarios';

const lwa = useEmulator();

// ---------------------------------------------------------------------------------------------
// What is collected

const corpus: string[] = [];
const tokens = new Set<string>();
const seen = {
  codes: new Set<string>(),
  reasons: new Set<string>(),
  channels: new Set<string>(),
  cacheTypes: new Set<string>(),
  circuitStates: new Set<string>(),
  /** The `code` of each error's `cause`: connection failures keep the underlying error. */
  causeCodes: new Set<string>(),
};

/** Every string a logger could print of a value: JSON, inspect, and each enumerable property, recursively. */
function collect(value: unknown, depth = 0): void {
  if (depth > 6 || value === undefined || value === null) return;
  if (typeof value === 'function') {
    corpus.push(value.name);
    return;
  }
  if (typeof value !== 'object') {
    corpus.push(typeof value === 'string' ? value : inspect(value));
    return;
  }
  corpus.push(inspect(value, { depth: null, breakLength: Infinity }));
  try {
    corpus.push(JSON.stringify(value));
  } catch {
    // circular: inspect has it
  }
  if (value instanceof Error) {
    corpus.push(value.message, value.stack ?? '', String(value), value.name);
    collect((value as { cause?: unknown }).cause, depth + 1);
  }
  for (const [key, v] of Object.entries(value)) {
    corpus.push(key);
    collect(v, depth + 1);
  }
}

/** Every channel the library can publish on: CHANNELS, cross-checked against the source. */
function channelsInSource(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/['"`](passport-lwa-token:[\w-]+)['"`]/g)) names.add(m[1]);
      }
    }
  };
  walk(join(__dirname, '..', '..', 'lib'));
  return [...names].sort();
}

const subscribers = new Map<string, (message: unknown) => void>();
/** The tracing channel's context, at each of its events (the context collected is the one object). */
const tracing = diagnostics_channel.tracingChannel<unknown, object>(CHANNELS.authenticate);
const traceSubscribers = {
  start: (context: object) => subscribers.get(CHANNELS.authenticate)?.(context),
  end: (context: object) => subscribers.get(CHANNELS.authenticate)?.(context),
  asyncStart: (context: object) => subscribers.get(CHANNELS.authenticate)?.(context),
  asyncEnd: (context: object) => subscribers.get(CHANNELS.authenticate)?.(context),
  error: (context: object) => subscribers.get(CHANNELS.authenticate)?.(context),
};
beforeAll(() => tracing.subscribe(traceSubscribers));
afterAll(() => tracing.unsubscribe(traceSubscribers));
beforeAll(() => {
  for (const name of Object.values(CHANNELS)) {
    const onMessage = (message: unknown): void => {
      seen.channels.add(name);
      const event = message as { code?: string; reason?: string; type?: string; state?: string };
      if (event.code) seen.codes.add(event.code);
      if (name === CHANNELS.circuit && event.state) seen.circuitStates.add(event.state);
      if (name === CHANNELS.outcome && event.reason) seen.reasons.add(event.reason);
      if (name === CHANNELS.cache && event.type) seen.cacheTypes.add(event.type);
      collect(message);
    };
    subscribers.set(name, onMessage);
    diagnostics_channel.subscribe(name, onMessage);
  }
});
afterAll(() => {
  for (const [name, onMessage] of subscribers) diagnostics_channel.unsubscribe(name, onMessage);
});

// ---------------------------------------------------------------------------------------------
// The app: Express, one strategy, an error handler that keeps what it was given

const captureErrors: ErrorRequestHandler = (err: { status?: number; code?: string }, _req, res, _next) => {
  if (err.code) seen.codes.add(err.code);
  const cause = (err as { cause?: { code?: string } }).cause;
  if (cause?.code) seen.causeCodes.add(cause.code);
  collect(err);
  res.status(err.status ?? 500).json({ code: err.code ?? 'app_error' });
};

/** The strategy on the test app, with an error handler that keeps what it was given. */
const appWith = (options: Partial<StrategyOptions> = {}, verify: VerifyFunction<TestUser> = acceptAll): Express =>
  lwa.app(options, verify, { errorHandler: captureErrors }).app;

type Source = 'authorization' | 'x-amz-access-token' | 'query' | 'body';
const SOURCES: readonly Source[] = ['authorization', 'x-amz-access-token', 'query', 'body'];

/** Sends `token` from `source`, and keeps the token and everything the answer carried. */
async function send(
  app: Express,
  token: string | undefined,
  source: Source = 'authorization',
  extra?: (t: request.Test) => request.Test,
) {
  if (token !== undefined) tokens.add(token);
  let t = request(app).post(
    source === 'query' && token !== undefined ? `/api/me?access_token=${encodeURIComponent(token)}` : '/api/me',
  );
  if (token !== undefined && source === 'authorization') t = t.set(bearer(token));
  if (token !== undefined && source === 'x-amz-access-token') t = t.set('x-amz-access-token', token);
  if (token !== undefined && source === 'body') t = t.send({ access_token: token });
  if (extra) t = extra(t);
  const res = await t;
  corpus.push(JSON.stringify(res.headers), res.text);
  return res;
}

// ---------------------------------------------------------------------------------------------

describe('nothing the library emits or throws carries a token', () => {
  test('every fault scenario, on each endpoint, with the token in each of the four places', async () => {
    // No circuit breaker here: every scenario must reach Amazon and end in its own error (the
    // breaker's own answers are collected in the test below).
    const normal = appWith({ circuitBreaker: false });
    const quick = appWith({ timeout: SHORT_TIMEOUT_MS, circuitBreaker: false });
    for (const scenario of FAULT_SCENARIOS) {
      for (const endpoint of ENDPOINTS) {
        lwa.emu.clearFaults();
        let app = scenario.slow ? quick : normal;
        if (scenario.fault === 'dns')
          app = appWith({
            [endpoint === 'tokeninfo' ? 'tokenInfoURL' : 'profileURL']: unresolvableURL(endpoint),
            circuitBreaker: false,
          });
        else lwa.emu.fault(endpoint, scenario.fault);
        const answers = await Promise.all(SOURCES.map((source) => send(app, lwa.mint(), source)));
        expect(answers.map((r) => r.status)).toEqual(SOURCES.map(() => scenario.status));
      }
    }
    lwa.emu.clearFaults();
    // Passing faults: the retry's success path and its events.
    lwa.emu.fault('both', { kind: 'status', status: 503 }, { times: 1 });
    expect((await send(normal, lwa.mint(), 'query')).status).toBe(200);
    // A port nobody listens on.
    const refused = appWith({
      tokenInfoURL: 'http://127.0.0.1:1/auth/o2/tokeninfo',
      profileURL: 'http://127.0.0.1:1/user/profile',
    });
    expect((await send(refused, lwa.mint(), 'query')).status).toBe(502);
  });

  test('every refusal', async () => {
    const app = appWith();
    const strict = appWith({ appID: 'amzn1.application.mine' });
    // A tenant with no application: the functions give an empty list.
    const closed = appWith({ clientID: () => [] });
    const noApps = appWith({ appID: async () => [] });
    const refusing = appWith({}, async () => false as const);
    const failing = appWith({}, async (_t, profile) => {
      throw Object.assign(new Error(`no account for ${profile.id}`), { status: 500, code: 'APP_ERROR' });
    });
    const expired = lwa.mint();
    lwa.emu.expire(expired);
    const revoked = lwa.mint();
    lwa.emu.revoke(revoked);
    const twice = lwa.mint();

    expect((await send(app, undefined)).status).toBe(401);
    expect((await send(app, twice, 'authorization', (t) => t.query({ access_token: twice }))).status).toBe(400);
    expect((await send(app, '', 'body')).status).toBe(400);
    expect((await send(app, `Atza|${'s3cr3t'.repeat(400)}`, 'body')).status).toBe(401); // too long
    expect((await send(app, `Atza|line\r\nSet-Cookie: stolen=${'k'.repeat(40)}`, 'body')).status).toBe(401);
    expect((await send(app, `Atzr|refresh-${'r'.repeat(60)}`, 'body')).status).toBe(401);
    expect((await send(app, `Atza|never-minted-${'u'.repeat(60)}`)).status).toBe(401);
    expect((await send(app, expired, 'query')).status).toBe(401);
    expect((await send(app, revoked)).status).toBe(401);
    expect((await send(app, lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }), 'query')).status).toBe(401);
    expect((await send(strict, lwa.mint({ appID: 'amzn1.application.other' }))).status).toBe(401);
    expect((await send(closed, lwa.mint(), 'query')).status).toBe(401);
    expect((await send(noApps, lwa.mint(), 'body')).status).toBe(401);
    expect((await send(app, lwa.mint({ scopes: [] }), 'x-amz-access-token')).status).toBe(403);
    expect((await send(refusing, lwa.mint(), 'body')).status).toBe(401);
    expect((await send(failing, lwa.mint(), 'query')).status).toBe(500);
    lwa.emu.fault('profile', PROFILE_OF_SOMEONE_ELSE);
    expect((await send(app, lwa.mint(), 'query')).status).toBe(401);
    lwa.emu.clearFaults();
    lwa.emu.fault('tokeninfo', TOKENINFO_SAYS_INVALID);
    expect((await send(app, lwa.mint(), 'query')).status).toBe(401);
    lwa.emu.clearFaults();
    // A non-string in the body.
    const res = await request(app)
      .post('/api/me')
      .send({ access_token: [lwa.mint(), lwa.mint()] });
    corpus.push(JSON.stringify(res.headers), res.text);
    expect(res.status).toBe(400);
  });

  test('the cache: hits, refusals kept, shared flights, and a store that fails', async () => {
    const app = appWith();
    const token = lwa.mint({ name: 'Cached Customer' });
    for (let i = 0; i < 2; i++) expect((await send(app, token, 'query')).status).toBe(200);
    const bad = lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID });
    for (let i = 0; i < 2; i++) expect((await send(app, bad)).status).toBe(401);
    lwa.emu.setLatency(30); // long enough for the second request to join the first
    const shared = lwa.mint();
    const both = await Promise.all([send(app, shared, 'body'), send(app, shared, 'body')]);
    lwa.emu.setLatency(0);
    expect(both.map((r) => r.status)).toEqual([200, 200]);

    const down = (): Promise<never> => Promise.reject(new Error('store down'));
    const store: CacheStore = { get: down, set: down, delete: down };
    const storeApp = appWith({ cache: { store } });
    expect((await send(storeApp, lwa.mint(), 'query')).status).toBe(200);
  });

  test('a bad day: too many pending, the circuit breaker (open, half-open, closed) and stale verdicts', async () => {
    // Refused for load: as many verifications as the library lets call Amazon hang there, the next
    // token waits its turn and is refused once Amazon's silence says its turn would come too late.
    const wide = new Agent({ connections: 2 * MAX_RUNNING });
    const busy = appWith({ dispatcher: wide, timeout: 5000, circuitBreaker: false });
    lwa.emu.fault('both', { kind: 'hang' });
    const hanging = Array.from({ length: MAX_RUNNING }, () => send(busy, lwa.mint(), 'query'));
    while (lwa.emu.calls.tokeninfo < MAX_RUNNING) await lwa.emu.nextRequest();
    const overloaded = await send(busy, lwa.mint(), 'x-amz-access-token');
    expect([overloaded.status, overloaded.body.code]).toEqual([503, 'ERR_LWA_OVERLOADED']);
    expect(new Set((await Promise.all(hanging)).map((r) => r.status))).toEqual(new Set([504]));
    await wide.close();

    // Open: one outage opens it (threshold 1); the next token fails at once.
    lwa.emu.clearFaults();
    lwa.emu.fault('both', { kind: 'status', status: 500 });
    const tripping = appWith({ circuitBreaker: { threshold: 1, cooldown: 60_000 } });
    expect((await send(tripping, lwa.mint(), 'body')).status).toBe(502);
    expect((await send(tripping, lwa.mint(), 'query')).status).toBe(503);
    // Half-open and closed: with a cooldown of 1 ms, the request after the one that opened it is the probe.
    lwa.emu.clearFaults();
    // Two 500s on each endpoint: the first attempt's and its one retry's.
    lwa.emu.fault('both', { kind: 'status', status: 500 }, { times: 2 });
    const probing = appWith({ circuitBreaker: { threshold: 1, cooldown: 1 } });
    expect((await send(probing, lwa.mint(), 'query')).status).toBe(502);
    const realNow = Date.now.bind(Date);
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 10);
    try {
      expect((await send(probing, lwa.mint(), 'query')).status).toBe(200);
    } finally {
      spy.mockRestore();
    }

    // Stale: a verified verdict past its ttl answers while Amazon is down.
    lwa.emu.clearFaults();
    const staleApp = appWith({ cache: { ttl: 1_000 } });
    const token = lwa.mint({ name: 'Stale Customer' });
    expect((await send(staleApp, token, 'query')).status).toBe(200);
    lwa.emu.fault('both', { kind: 'status', status: 503 });
    const later = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 2_000);
    try {
      const res = await send(staleApp, token, 'query');
      expect([res.status, res.body.authInfo.tokenInfo.stale]).toEqual([200, true]);
    } finally {
      later.mockRestore();
    }
    lwa.emu.clearFaults();
  });

  test('answers only a direct client call sees: bytes that are not UTF-8, a 503 with Retry-After', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    const pool = mock.get('http://lwa.test');
    const json = { 'content-type': 'application/json' };
    pool
      .intercept({ path: (p) => p.startsWith('/auth/o2/tokeninfo'), method: 'GET' })
      .reply(200, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { headers: json });
    pool
      .intercept({ path: '/user/profile', method: 'GET' })
      .reply(503, '{}', { headers: { ...json, 'retry-after': '120' } });
    const client = new AmazonClient({
      tokenInfoURL: 'http://lwa.test/auth/o2/tokeninfo',
      profileURL: 'http://lwa.test/user/profile',
      timeout: 2000,
      retries: 1,
      dispatcher: mock,
    });
    const token = lwa.mint();
    tokens.add(token);
    for (const call of [client.tokenInfo(token), client.profile(token)]) {
      const err: unknown = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      seen.codes.add((err as { code: string }).code);
      collect(err);
    }
    await mock.close();
  });

  test('… and the whole collection holds no token, no slice of one, and no tokeninfo URL', () => {
    // Coverage first: an empty or partial collection would pass the checks below for nothing.
    const ALL_CODES: readonly LwaErrorCode[] = [
      'ERR_LWA_UPSTREAM_STATUS',
      'ERR_LWA_UPSTREAM_CONNECTION',
      'ERR_LWA_RESPONSE_CONTENT_TYPE',
      'ERR_LWA_RESPONSE_JSON',
      'ERR_LWA_RESPONSE_TOO_LARGE',
      'ERR_LWA_RESPONSE_SHAPE',
      'ERR_LWA_RATE_LIMITED',
      'ERR_LWA_TIMEOUT',
      'ERR_LWA_OVERLOADED',
      'ERR_LWA_CIRCUIT_OPEN',
    ];
    const ALL_REASONS: readonly RefusalReason[] = [
      'no_token',
      'multiple_tokens',
      'malformed_request',
      'malformed_token',
      'refresh_token',
      'token_rejected',
      'audience_mismatch',
      'app_id_mismatch',
      'user_id_mismatch',
      'insufficient_scope',
      'user_refused',
      'no_client_ids',
      'no_app_ids',
    ];
    expect([...seen.codes].filter((c) => c.startsWith('ERR_LWA_')).sort()).toEqual([...ALL_CODES].sort());
    expect([...seen.reasons].sort()).toEqual([...ALL_REASONS].sort());
    expect(channelsInSource()).toEqual(Object.values(CHANNELS).sort());
    expect([...seen.channels].sort()).toEqual(Object.values(CHANNELS).sort());
    expect([...seen.cacheTypes].sort()).toEqual(['hit', 'miss', 'shared', 'stale', 'store-error']);
    expect([...seen.circuitStates].sort()).toEqual(['closed', 'half-open', 'open']);
    expect(seen.causeCodes).toContain('ECONNREFUSED');
    expect(tokens.size).toBeGreaterThan(150);

    const text = corpus.join('\n');
    expectNoSliceOf(tokens, text);
    expect(text).not.toContain('access_token');
    expect(text).not.toContain('/auth/o2/tokeninfo');
    expect(text).not.toContain(lwa.emu.url);
  });
});
