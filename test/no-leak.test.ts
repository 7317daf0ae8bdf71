/**
 * No leaks (issue 4, item 4). One run drives every fault scenario of the fault matrix on both
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
import express, { type ErrorRequestHandler } from 'express';
import passport from 'passport';
import request from 'supertest';
import { MockAgent } from 'undici';
import {
  CHANNELS,
  Strategy,
  type CacheStore,
  type LwaErrorCode,
  type RefusalReason,
  type StrategyOptions,
  type VerifyFunction,
} from '../lib';
import { AmazonClient } from '../lib/amazon-client';
import type { LwaEmulator } from '../lib/testing';
import { acceptAll, CLIENT_ID } from './support/app';
import { useEmulator } from './support/emulator';
import { ENDPOINTS, FAULT_SCENARIOS, SHORT_TIMEOUT_MS, unresolvableURL } from './support/fault-scenarios';

let emu: LwaEmulator;
useEmulator((started) => {
  emu = started;
});

// ---------------------------------------------------------------------------------------------
// What is collected

const corpus: string[] = [];
const tokens = new Set<string>();
const seen = {
  codes: new Set<string>(),
  reasons: new Set<string>(),
  channels: new Set<string>(),
  cacheTypes: new Set<string>(),
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
  corpus.push(inspect(value, { depth: 8, breakLength: Infinity }));
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
  walk(join(__dirname, '..', 'lib'));
  return [...names].sort();
}

const subscribers = new Map<string, (message: unknown) => void>();
beforeAll(() => {
  for (const name of Object.values(CHANNELS)) {
    const onMessage = (message: unknown): void => {
      seen.channels.add(name);
      const event = message as { code?: string; reason?: string; type?: string };
      if (event.code) seen.codes.add(event.code);
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
  collect(err);
  res.status(err.status ?? 500).json({ code: err.code ?? 'app_error' });
};

const strategies: Strategy[] = [];
afterAll(() => Promise.all(strategies.map((s) => s.close())));

function appWith(options: Partial<StrategyOptions> = {}, verify: VerifyFunction<{ id: string }> = acceptAll) {
  const strategy = new Strategy(
    { clientID: CLIENT_ID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL, timeout: 2000, ...options },
    verify,
  );
  strategies.push(strategy);
  const pp = new passport.Passport();
  pp.use(strategy);
  const app = express();
  app.use(express.json());
  app.post('/api/me', pp.authenticate('amazon-token', { session: false }), (req, res) => {
    res.json({ user: req.user, authInfo: req.authInfo });
  });
  app.use(captureErrors);
  return app;
}

type Source = 'authorization' | 'x-amz-access-token' | 'query' | 'body';
const SOURCES: readonly Source[] = ['authorization', 'x-amz-access-token', 'query', 'body'];

/** Sends `token` from `source`, and keeps the token and everything the answer carried. */
async function send(
  app: express.Express,
  token: string | undefined,
  source: Source = 'authorization',
  extra?: (t: request.Test) => request.Test,
) {
  if (token !== undefined) tokens.add(token);
  let t = request(app).post(
    source === 'query' && token !== undefined ? `/api/me?access_token=${encodeURIComponent(token)}` : '/api/me',
  );
  if (token !== undefined && source === 'authorization') t = t.set('Authorization', `Bearer ${token}`);
  if (token !== undefined && source === 'x-amz-access-token') t = t.set('x-amz-access-token', token);
  if (token !== undefined && source === 'body') t = t.send({ access_token: token });
  if (extra) t = extra(t);
  const res = await t;
  corpus.push(JSON.stringify(res.headers), res.text);
  return res;
}

const mint = (extra: Partial<Parameters<LwaEmulator['mintToken']>[0]> = {}) =>
  emu.mintToken({ clientId: CLIENT_ID, ...extra });

// ---------------------------------------------------------------------------------------------

describe('nothing the library emits or throws carries a token', () => {
  test('every fault scenario, on each endpoint, with the token in each of the four places', async () => {
    const normal = appWith();
    const quick = appWith({ timeout: SHORT_TIMEOUT_MS });
    for (const scenario of FAULT_SCENARIOS) {
      for (const endpoint of ENDPOINTS) {
        emu.clearFaults();
        let app = scenario.slow ? quick : normal;
        if (scenario.fault === 'dns')
          app = appWith({ [endpoint === 'tokeninfo' ? 'tokenInfoURL' : 'profileURL']: unresolvableURL(endpoint) });
        else emu.fault(endpoint, scenario.fault);
        const answers = await Promise.all(SOURCES.map((source) => send(app, mint(), source)));
        expect(answers.map((r) => r.status)).toEqual(SOURCES.map(() => scenario.status));
      }
    }
    emu.clearFaults();
    // Passing faults: the retry's success path and its events.
    emu.fault('both', { kind: 'status', status: 503 }, { times: 1 });
    expect((await send(normal, mint(), 'query')).status).toBe(200);
    // A port nobody listens on.
    const refused = appWith({
      tokenInfoURL: 'http://127.0.0.1:1/auth/o2/tokeninfo',
      profileURL: 'http://127.0.0.1:1/user/profile',
    });
    expect((await send(refused, mint(), 'query')).status).toBe(502);
  });

  test('every refusal', async () => {
    const app = appWith();
    const strict = appWith({ appID: 'amzn1.application.mine' });
    const refusing = appWith({}, async () => false as const);
    const failing = appWith({}, async (_t, profile) => {
      throw Object.assign(new Error(`no account for ${profile.id}`), { status: 500, code: 'APP_ERROR' });
    });
    const expired = mint();
    emu.expire(expired);
    const revoked = mint();
    emu.revoke(revoked);
    const twice = mint();

    expect((await send(app, undefined)).status).toBe(401);
    expect((await send(app, twice, 'authorization', (t) => t.query({ access_token: twice }))).status).toBe(400);
    expect((await send(app, '', 'body')).status).toBe(400);
    expect((await send(app, `Atza|${'s3cr3t'.repeat(400)}`, 'body')).status).toBe(401); // too long
    expect((await send(app, `Atza|line\r\nSet-Cookie: stolen=${'k'.repeat(40)}`, 'body')).status).toBe(401);
    expect((await send(app, `Atzr|refresh-${'r'.repeat(60)}`, 'body')).status).toBe(401);
    expect((await send(app, `Atza|never-minted-${'u'.repeat(60)}`)).status).toBe(401);
    expect((await send(app, expired, 'query')).status).toBe(401);
    expect((await send(app, revoked)).status).toBe(401);
    expect((await send(app, emu.mintToken({ clientId: 'amzn1.application-oa2-client.other' }), 'query')).status).toBe(
      401,
    );
    expect((await send(strict, mint({ appId: 'amzn1.application.other' }))).status).toBe(401);
    expect((await send(app, mint({ scopes: [] }), 'x-amz-access-token')).status).toBe(403);
    expect((await send(refusing, mint(), 'body')).status).toBe(401);
    expect((await send(failing, mint(), 'query')).status).toBe(500);
    emu.fault('profile', {
      kind: 'status',
      status: 200,
      contentType: 'application/json',
      body: '{"user_id":"amzn1.account.SOMEONEELSE"}',
    });
    expect((await send(app, mint(), 'query')).status).toBe(401);
    emu.clearFaults();
    emu.fault('tokeninfo', {
      kind: 'status',
      status: 200,
      contentType: 'application/json',
      body: '{"error":"invalid_token"}',
    });
    expect((await send(app, mint(), 'query')).status).toBe(401);
    emu.clearFaults();
    // A non-string in the body.
    const res = await request(app)
      .post('/api/me')
      .send({ access_token: [mint(), mint()] });
    corpus.push(JSON.stringify(res.headers), res.text);
    expect(res.status).toBe(400);
  });

  test('the cache: hits, refusals kept, shared flights, and a store that fails', async () => {
    const app = appWith();
    const token = mint({ name: 'Cached Customer' });
    for (let i = 0; i < 2; i++) expect((await send(app, token, 'query')).status).toBe(200);
    const bad = emu.mintToken({ clientId: 'amzn1.application-oa2-client.other' });
    for (let i = 0; i < 2; i++) expect((await send(app, bad)).status).toBe(401);
    emu.setLatency(30); // long enough for the second request to join the first
    const shared = mint();
    const both = await Promise.all([send(app, shared, 'body'), send(app, shared, 'body')]);
    emu.setLatency(0);
    expect(both.map((r) => r.status)).toEqual([200, 200]);

    const down = (): Promise<never> => Promise.reject(new Error('store down'));
    const store: CacheStore = { get: down, set: down, delete: down };
    const storeApp = appWith({ cache: { store } });
    expect((await send(storeApp, mint(), 'query')).status).toBe(200);
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
    const token = mint();
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
    ];
    expect([...seen.codes].filter((c) => c.startsWith('ERR_LWA_')).sort()).toEqual([...ALL_CODES].sort());
    expect([...seen.reasons].sort()).toEqual([...ALL_REASONS].sort());
    expect(channelsInSource()).toEqual(Object.values(CHANNELS).sort());
    expect([...seen.channels].sort()).toEqual(Object.values(CHANNELS).sort());
    expect([...seen.cacheTypes].sort()).toEqual(['hit', 'miss', 'shared', 'store-error']);
    expect(tokens.size).toBeGreaterThan(150);

    const text = corpus.join('\n');
    // Every 16-character window of what was collected, to look each token slice up at once.
    const windows = new Set<string>();
    for (let i = 0; i + 16 <= text.length; i++) windows.add(text.slice(i, i + 16));
    const leaks: string[] = [];
    for (const token of tokens) {
      for (let i = 0; i + 16 <= token.length; i++) {
        if (windows.has(token.slice(i, i + 16))) {
          leaks.push(`${token.slice(0, 12)}… at ${i}: ${JSON.stringify(token.slice(i, i + 16))}`);
          break;
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(text).not.toContain('access_token');
    expect(text).not.toContain('/auth/o2/tokeninfo');
    expect(text).not.toContain(emu.url);
  });
});
