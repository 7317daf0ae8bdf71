/**
 * Where the strategy finds the token, and the form checks that run before any call to Amazon
 * (docs/design.md, Token form): lib/request/extract.ts on its own, request by request.
 */
import {
  ALL_TOKEN_SOURCES,
  extractToken as extractMaybeAsync,
  type Extraction,
  type ExtractionConfig,
  type RequestLike,
  type TokenSource,
} from '../../../lib/request/extract';
import { MAX_TOKEN_BYTES, MIN_TOKEN_BYTES } from '../../../lib/request/token-format';

const TOKEN = `Atza|${'a'.repeat(400)}`;
const OTHER = `Atza|${'b'.repeat(400)}`;

function config(
  sources: readonly TokenSource[] = ALL_TOKEN_SOURCES,
  custom?: (req: RequestLike) => unknown,
): ExtractionConfig {
  return { sources: new Set(sources), custom };
}

/** Extraction is synchronous unless the app's `extractToken` returns a promise: these tests rely on it. */
function extractToken(request: RequestLike, cfg: ExtractionConfig): Extraction {
  const result = extractMaybeAsync(request, cfg);
  if (result instanceof Promise) throw new Error('extraction unexpectedly returned a promise');
  return result;
}

function req(parts: { headers?: Array<[string, string]>; url?: string; query?: unknown; body?: unknown }): RequestLike {
  const raw = (parts.headers ?? []).flat();
  const headers: Record<string, string> = {};
  for (const [k, v] of parts.headers ?? []) headers[k.toLowerCase()] ??= v;
  return { rawHeaders: raw, headers, url: parts.url ?? '/', query: parts.query, body: parts.body };
}

const reason = (r: ReturnType<typeof extractToken>) => (r.kind === 'refusal' ? r.refusal.reason : r.kind);

describe('extractToken', () => {
  test('finds nothing in a bare request', () => {
    expect(extractToken(req({}), config()).kind).toBe('none');
  });

  test.each([
    ['authorization', req({ headers: [['Authorization', `Bearer ${TOKEN}`]] })],
    ['x-amz-access-token', req({ headers: [['x-amz-access-token', TOKEN]] })],
    ['query', req({ query: { access_token: TOKEN } })],
    ['body', req({ body: { access_token: TOKEN } })],
  ] as const)('reads the token from %s', (origin, request) => {
    expect(extractToken(request, config())).toEqual({ kind: 'token', token: TOKEN, origin });
  });

  test.each(['bearer', 'BEARER', 'BeArEr'])('accepts the scheme spelled %s', (scheme) => {
    const r = extractToken(req({ headers: [['authorization', `${scheme} ${TOKEN}`]] }), config());
    expect(r).toMatchObject({ kind: 'token', token: TOKEN });
  });

  test('ignores other schemes and schemes that only share a prefix', () => {
    expect(extractToken(req({ headers: [['authorization', 'Basic dXNlcjpwYXNz']] }), config()).kind).toBe('none');
    expect(extractToken(req({ headers: [['authorization', `Bearerx ${TOKEN}`]] }), config()).kind).toBe('none');
  });

  test('a Bearer scheme with nothing after it is an empty token (400)', () => {
    const r = extractToken(req({ headers: [['authorization', 'Bearer']] }), config());
    expect(r).toMatchObject({ kind: 'refusal', refusal: { status: 400, error: 'invalid_request' } });
  });

  test('reads the query string from the URL when no framework parsed it', () => {
    const r = extractToken({ url: `/x?a=1&access_token=${encodeURIComponent(TOKEN)}` }, config());
    expect(r).toMatchObject({ kind: 'token', token: TOKEN, origin: 'query' });
    const twice = extractToken({ url: `/x?access_token=${encodeURIComponent(TOKEN)}&access_token=x` }, config());
    expect(reason(twice)).toBe('multiple_tokens');
  });

  test('falls back to req.headers, and to req.raw.rawHeaders (Fastify)', () => {
    expect(extractToken({ headers: { 'x-amz-access-token': TOKEN } }, config())).toMatchObject({ kind: 'token' });
    expect(extractToken({ raw: { rawHeaders: ['Authorization', `Bearer ${TOKEN}`] } }, config())).toMatchObject({
      kind: 'token',
    });
  });

  describe('one request, one token', () => {
    const sources: Array<[TokenSource, Parameters<typeof req>[0]]> = [
      ['authorization', { headers: [['authorization', `Bearer ${TOKEN}`]] }],
      ['x-amz-access-token', { headers: [['x-amz-access-token', TOKEN]] }],
      ['query', { query: { access_token: TOKEN } }],
      ['body', { body: { access_token: TOKEN } }],
    ];
    const pairs = sources.flatMap((a, i) => sources.slice(i + 1).map((b) => [a, b] as const));
    test.each(pairs.map(([a, b]) => [a[0], b[0], a[1], b[1]] as const))('%s + %s is a 400', (_a, _b, pa, pb) => {
      const merged = {
        headers: [...(pa.headers ?? []), ...(pb.headers ?? [])],
        query: pa.query ?? pb.query,
        body: pa.body ?? pb.body,
      };
      const r = extractToken(req(merged), config());
      expect(r).toMatchObject({
        kind: 'refusal',
        refusal: { status: 400, error: 'invalid_request', reason: 'multiple_tokens' },
      });
    });

    test('the same token twice counts as two', () => {
      const r = extractToken(
        req({
          headers: [
            ['authorization', `Bearer ${TOKEN}`],
            ['x-amz-access-token', TOKEN],
          ],
        }),
        config(),
      );
      expect(reason(r)).toBe('multiple_tokens');
    });

    test.each([
      ['Authorization', 'authorization', (t: string) => `Bearer ${t}`],
      ['x-amz-access-token', 'X-Amz-Access-Token', (t: string) => t],
    ])('a repeated %s header is a 400', (first, second, value) => {
      const r = extractToken(
        req({
          headers: [
            [first, value(TOKEN)],
            [second, value(OTHER)],
          ],
        }),
        config(),
      );
      expect(reason(r)).toBe('multiple_tokens');
    });

    test('an array in the query or body is a 400', () => {
      expect(reason(extractToken(req({ query: { access_token: [TOKEN, OTHER] } }), config()))).toBe('multiple_tokens');
      expect(reason(extractToken(req({ body: { access_token: [TOKEN] } }), config()))).toBe('multiple_tokens');
    });

    test('extractToken plus a standard source is a 400', () => {
      const r = extractToken(
        req({ headers: [['x-amz-access-token', TOKEN]] }),
        config(ALL_TOKEN_SOURCES, () => OTHER),
      );
      expect(reason(r)).toBe('multiple_tokens');
    });
  });

  test('a disabled source is not read, so it cannot cause a 400 either', () => {
    const r = extractToken(
      req({ headers: [['authorization', `Bearer ${TOKEN}`]], query: { access_token: OTHER } }),
      config(['authorization']),
    );
    expect(r).toMatchObject({ kind: 'token', token: TOKEN, origin: 'authorization' });
  });

  test('the field is always access_token (RFC 6750 §2.2, §2.3): another name is not read', () => {
    const body = extractToken(req({ body: { lwa: TOKEN, access_token: OTHER } }), config(['body']));
    expect(body).toMatchObject({ kind: 'token', token: OTHER, origin: 'body' });
    expect(extractToken(req({ body: { lwa: TOKEN } }), config(['body'])).kind).toBe('none');
    expect(extractToken(req({ query: { lwa: TOKEN } }), config(['query'])).kind).toBe('none');
    expect(extractToken({ url: `/x?lwa=${encodeURIComponent(TOKEN)}` }, config(['query'])).kind).toBe('none');
  });

  test('an extractToken that returns a promise resolves to the same checks', async () => {
    await expect(
      extractMaybeAsync(
        req({}),
        config([], () => Promise.resolve(TOKEN)),
      ),
    ).resolves.toEqual({
      kind: 'token',
      token: TOKEN,
      origin: 'custom',
    });
    await expect(
      extractMaybeAsync(
        req({ headers: [['x-amz-access-token', TOKEN]] }),
        config(ALL_TOKEN_SOURCES, async () => OTHER),
      ),
    ).resolves.toMatchObject({ kind: 'refusal', refusal: { reason: 'multiple_tokens' } });
  });

  test('extractToken reads a token from anywhere (an Alexa request)', () => {
    const alexa = (r: RequestLike) =>
      (r.body as { context: { System: { user: { accessToken?: string } } } }).context.System.user.accessToken;
    const body = { context: { System: { user: { accessToken: TOKEN } } } };
    expect(extractToken(req({ body }), config([], alexa))).toEqual({ kind: 'token', token: TOKEN, origin: 'custom' });
    expect(extractToken(req({ body: { context: { System: { user: {} } } } }), config([], alexa)).kind).toBe('none');
  });

  describe('refused before any call to Amazon', () => {
    test.each([
      ['a number', 42, 400, 'invalid_request'],
      ['an object', { a: 1 }, 400, 'invalid_request'],
      ['an empty string', '', 400, 'invalid_request'],
      ['a token over 2048 bytes', `Atza|${'x'.repeat(MAX_TOKEN_BYTES)}`, 401, 'invalid_token'],
      ['a token under 350 bytes', `Atza|${'x'.repeat(MIN_TOKEN_BYTES - 6)}`, 401, 'invalid_token'],
      ['a space inside', `Atza|ab cd${'x'.repeat(400)}`, 401, 'invalid_token'],
      ['a tab', `Atza|\t${'x'.repeat(400)}`, 401, 'invalid_token'],
      ['CR/LF', `Atza|\r\n${'x'.repeat(400)}`, 401, 'invalid_token'],
      ['a NUL', `Atza|\u0000${'x'.repeat(400)}`, 401, 'invalid_token'],
      ['non-ASCII', `Atza|é${'x'.repeat(400)}`, 401, 'invalid_token'],
      ['no Atza| prefix (a refresh token)', `Atzr|${'x'.repeat(400)}`, 401, 'invalid_token'],
    ])('%s', (_name, value, status, error) => {
      const r = extractToken(req({ body: { access_token: value } }), config());
      expect(r).toMatchObject({ kind: 'refusal', refusal: { status, error } });
    });

    test('exactly 350 bytes is accepted', () => {
      const token = `Atza|${'x'.repeat(MIN_TOKEN_BYTES - 5)}`;
      expect(extractToken(req({ body: { access_token: token } }), config())).toMatchObject({ kind: 'token' });
    });

    test('exactly 2048 bytes is accepted', () => {
      const token = `Atza|${'x'.repeat(MAX_TOKEN_BYTES - 5)}`;
      expect(extractToken(req({ body: { access_token: token } }), config())).toMatchObject({ kind: 'token' });
    });
  });

  test('inherited and __proto__ fields do not count as a token', () => {
    const body = JSON.parse(`{"__proto__": {"access_token": "${TOKEN}"}}`) as unknown;
    expect(extractToken(req({ body }), config()).kind).toBe('none');
    expect(extractToken(req({ body: Object.create({ access_token: TOKEN }) }), config()).kind).toBe('none');
  });

  test('a string or Buffer body is ignored', () => {
    expect(extractToken(req({ body: `access_token=${TOKEN}` }), config()).kind).toBe('none');
    expect(extractToken(req({ body: Buffer.from('x') }), config()).kind).toBe('none');
  });
});
