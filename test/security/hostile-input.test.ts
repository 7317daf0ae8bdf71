/**
 * Hostile input (docs/design.md, Token form and Outcomes), property-based with fast-check: random headers, queries and
 * bodies (arrays, objects, `__proto__` keys, huge strings, Unicode, CR/LF) never throw out of the
 * strategy, never reach Amazon unless exactly one well-formed token was presented, and never give a
 * `WWW-Authenticate` value Node refuses or that holds a quote, a backslash or part of the token.
 * Amazon's side: random answers never become a success, and profile normalization never throws.
 */
import { validateHeaderValue } from 'node:http';
import express from 'express';
import fc from 'fast-check';
import passport from 'passport';
import request from 'supertest';
import { MockAgent } from 'undici';
import { LwaError, LwaUpstreamError, Strategy, type StrategyOptions } from '../../lib';
import { AmazonClient } from '../../lib/amazon/client';
import { normalizeProfile } from '../../lib/amazon/profile';
import { checkTokenInfo, MAX_EXP_SECONDS } from '../../lib/amazon/token-info';
import {
  acceptAll,
  authenticateOnce as authenticate,
  CLIENT_ID,
  errorHandler,
  expectNoSliceOf,
  useEmulator,
} from '../support/fixture';
import { runs as propertyRuns } from '../properties/settings';

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
/** Nothing any run did may have written to Object.prototype. */
function expectNoPollution(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS);
  expect(({} as Record<string, unknown>).access_token).toBeUndefined();
  expect(({} as Record<string, unknown>).user_id).toBeUndefined();
}
afterEach(expectNoPollution);

/**
 * `HOSTILE_RUNS=10 npx jest test/security/hostile-input` runs every property ten times as often;
 * the seed is the property tests' recorded one (`FC_SEED` picks another).
 */
const FACTOR = Math.max(1, Number(process.env.HOSTILE_RUNS ?? 1) || 1);
const runs = (n: number) => propertyRuns(n * FACTOR);

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** The oracle, written apart from lib/request/token-format.ts: what may be sent to Amazon. */
const wellFormed = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 350 && value.length <= 2048 && /^Atza\|[\x21-\x7e]*$/.test(value);

const visibleChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const nastyChar = fc.oneof(
  visibleChar,
  fc.constantFrom(
    ' ',
    '\t',
    '\r',
    '\n',
    '\r\n',
    '\0',
    '\x7f',
    '"',
    '\\',
    ',',
    ';',
    '=',
    'é',
    '\u2028',
    '\ud800',
    '😀',
    '\u00a0',
  ),
);
const goodToken = fc.string({ unit: visibleChar, minLength: 345, maxLength: 600 }).map((s) => `Atza|${s}`);
const badToken = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: nastyChar, minLength: 1, maxLength: 64 }).map((s) => `Atza|${s}`),
  fc.string({ unit: visibleChar, minLength: 1, maxLength: 64 }),
  fc.integer({ min: 2044, max: 300_000 }).map((n) => `Atza|${'A'.repeat(n)}`),
  fc.constantFrom('', ' ', 'Atzr|a-refresh-token', 'atza|lowercase', 'Atza|\r\nSet-Cookie: x=1', 'Bearer Atza|x'),
);
const candidate = fc.oneof({ weight: 2, arbitrary: goodToken }, { weight: 3, arbitrary: badToken });
/** What a body or query field may hold: strings, and everything a parser can make. */
const fieldValue = fc.oneof(
  { weight: 4, arbitrary: candidate },
  { weight: 1, arbitrary: fc.array(candidate, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 2 })) },
);
const JUNK_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'Access_Token',
  'access_token ',
  'a',
];
const junkEntries = fc.array(
  fc.tuple(
    fc.constantFrom(...JUNK_KEYS),
    fc.oneof(
      goodToken,
      fc.string({ unit: nastyChar, maxLength: 40 }),
      fc.object({ maxDepth: 2 }),
      fc.constant({ access_token: 'Atza|inherited-or-nested-0123456789' }),
    ),
  ),
  { maxLength: 4 },
);

/** An object with these own properties, whatever their names (`__proto__` included), as JSON.parse makes them. */
function ownObject(
  entries: ReadonlyArray<readonly [string, unknown]>,
  proto: object | null = Object.prototype,
): Record<string, unknown> {
  const object = Object.create(proto) as Record<string, unknown>;
  for (const [key, value] of entries)
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

const SCHEMES = ['Bearer ', 'bearer ', 'BEARER\t', 'Bearer   ', 'Basic ', 'Bearerx ', 'Digest '] as const;
const isBearer = (scheme: string) => /^bearer[ \t]/i.test(scheme);

/** One slot per place a token can be, each used 0, 1 or 2 times, plus junk around them. */
const hostileRequest = fc.record({
  authorization: fc.array(
    fc.tuple(fc.constantFrom(...SCHEMES), fc.oneof(candidate, fc.string({ unit: nastyChar, maxLength: 40 }))),
    { maxLength: 2 },
  ),
  amz: fc.array(candidate, { maxLength: 2 }),
  junkHeaders: fc.array(
    fc.tuple(
      fc.constantFrom('X-Forwarded-For', 'Cookie', 'X-Amz-Access-Tokens', 'Authorization-X', 'Proxy-Authorization'),
      fc.string({ unit: nastyChar, maxLength: 40 }),
    ),
    { maxLength: 3 },
  ),
  query: fc.oneof(
    fc.record({
      kind: fc.constant('parsed' as const),
      value: fc.option(fieldValue, { nil: undefined }),
      junk: junkEntries,
      inherit: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('url' as const),
      values: fc.array(fc.oneof(candidate, fc.string({ unit: nastyChar, maxLength: 30 })), { maxLength: 2 }),
      junk: fc.string({ unit: nastyChar, maxLength: 40 }),
    }),
  ),
  body: fc.oneof(
    fc.record({
      kind: fc.constant('object' as const),
      value: fc.option(fieldValue, { nil: undefined }),
      junk: junkEntries,
    }),
    fc.record({
      kind: fc.constant('other' as const),
      value: fc.oneof(
        fc.string({ unit: nastyChar, maxLength: 40 }),
        fc.array(candidate, { maxLength: 2 }),
        fc.constant(undefined),
        fc.constant(null),
        fc.constant(Buffer.from('access_token=Atza|x')),
      ),
    }),
  ),
  custom: fc.option(fieldValue, { nil: undefined }),
});
type HostileRequest = typeof hostileRequest extends fc.Arbitrary<infer T> ? T : never;

const encodable = (s: string): boolean => {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
};

interface Built {
  readonly req: Record<string, unknown>;
  /** The values presented as a token, one per placement, in any order. */
  readonly placements: unknown[];
  /** Every string the request carries as a candidate, for the leak checks. */
  readonly candidates: string[];
}

function build(h: HostileRequest): Built {
  const placements: unknown[] = [];
  const candidates: string[] = [];
  const rawHeaders: string[] = [];
  for (const [scheme, value] of h.authorization) {
    rawHeaders.push('Authorization', scheme + value);
    candidates.push(value);
    // The scheme's white space and the value's leading white space are one separator.
    if (isBearer(scheme)) placements.push(value.replace(/^[ \t]+/, ''));
  }
  for (const value of h.amz) {
    rawHeaders.push('x-amz-access-token', value);
    candidates.push(value);
    placements.push(value);
  }
  for (const [name, value] of h.junkHeaders) rawHeaders.push(name, value);
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    headers[name] = headers[name] === undefined ? rawHeaders[i + 1] : `${headers[name]}, ${rawHeaders[i + 1]}`;
  }

  const req: Record<string, unknown> = { method: 'GET', headers, rawHeaders, url: '/api/me' };
  const collect = (value: unknown) => {
    if (typeof value === 'string') candidates.push(value);
    if (Array.isArray(value)) for (const v of value) collect(v);
  };
  if (h.query.kind === 'parsed') {
    const proto = h.query.inherit ? { access_token: 'Atza|inherited-0123456789abcdef' } : Object.prototype;
    const entries: Array<readonly [string, unknown]> = [...h.query.junk];
    if (h.query.value !== undefined) {
      entries.push(['access_token', h.query.value]);
      placements.push(h.query.value);
      collect(h.query.value);
    }
    req.query = ownObject(entries, proto);
  } else {
    const values = h.query.values.filter(encodable);
    const junk = encodable(h.query.junk) ? encodeURIComponent(h.query.junk) : '';
    req.url = `/api/me?${[`x=${junk}`, ...values.map((v) => `access_token=${encodeURIComponent(v)}`)].join('&')}`;
    placements.push(...values);
    values.forEach(collect);
  }
  if (h.body.kind === 'object') {
    const entries: Array<readonly [string, unknown]> = [...h.body.junk];
    if (h.body.value !== undefined) {
      entries.push(['access_token', h.body.value]);
      placements.push(h.body.value);
      collect(h.body.value);
    }
    req.body = ownObject(entries);
  } else {
    req.body = h.body.value;
  }
  if (h.custom !== undefined) {
    req.custom = h.custom;
    collect(h.custom);
    if (h.custom !== null) placements.push(h.custom);
  }
  return { req, placements, candidates };
}

type Expected = { status: 400 | 401; error?: 'invalid_request' | 'invalid_token'; toAmazon: boolean };

/** What docs/design.md, Outcomes, says should happen, from the placements alone. */
function expected(placements: readonly unknown[]): Expected {
  if (placements.length === 0) return { status: 401, toAmazon: false };
  if (placements.length > 1) return { status: 400, error: 'invalid_request', toAmazon: false };
  const [value] = placements;
  if (typeof value !== 'string' || value === '') return { status: 400, error: 'invalid_request', toAmazon: false };
  if (!wellFormed(value)) return { status: 401, error: 'invalid_token', toAmazon: false };
  return { status: 401, error: 'invalid_token', toAmazon: true }; // the stand-in Amazon refuses every token
}

// ---------------------------------------------------------------------------------------------
// Checks on what the strategy wrote

// The realm is fixed ("Users"): no option or request can put anything else in it.
const CHALLENGE =
  /^Bearer realm="Users"(?:, error="(invalid_request|invalid_token|insufficient_scope)", error_description="([^"\\]*)")?$/;

/** A header value Node accepts, of the RFC 6750 form, sharing no 16-character run with any candidate. */
function expectSafeChallenge(value: string, candidates: readonly string[]): void {
  expect(() => validateHeaderValue('WWW-Authenticate', value)).not.toThrow();
  expect(value).toMatch(CHALLENGE);
  expectNoSliceOf(candidates, value);
}

// ---------------------------------------------------------------------------------------------

describe('hostile requests, straight into Strategy#authenticate', () => {
  // A stand-in Amazon that refuses every token and records what it was sent.
  const mock = new MockAgent();
  mock.disableNetConnect();
  const seen: string[] = [];
  const pool = mock.get('https://lwa.test');
  const refuse = (path: string) =>
    pool
      .intercept({ path: (p) => p.startsWith(path), method: 'GET' })
      .reply((opts) => {
        const h = opts.headers as Record<string, string>;
        seen.push(path === '/user/profile' ? h.authorization.replace(/^Bearer /, '') : h['x-amz-access-token']);
        return {
          statusCode: 400,
          data: '{"error":"invalid_token"}',
          responseOptions: { headers: { 'content-type': 'application/json' } },
        };
      })
      .persist();
  refuse('/auth/o2/tokeninfo');
  refuse('/user/profile');
  afterAll(() => mock.close());

  const strategy = new Strategy(
    {
      clientID: CLIENT_ID,
      tokenInfoURL: 'https://lwa.test/auth/o2/tokeninfo',
      profileURL: 'https://lwa.test/user/profile',
      dispatcher: mock,
      cache: false, // every well-formed token must be seen to reach Amazon
      extractToken: (req) => (req as { custom?: string }).custom,
    },
    acceptAll,
  );

  test('never throws; refuses as the table says; asks Amazon only about one well-formed token', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest, async (h) => {
        const { req, placements, candidates } = build(h);
        const want = expected(placements);
        seen.length = 0;
        const { outcome, headers } = await authenticate(strategy, req);

        expect(outcome.kind).toBe('fail');
        if (outcome.kind !== 'fail') return;
        expect(outcome.status).toBe(want.status);
        expect(typeof outcome.challenge).toBe('string');
        const challenge = outcome.challenge as string;
        expectSafeChallenge(challenge, candidates);
        expect(challenge.match(CHALLENGE)![1]).toBe(want.error);
        for (const [name, value] of headers) {
          expect(name).toBe('WWW-Authenticate');
          expectSafeChallenge(value, candidates);
        }
        if (want.toAmazon) {
          // Tokeninfo, and the profile beside it unless refusals dominate (then tokeninfo alone).
          expect(seen.slice(0, 1)).toEqual([placements[0]]);
          expect(seen.slice(1)).toEqual(seen.length === 2 ? [placements[0]] : []);
        } else {
          expect(seen).toEqual([]);
        }
      }),
      runs(600),
    );
  });

  test('a realm is refused at construction whatever its value (the option was removed), never let into a challenge', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (realm) => {
        const build = () =>
          new Strategy({ clientID: CLIENT_ID, realm, dispatcher: mock } as StrategyOptions, acceptAll);
        expect(build).toThrow(TypeError);
        expect(build).toThrow(/option `realm` was removed/);
      }),
      runs(300),
    );
  });
});

describe('hostile requests over HTTP (Express, qs query parser, JSON and form bodies)', () => {
  const lwa = useEmulator();

  const nodeAccepts = (value: string) => {
    try {
      validateHeaderValue('x', value);
      return true;
    } catch {
      return false;
    }
  };
  // Under Node's 16 KiB header limit and express.json's 100 kB: beyond them, Node or the body
  // parser answers (431, 413) before the strategy runs, which the other tests cover.
  const small = candidate.filter((v) => v.length < 4000);
  const headerValue = fc.oneof(small, fc.string({ unit: nastyChar, maxLength: 40 })).filter(nodeAccepts);
  const jsonBody = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.tuple(small, junkEntries).map(([t, junk]) => JSON.stringify(ownObject([...junk, ['access_token', t]]))),
    small.map(
      (t) => `{"__proto__":{"access_token":${JSON.stringify(t)}},"constructor":{"prototype":{"access_token":"x"}}}`,
    ),
    fc.string({ unit: nastyChar, maxLength: 60 }), // not JSON at all: express.json answers 400
  );
  const rawQuery = fc.oneof(
    fc
      .string({ unit: nastyChar, maxLength: 60 })
      .filter(encodable)
      .map((s) => `access_token=${encodeURIComponent(s)}`),
    small
      .filter(encodable)
      .map((t) => `__proto__[access_token]=${encodeURIComponent(t)}&constructor[prototype][access_token]=x`),
    small.filter(encodable).map((t) => `access_token[]=${encodeURIComponent(t)}&access_token[x]=1`),
    fc.constantFrom(
      'access_token=%0D%0ASet-Cookie:%20x',
      'access_token=%00',
      'access_token',
      'access_token=&access_token=',
      '%E0%A4%A',
    ),
  );
  const httpRequest = fc.record({
    auth: fc.option(
      headerValue.map((v) => `Bearer ${v}`),
      { nil: undefined },
    ),
    amz: fc.option(headerValue, { nil: undefined }),
    query: fc.option(rawQuery, { nil: undefined }),
    body: fc.option(
      fc.record({ type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded'), text: jsonBody }),
      { nil: undefined },
    ),
    minted: fc.boolean(),
  });

  test('every answer is 200, 400 or 401 with a safe challenge; junk never reaches Amazon', async () => {
    const strategy = new Strategy(
      { clientID: CLIENT_ID, tokenInfoURL: lwa.emu.tokenInfoURL, profileURL: lwa.emu.profileURL },
      acceptAll,
    );
    const pp = new passport.Passport();
    pp.use(strategy);
    const app = express();
    app.set('query parser', 'extended');
    app.use(express.json({ strict: false }));
    app.use(express.urlencoded({ extended: true }));
    app.post('/api/me', pp.authenticate('amazon-token', { session: false }), (_req, res) => {
      res.json({ ok: true });
    });
    app.use(errorHandler);

    await fc.assert(
      fc.asyncProperty(httpRequest, async (h) => {
        lwa.emu.resetCalls();
        // Sometimes a real token rides along, in the Authorization header, so successes happen too.
        const token = h.minted ? lwa.mint() : undefined;
        let t = request(app).post(`/api/me${h.query === undefined ? '' : `?${h.query}`}`);
        const auth = token ? `Bearer ${token}` : h.auth;
        if (auth !== undefined) t = t.set('Authorization', auth);
        if (h.amz !== undefined) t = t.set('x-amz-access-token', h.amz);
        if (h.body !== undefined) t = t.set('Content-Type', h.body.type).send(h.body.text);
        const res = await t;

        const candidates = [token, h.auth, h.amz, h.query, h.body?.text].filter(
          (c): c is string => typeof c === 'string',
        );
        // express.json's own 400 for a body that is not JSON comes before the strategy: no challenge.
        expect([200, 400, 401]).toContain(res.status);
        const challenge = res.headers['www-authenticate'] as string | undefined;
        if (res.status === 401) expect(challenge).toBeDefined();
        if (challenge !== undefined) expectSafeChallenge(challenge, candidates);
        const asked = lwa.emu.requests.filter((r) => r.endpoint !== 'other');
        for (const r of asked) {
          if (r.tokenVia === 'authorization')
            expect(wellFormed(r.headers.authorization!.slice('Bearer '.length))).toBe(true);
        }
        if (res.status === 200) expect(token).toBeDefined();
      }),
      runs(150),
    );
    await strategy.close();
  });
});

describe("Amazon's side: random answers", () => {
  const mock = new MockAgent();
  mock.disableNetConnect();
  const pool = mock.get('http://lwa.test');
  afterAll(() => mock.close());
  const client = new AmazonClient({
    tokenInfoURL: 'http://lwa.test/auth/o2/tokeninfo',
    profileURL: 'http://lwa.test/user/profile',
    timeout: 2000,
    retries: 0,
    dispatcher: mock,
  });

  const CONTENT_TYPES = [
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; charset=iso-8859-1',
    'application/problem+json',
    'text/html',
    'text/plain',
    '',
  ];
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
    fc
      .record({ error: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) })
      .map((v) => Buffer.from(JSON.stringify(v))),
    fc
      .record(
        { aud: fc.oneof(fc.string(), fc.integer()), user_id: fc.string(), exp: fc.oneof(fc.integer(), fc.double()) },
        { requiredKeys: [] },
      )
      .map((v) => Buffer.from(JSON.stringify(v))),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.string({ unit: 'binary', maxLength: 64 }).map((s) => Buffer.from(s)),
  );
  const answer = fc.record({
    status: fc.constantFrom(200, 200, 200, 201, 204, 302, 400, 401, 403, 404, 418, 429, 500, 502, 503),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    body,
  });
  const strictJson = (ct: string) => /^application\/json(;\s*charset=utf-8)?$/i.test(ct);

  test('an answer only from a 200 JSON object, a refusal only from Amazon-shaped refusals, else a 5xx-class LwaError', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async ({ status, contentType, body: data }) => {
        pool
          .intercept({ path: '/user/profile', method: 'GET' })
          .reply(status, data, { headers: contentType ? { 'content-type': contentType } : {} });
        const result = await client.profile('Atza|token').then(
          (a) => a,
          (err: unknown) => err,
        );
        let parsed: unknown;
        try {
          parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
        } catch {
          parsed = undefined;
        }
        const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
        if (result instanceof LwaError) {
          expect([502, 503]).toContain(result.status);
          return;
        }
        expect(result).toHaveProperty('kind');
        const a = result as { kind: string };
        if (a.kind === 'answer') {
          expect([status, strictJson(contentType), isObject]).toEqual([200, true, true]);
          expect(Object.prototype.hasOwnProperty.call(parsed, 'error')).toBe(false);
        } else {
          expect(a.kind).toBe('refusal');
          expect(strictJson(contentType)).toBe(true);
          if (status === 200) expect(typeof (parsed as { error: unknown }).error).toBe('string');
          else expect([400, 401, 403]).toContain(status);
        }
      }),
      runs(400),
    );
  });

  test('checkTokenInfo: valid fields, or a 502 shape error; never anything else', () => {
    const field = fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.integer(),
      fc.double(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.object({ maxDepth: 1 }),
    );
    const info = fc
      .tuple(
        fc.record({ aud: field, user_id: field, app_id: field, exp: field, iat: field }, { requiredKeys: [] }),
        junkEntries,
      )
      .map(([fields, junk]) => ownObject([...junk, ...Object.entries(fields)]));
    fc.assert(
      fc.property(info, (json) => {
        let checked;
        try {
          checked = checkTokenInfo(json, 1_000_000);
        } catch (err) {
          expect(err).toBeInstanceOf(LwaUpstreamError);
          expect([(err as LwaUpstreamError).code, (err as LwaUpstreamError).status]).toEqual([
            'ERR_LWA_RESPONSE_SHAPE',
            502,
          ]);
          return;
        }
        expect(typeof checked.aud).toBe('string');
        expect(checked.aud).not.toBe('');
        expect(typeof checked.userID).toBe('string');
        expect(checked.userID).not.toBe('');
        expect(checked.expiresAt >= 1_000_000 && checked.expiresAt <= 1_000_000 + MAX_EXP_SECONDS * 1000).toBe(true);
        expect(checked.appID === undefined || typeof checked.appID === 'string').toBe(true);
      }),
      runs(1000),
    );
  });

  test('normalizeProfile: never throws, never pollutes, only non-empty strings in the fields it sets', () => {
    const value = fc.oneof(
      fc.string({ unit: nastyChar, maxLength: 20 }),
      fc.constant(''),
      fc.constant('   '),
      fc.integer(),
      fc.constant(null),
      fc.object({ maxDepth: 1 }),
      fc.array(fc.string(), { maxLength: 2 }),
    );
    const keys = [
      'user_id',
      'name',
      'email',
      'postal_code',
      'Profile',
      'CustomerId',
      'Name',
      'PrimaryEmail',
      'PostalCode',
      ...JUNK_KEYS,
    ];
    const entries = fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 8 });
    const json = fc.oneof(
      entries.map((e) => ownObject(e)),
      fc.tuple(entries, entries).map(([outer, inner]) => ownObject([...outer, ['Profile', ownObject(inner)]])),
      fc.string({ unit: nastyChar, maxLength: 200 }).map((s) => {
        try {
          const v: unknown = JSON.parse(s);
          return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
        } catch {
          return {};
        }
      }),
    );
    fc.assert(
      fc.property(json, (j) => {
        const p = normalizeProfile(j, 'raw');
        if (p === undefined) return;
        expect(p.provider).toBe('amazon');
        for (const [key, v] of Object.entries(p)) {
          expect(v).not.toBeUndefined();
          if (key === 'id' || key === 'displayName' || key === 'postalCode')
            expect(typeof v === 'string' && v.trim() !== '').toBe(true);
        }
        if (p.emails) {
          expect(p.emails).toHaveLength(1);
          expect(typeof p.emails[0].value).toBe('string');
        }
      }),
      runs(1000),
    );
  });
});
