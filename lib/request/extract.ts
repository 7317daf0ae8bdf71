import type { IncomingHttpHeaders } from 'node:http';
import { ACCESS_TOKEN_FIELD } from '../defaults';
import { refusals, type Refusal } from '../refusal';
import { checkTokenFormat } from './token-format';

/**
 * The places a client may put its access token.
 * @example
 * ```ts
 * // Mobile clients send a header; nothing else is read:
 * new Strategy({ clientID, tokenSources: ['authorization'] }, verify);
 * ```
 */
export type TokenSource = 'authorization' | 'x-amz-access-token' | 'body' | 'query';

/**
 * Where the token that was used came from (`'custom'`: the `extractToken` option).
 * @example
 * ```ts
 * diagnostics_channel.subscribe(CHANNELS.outcome, (e) => metrics.increment(`lwa.token_from.${(e as OutcomeEvent).origin}`));
 * ```
 */
export type TokenOrigin = TokenSource | 'custom';

export const ALL_TOKEN_SOURCES: readonly TokenSource[] = Object.freeze([
  'authorization',
  'x-amz-access-token',
  'body',
  'query',
]);

/**
 * The parts of a request extraction reads. Node's `IncomingMessage`, Express, Fastify's and
 * Koa's passport bridges all provide some of these.
 */
export interface RequestLike {
  headers?: IncomingHttpHeaders;
  rawHeaders?: string[];
  raw?: { rawHeaders?: string[] };
  url?: string;
  query?: unknown;
  body?: unknown;
}

export interface ExtractionConfig {
  readonly sources: ReadonlySet<TokenSource>;
  readonly custom: ((req: never) => unknown) | undefined;
}

const NONE: Extraction = Object.freeze({ kind: 'none' });
const BEARER = /^bearer(?:[ \t]+|$)/i;

/** What extraction found: a token and where it came from, a refusal, or no token at all. */
export type Extraction =
  | { readonly kind: 'token'; readonly token: string; readonly origin: TokenOrigin }
  | { readonly kind: 'refusal'; readonly refusal: Refusal }
  | { readonly kind: 'none' };

interface Found {
  readonly value: unknown;
  readonly origin: TokenOrigin;
}

/**
 * Finds the one access token in a request. Every enabled source is read, so that a token sent in
 * two places (or twice in one) is refused rather than silently picking one (RFC 6750 §2).
 * Synchronous unless the app's `extractToken` returned a promise.
 */
export function extractToken(req: RequestLike, config: ExtractionConfig): Extraction | Promise<Extraction> {
  const found: Found[] = [];
  const add = (origin: TokenOrigin) => (value: unknown) => found.push({ value, origin });

  if (config.sources.has('authorization')) {
    for (const value of headerValues(req, 'authorization')) {
      const scheme = BEARER.exec(value);
      // Another scheme (Basic, Digest) belongs to another strategy: not ours to refuse.
      if (scheme) add('authorization')(value.slice(scheme[0].length));
    }
  }
  if (config.sources.has('x-amz-access-token')) {
    headerValues(req, 'x-amz-access-token').forEach(add('x-amz-access-token'));
  }
  if (config.sources.has('query')) queryValues(req, ACCESS_TOKEN_FIELD).forEach(add('query'));
  if (config.sources.has('body')) fieldValues(req.body, ACCESS_TOKEN_FIELD).forEach(add('body'));
  if (!config.custom) return decide(found);
  const value = (config.custom as (req: RequestLike) => unknown)(req);
  if (isThenable(value)) {
    return Promise.resolve(value).then((resolved) => decide(withCustom(found, resolved)));
  }
  return decide(withCustom(found, value));
}

function withCustom(found: Found[], value: unknown): Found[] {
  if (value !== undefined && value !== null) found.push({ value, origin: 'custom' });
  return found;
}

function decide(found: readonly Found[]): Extraction {
  if (found.length === 0) return NONE;
  if (found.length > 1) return { kind: 'refusal', refusal: refusals.multipleTokens };
  const { value, origin } = found[0];
  if (Array.isArray(value)) return { kind: 'refusal', refusal: refusals.multipleTokens };
  if (typeof value !== 'string') return { kind: 'refusal', refusal: refusals.malformedRequest };
  const refusal = checkTokenFormat(value);
  return refusal ? { kind: 'refusal', refusal } : { kind: 'token', token: value, origin };
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Every value of a header. Node keeps only the first of repeated `Authorization` headers in
 * `req.headers`, so the raw list is read where there is one: a repeated header must be seen.
 */
function headerValues(req: RequestLike, name: string): string[] {
  const raw = Array.isArray(req.rawHeaders) ? req.rawHeaders : req.raw?.rawHeaders;
  if (Array.isArray(raw)) {
    const values: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i].length === name.length && raw[i].toLowerCase() === name) values.push(raw[i + 1]);
    }
    return values;
  }
  const value = req.headers?.[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function queryValues(req: RequestLike, field: string): unknown[] {
  // A framework's parsed query is what the app itself sees; fall back to the URL for bare Node.
  if (typeof req.query === 'object' && req.query !== null) return fieldValues(req.query, field);
  const url = req.url;
  if (typeof url !== 'string') return [];
  const mark = url.indexOf('?');
  if (mark === -1) return [];
  return new URLSearchParams(url.slice(mark + 1)).getAll(field);
}

// Own properties only: a body of `{"__proto__": …}` or an inherited field must not count.
function fieldValues(container: unknown, field: string): unknown[] {
  if (typeof container !== 'object' || container === null || Buffer.isBuffer(container)) return [];
  if (!Object.hasOwn(container, field)) return [];
  const value = (container as Record<string, unknown>)[field];
  return value === undefined ? [] : [value];
}
