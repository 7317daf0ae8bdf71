/**
 * The tracing channel (`passport-lwa-token:authenticate`) through the OpenTelemetry recipe of
 * docs/tracing.md, over HTTP: the recipe (test/support/otel-recipe.ts, the document's block) turns
 * each authentication into an `lwa.authenticate` span of the OpenTelemetry SDK, kept in memory. The
 * channel's contract itself (order of events, nothing when nobody listens): test/unit/tracing.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { SAMPLE_CUSTOMER } from '../../lib/testing';
import { expectNoSliceOf, getMe, OTHER_CLIENT_ID, useEmulator } from '../support/fixture';
import { traceLwaAuthentications } from '../support/otel-recipe';

const lwa = useEmulator();
const exporter = new InMemorySpanExporter();
/** Every span of the file, for the last test. */
const everything = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(everything)],
});

/** Every token a test sent, and every customer detail the emulator answered with. */
const tokens = new Set<string>();
const customers = new Set<string>([SAMPLE_CUSTOMER.name, SAMPLE_CUSTOMER.email]);
const mint = (userID?: string): string => {
  const token = lwa.mint(userID === undefined ? {} : { userID });
  tokens.add(token);
  const info = lwa.emu.tokenInfo(token);
  if (info) customers.add(info.userID);
  return token;
};

let stop: () => void;
beforeAll(() => {
  stop = traceLwaAuthentications(provider.getTracer('tracing.test'));
});
afterAll(async () => {
  stop();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

/** The one span of the last request: its name, attributes and status. */
function onlySpan(): Pick<ReadableSpan, 'name' | 'attributes' | 'status'> {
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  exporter.reset();
  const { name, attributes, status } = spans[0];
  return { name, attributes, status };
}

test('the recipe module is the block of docs/tracing.md', () => {
  const module = readFileSync(join(__dirname, '..', 'support', 'otel-recipe.ts'), 'utf8');
  const code = module
    .slice(module.indexOf('\n\n') + 2)
    .replace("from '../../lib';", "from 'passport-lwa-token';")
    .trimEnd();
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'tracing.md'), 'utf8');
  expect(doc).toContain(`\`\`\`ts\n${code}\n\`\`\`\n`);
});

test('a success, then a cache hit: one span each, the first asked Amazon, the second did not', async () => {
  const { app } = lwa.app();
  const token = mint();
  await getMe(app, token).expect(200);
  expect(onlySpan()).toEqual({
    name: 'lwa.authenticate',
    attributes: {
      'lwa.outcome': 'success',
      'lwa.status': 200,
      'lwa.cache': 'miss',
      'lwa.upstream_attempts': 1,
      'lwa.token_origin': 'authorization',
    },
    status: { code: SpanStatusCode.UNSET },
  });
  await request(app).get('/api/me').query({ access_token: token }).expect(200);
  expect(onlySpan().attributes).toEqual({
    'lwa.outcome': 'success',
    'lwa.status': 200,
    'lwa.cache': 'hit',
    'lwa.upstream_attempts': 0,
    'lwa.token_origin': 'query',
  });
});

test("a refusal: fail, the refusal's status and reason", async () => {
  const { app } = lwa.app();
  const token = lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID });
  tokens.add(token);
  await getMe(app, token).expect(401);
  expect(onlySpan()).toEqual({
    name: 'lwa.authenticate',
    attributes: {
      'lwa.outcome': 'fail',
      'lwa.status': 401,
      'lwa.reason': 'audience_mismatch',
      'lwa.cache': 'miss',
      'lwa.upstream_attempts': 1,
      'lwa.token_origin': 'authorization',
    },
    status: { code: SpanStatusCode.UNSET },
  });
});

test('no token: fail 401 before any verification, so no cache result and no origin', async () => {
  const { app } = lwa.app();
  await request(app).get('/api/me').expect(401);
  expect(onlySpan().attributes).toEqual({
    'lwa.outcome': 'fail',
    'lwa.status': 401,
    'lwa.reason': 'no_token',
    'lwa.upstream_attempts': 0,
  });
});

test('an outage: error, 502, the error code, and an error status, after the one retry', async () => {
  const { app } = lwa.app();
  lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 });
  await getMe(app, mint()).expect(502);
  expect(onlySpan()).toEqual({
    name: 'lwa.authenticate',
    attributes: {
      'lwa.outcome': 'error',
      'lwa.status': 502,
      'lwa.error_code': 'ERR_LWA_UPSTREAM_STATUS',
      'lwa.cache': 'miss',
      'lwa.upstream_attempts': 2,
      'lwa.token_origin': 'authorization',
    },
    status: { code: SpanStatusCode.ERROR, message: 'ERR_LWA_UPSTREAM_STATUS' },
  });
});

test('a retry: two attempts', async () => {
  const { app } = lwa.app();
  lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 }, { times: 1 });
  await getMe(app, mint()).expect(200);
  expect(onlySpan().attributes).toMatchObject({ 'lwa.outcome': 'success', 'lwa.upstream_attempts': 2 });
});

test("a request that joins another's verification: shared, no attempt of its own", async () => {
  const { app } = lwa.app({ timeout: 1000 });
  lwa.emu.fault('both', { kind: 'hang' });
  const token = mint();
  const asked = lwa.emu.nextRequest();
  const first = getMe(app, token).then((res) => res);
  await asked; // the first verification is in flight: the second joins it
  const second = await getMe(app, token);
  await first;
  expect(second.status).toBe(504);
  const spans = exporter.getFinishedSpans().map((span) => span.attributes);
  exporter.reset();
  expect(spans).toHaveLength(2);
  expect(spans).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ 'lwa.cache': 'miss', 'lwa.upstream_attempts': 1, 'lwa.error_code': 'ERR_LWA_TIMEOUT' }),
      expect.objectContaining({
        'lwa.cache': 'shared',
        'lwa.upstream_attempts': 0,
        'lwa.error_code': 'ERR_LWA_TIMEOUT',
      }),
    ]),
  );
});

test('a verdict served stale during an outage: stale, with the attempts that failed (the first and its retry)', async () => {
  const { app } = lwa.app({ cache: { ttl: 60_000 }, circuitBreaker: false });
  const token = mint();
  await getMe(app, token).expect(200);
  exporter.reset();
  const realNow = Date.now.bind(Date);
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 60_001);
  try {
    lwa.emu.fault('both', { kind: 'status', status: 503 });
    await getMe(app, token).expect(200);
  } finally {
    spy.mockRestore();
  }
  expect(onlySpan().attributes).toMatchObject({
    'lwa.outcome': 'success',
    'lwa.cache': 'stale',
    'lwa.upstream_attempts': 2,
  });
});

test('no span holds a slice of a token, or anything of the customer', () => {
  const allSpans = everything.getFinishedSpans();
  expect(allSpans.length).toBeGreaterThanOrEqual(9);
  // Everything a span carries, as an exporter would see it: names, attributes, status, events.
  const seen = allSpans.map(({ name, attributes, status, events, links }) => ({
    name,
    attributes,
    status,
    events,
    links,
  }));
  expectNoSliceOf(tokens, seen);
  const text = JSON.stringify(seen);
  for (const detail of customers) expect(text).not.toContain(detail);
  expect(text).not.toContain('amzn1.account.');
  expect(text).not.toContain(SAMPLE_CUSTOMER.name);
});
