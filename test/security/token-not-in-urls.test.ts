/**
 * No token in any URL we request. undici publishes every request it makes on its `undici:*`
 * diagnostics channels, and OpenTelemetry's undici instrumentation turns each into a span with
 * `url.full` and `url.query`: an app with tracing on would ship every user's token to its tracing
 * backend if the token rode in a URL. Here both listen while the strategy authenticates requests
 * against the emulator, and no 16-character slice of a token may turn up anywhere but in the two
 * headers that carry it by design (`x-amz-access-token` to tokeninfo, `Authorization` to profile).
 *
 * A request of the test's own with a token in its query string (the form tokeninfo also accepts,
 * which the strategy never uses) goes through the same listeners and must show the token, which
 * proves they could see one.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import passport from 'passport';
import request from 'supertest';
import { request as undiciRequest } from 'undici';
import { Strategy } from '../../lib';
import { LwaEmulator } from '../../lib/testing';

const CLIENT_ID = 'amzn1.application-oa2-client.tracing';

/** Every channel undici publishes a request's life on (undici's lib/core/diagnostics.js). */
const UNDICI_CHANNELS = [
  'undici:client:beforeConnect',
  'undici:client:connected',
  'undici:client:connectError',
  'undici:client:sendHeaders',
  'undici:request:create',
  'undici:request:bodySent',
  'undici:request:bodyChunkSent',
  'undici:request:bodyChunkReceived',
  'undici:request:headers',
  'undici:request:trailers',
  'undici:request:error',
] as const;

/** The headers that carry the token by design. */
const CREDENTIAL_HEADER = /^(authorization|x-amz-access-token)$/i;

// ---------------------------------------------------------------------------------------------
// What the listeners saw

/** Everything but credential header values: URLs, request lines, other headers, statuses, errors. */
const seen: string[] = [];
/** The credential header values, kept apart: the token must be there, and only there. */
const credentials: string[] = [];
/**
 * Amazon's answer bodies, kept apart: they must hold no token either, but tokeninfo's refusal names
 * the `access_token` parameter in its text, which is no URL.
 */
const received: string[] = [];
/** URLs alone (origin + path, and each request line): where the query form puts the token. */
const urls: string[] = [];
const channelsHeard = new Set<string>();

function text(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** A header list in any of undici's forms: [k, v, k, v], a raw `k: v\r\n` block, or an object. */
function headerPairs(headers: unknown): Array<[string, string]> {
  if (Array.isArray(headers)) {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([text(headers[i]), text(headers[i + 1])]);
    return pairs;
  }
  if (typeof headers === 'string') {
    return headers
      .split('\r\n')
      .filter((line) => line !== '')
      .map((line) => {
        const colon = line.indexOf(':');
        return colon === -1 ? ['', line] : [line.slice(0, colon), line.slice(colon + 1).trim()];
      });
  }
  if (typeof headers === 'object' && headers !== null) {
    return Object.entries(headers).map(([k, v]) => [k, text(v)]);
  }
  return [];
}

function keepHeaders(headers: unknown): void {
  for (const [name, value] of headerPairs(headers)) {
    if (CREDENTIAL_HEADER.test(name)) credentials.push(value);
    else seen.push(name, value);
  }
}

interface UndiciMessage {
  request?: { origin?: unknown; path?: unknown; method?: unknown; headers?: unknown };
  headers?: unknown;
  response?: { statusCode?: unknown; headers?: unknown };
  trailers?: unknown;
  error?: { message?: unknown; code?: unknown };
  connectParams?: unknown;
  chunk?: unknown;
}

function onUndiciMessage(name: string, message: UndiciMessage): void {
  channelsHeard.add(name);
  const { request: req } = message;
  if (req) {
    const url = `${text(req.origin)}${text(req.path)}`;
    urls.push(url);
    seen.push(url, text(req.method));
    keepHeaders(req.headers);
  }
  if (name === 'undici:client:sendHeaders' && typeof message.headers === 'string') {
    // The raw request head: its first line is `GET <path> HTTP/1.1`, the rest are headers.
    const [requestLine, ...rest] = message.headers.split('\r\n');
    urls.push(requestLine);
    seen.push(requestLine);
    keepHeaders(rest.join('\r\n'));
  }
  if (message.response) {
    seen.push(text(message.response.statusCode));
    keepHeaders(message.response.headers);
  }
  if (message.trailers !== undefined) keepHeaders(message.trailers);
  if (message.error) seen.push(text(message.error.message), text(message.error.code));
  if (message.connectParams !== undefined) seen.push(text(message.connectParams));
  if (message.chunk !== undefined)
    (name === 'undici:request:bodyChunkReceived' ? received : seen).push(text(message.chunk));
}

/** Whether any 16-character slice of `token`, or its URL-encoded form, is in `haystack`. */
function holdsSliceOf(haystack: string, token: string): boolean {
  for (const form of new Set([token, encodeURIComponent(token)])) {
    for (let i = 0; i + 16 <= form.length; i++) if (haystack.includes(form.slice(i, i + 16))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Tracing as an app would set it up, and undici's channels listened to directly

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const instrumentation = new UndiciInstrumentation();
instrumentation.setTracerProvider(provider);

/** Every string of every finished span: name, attributes, events, status. */
async function spanText(): Promise<string> {
  await provider.forceFlush();
  return exporter
    .getFinishedSpans()
    .map((span) =>
      JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, status: span.status }),
    )
    .join('\n');
}

const listeners = UNDICI_CHANNELS.map((name) => {
  const listener = (message: unknown) => onUndiciMessage(name, message as UndiciMessage);
  return { name, listener };
});

let emu: LwaEmulator;
const strategies: Strategy[] = [];
beforeAll(async () => {
  emu = await LwaEmulator.start();
  for (const { name, listener } of listeners) diagnostics_channel.subscribe(name, listener);
  instrumentation.enable();
});
afterAll(async () => {
  instrumentation.disable();
  for (const { name, listener } of listeners) diagnostics_channel.unsubscribe(name, listener);
  await Promise.all(strategies.map((s) => s.close()));
  await provider.shutdown();
  await emu.close();
});
beforeEach(() => {
  seen.length = 0;
  credentials.length = 0;
  received.length = 0;
  urls.length = 0;
  channelsHeard.clear();
  exporter.reset();
  emu.resetCalls();
});

function appWith() {
  const strategy = new Strategy(
    {
      clientID: CLIENT_ID,
      tokenInfoURL: emu.tokenInfoURL,
      profileURL: emu.profileURL,
    },
    async (_token, profile) => ({ id: profile.id }),
  );
  strategies.push(strategy);
  const pp = new passport.Passport();
  pp.use(strategy);
  const app = express();
  app.get('/api/me', pp.authenticate('amazon-token', { session: false }), (req, res) => {
    res.json(req.user);
  });
  return app;
}

/** A few users signing in, one of them refused by Amazon (an expired token). */
async function signIns(app: express.Express): Promise<string[]> {
  const tokens = [1, 2, 3].map(() => emu.mintToken({ clientID: CLIENT_ID }));
  for (const token of tokens) {
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  }
  const expired = emu.mintToken({ clientID: CLIENT_ID, expiresIn: -1 });
  expect((await request(app).get('/api/me').set('x-amz-access-token', expired)).status).toBe(401);
  return [...tokens, expired];
}

describe('no token in any URL the strategy requests', () => {
  test('no slice of a token in any undici message or any span, but in the credential headers', async () => {
    const tokens = await signIns(appWith());

    // The listeners heard the requests: tokeninfo and profile for each (the two calls run together).
    expect(emu.calls).toEqual({ tokeninfo: 4, profile: 4 });
    expect([...channelsHeard]).toEqual(
      expect.arrayContaining(['undici:request:create', 'undici:client:sendHeaders', 'undici:request:headers']),
    );
    const spans = await spanText();
    expect(exporter.getFinishedSpans()).toHaveLength(8);
    expect(spans).toContain('url.full');
    expect(spans).toContain('/auth/o2/tokeninfo');

    const everythingButCredentials = [...seen, ...urls].join('\n');
    for (const token of tokens) {
      expect(holdsSliceOf(everythingButCredentials, token)).toBe(false);
      expect(holdsSliceOf(received.join('\n'), token)).toBe(false);
      expect(holdsSliceOf(spans, token)).toBe(false);
      // ...and the token did go out, in its headers: the listeners could see it.
      expect(credentials).toContain(token); // x-amz-access-token, to tokeninfo
      expect(credentials).toContain(`Bearer ${token}`); // Authorization, to profile
    }
    expect(everythingButCredentials).not.toContain('access_token');
    expect(emu.requests.filter((r) => r.endpoint === 'tokeninfo').map((r) => r.tokenVia)).toEqual(
      Array(4).fill('x-amz-access-token'),
    );
  });

  test("a URL that carries a token (a request of the test's own): the same listeners do see it, in url.full and url.query and every undici URL", async () => {
    const tokens = [1, 2].map(() => emu.mintToken({ clientID: CLIENT_ID }));
    for (const token of tokens) {
      const res = await undiciRequest(`${emu.tokenInfoURL}?access_token=${encodeURIComponent(token)}`);
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }

    const spans = exporter.getFinishedSpans();
    const tokeninfoSpans = spans.filter((s) => String(s.attributes['url.path']) === '/auth/o2/tokeninfo');
    expect(tokeninfoSpans).toHaveLength(2);
    const spanUrls = tokeninfoSpans.map(
      (s) => `${String(s.attributes['url.full'])} ${String(s.attributes['url.query'])}`,
    );
    for (const token of tokens) {
      expect(spanUrls.some((u) => holdsSliceOf(u, token))).toBe(true);
      expect(holdsSliceOf(urls.join('\n'), token)).toBe(true);
    }
    expect(String(tokeninfoSpans[0].attributes['url.query'])).toMatch(/^\?access_token=Atza%7C/);
    expect(emu.requests.filter((r) => r.endpoint === 'tokeninfo').map((r) => r.tokenVia)).toEqual(['query', 'query']);
  });
});
