import { Agent, request, type Dispatcher } from 'undici';
import { LwaError, LwaTimeoutError, LwaUpstreamError, rateLimited, type LwaEndpoint } from '../errors';
import { publishUpstream } from '../observability/events';
import { Deadline } from './deadline';
import {
  DEFAULT_CONNECTIONS,
  DISCARD_GRACE_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  RETRIES,
} from '../defaults';
import { nestsDeeperThan } from './json-depth';
import { BodyEncodingError, BodyTooLargeError, discardBody, readBody } from './read-body';
import { DEFAULT_TIMING, retryDelay, type RetryTiming } from './retry';
import { traceAttempt } from '../observability/tracing';
import { VERSION } from '../version';

/**
 * What Amazon said about a token. `answer` is a 200 with a JSON object; `refusal` is Amazon's
 * definite "no" (a 4xx other than 429, or a 200 carrying an `error` key). Everything else is thrown
 * as an {@link LwaError}.
 */
export type AmazonAnswer =
  | { readonly kind: 'answer'; readonly json: Readonly<Record<string, unknown>>; readonly raw: string }
  | { readonly kind: 'refusal'; readonly status: number; readonly error: string | undefined };

interface AmazonClientConfig {
  readonly tokenInfoURL: string;
  readonly profileURL: string;
  /** Milliseconds for one call, its retries included, when the caller passes no {@link Deadline}. */
  readonly timeout: number;
  /** Retries after a connection error, a 5xx or a 429 (tests set it; the library uses {@link RETRIES}). */
  readonly retries?: number;
  readonly dispatcher: Dispatcher | undefined;
  /** The retry loop's clock, jitter and wait; tests replace them. */
  readonly timing?: Partial<RetryTiming>;
}

/**
 * The statuses Amazon documents for a refused token (400 invalid_request/invalid_token, 401
 * insufficient_scope) and 403. Any other 4xx (a 404 from a mistyped proxy URL, say) is not a verdict
 * on the token: answering it with 401 would log users out over a configuration error.
 */
const REFUSAL_STATUSES = new Set([400, 401, 403]);

const BASE_HEADERS = Object.freeze({
  accept: 'application/json',
  'accept-language': 'en-US',
  'user-agent': `passport-lwa-token/${VERSION}`,
});

/** The two calls to Login with Amazon, over one keep-alive pool. */
export class AmazonClient {
  private readonly tokenInfoURL: string;
  private readonly profileURL: string;
  private readonly timeout: number;
  private readonly retries: number;
  private readonly timing: RetryTiming;
  private readonly dispatcher: Dispatcher;
  /** Only a pool we created is ours to close. */
  private readonly ownsDispatcher: boolean;

  constructor(config: AmazonClientConfig) {
    this.tokenInfoURL = config.tokenInfoURL;
    this.profileURL = config.profileURL;
    this.timeout = config.timeout;
    this.retries = config.retries ?? RETRIES;
    this.timing = { ...DEFAULT_TIMING, ...config.timing };
    this.ownsDispatcher = config.dispatcher === undefined;
    this.dispatcher =
      config.dispatcher ?? new Agent({ connections: DEFAULT_CONNECTIONS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });
  }

  /** Closes the pool if the client created it. */
  async close(): Promise<void> {
    // Bun answers `undici` with a stand-in of its own, whose Agent has no close(): nothing to release.
    if (this.ownsDispatcher && typeof this.dispatcher.close === 'function') await this.dispatcher.close();
  }

  /**
   * `GET /auth/o2/tokeninfo`: who the token was issued to. The token goes in `x-amz-access-token`,
   * not the URL, unless the query form was asked for: HTTP clients publish every URL they request
   * (undici's diagnostics channels, and tracing built on them), and proxies log it. Bounded by
   * `deadline` (the verification's), or by a `timeout` of its own when none is given. The attempts
   * are counted in the authentication's trace, if one is being traced.
   */
  tokenInfo(token: string, deadline?: Deadline): Promise<AmazonAnswer> {
    const headers = { ...BASE_HEADERS, 'x-amz-access-token': token };
    return this.get('tokeninfo', this.tokenInfoURL, headers, deadline);
  }

  /** `GET /user/profile` with the token as a bearer credential; bounded and counted as {@link tokenInfo} is. */
  profile(token: string, deadline?: Deadline): Promise<AmazonAnswer> {
    const headers = { ...BASE_HEADERS, authorization: `Bearer ${token}` };
    return this.get('profile', this.profileURL, headers, deadline);
  }

  /**
   * One call: attempts until an answer, a final error, the last retry or the deadline. The deadline
   * bounds every attempt (the wait for a free connection included) and every backoff.
   */
  private async get(
    endpoint: LwaEndpoint,
    url: string,
    headers: Record<string, string>,
    given: Deadline | undefined,
  ): Promise<AmazonAnswer> {
    const deadline = given ?? new Deadline(this.timeout, this.timing.now);
    try {
      return await this.attempts(endpoint, url, headers, deadline);
    } finally {
      if (given === undefined) deadline.dispose();
    }
  }

  private async attempts(
    endpoint: LwaEndpoint,
    url: string,
    headers: Record<string, string>,
    deadline: Deadline,
  ): Promise<AmazonAnswer> {
    const { now, random, sleep } = this.timing;
    const timeout = deadline.timeoutMs;
    const timedOut = (): LwaTimeoutError => new LwaTimeoutError(endpoint, timeout);
    for (let attempt = 1; ; attempt++) {
      if (deadline.expired) throw timedOut();
      // The two calls run at once: the trace keeps the most attempts either made.
      traceAttempt(attempt);
      const started = now();
      const seen: { status?: number } = {};
      try {
        const answer = await deadline.race(this.attempt(endpoint, url, headers, deadline.signal, seen), timedOut);
        publishUpstream({ endpoint, attempt, status: seen.status!, durationMs: now() - started });
        return answer;
      } catch (err) {
        const error = this.asLwaError(endpoint, err, deadline.expired, timeout);
        publishUpstream({
          endpoint,
          attempt,
          ...(seen.status === undefined ? {} : { status: seen.status }),
          code: error.code,
          durationMs: now() - started,
        });
        const wait = retryDelay(error, attempt, this.retries, deadline.remaining(), timeout, random);
        if (wait === undefined) throw error;
        try {
          await sleep(wait, deadline.signal);
        } catch {
          throw timedOut();
        }
      }
    }
  }

  /** One request and its answer; `seen.status` is set as soon as the status line arrives. */
  private async attempt(
    endpoint: LwaEndpoint,
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    seen: { status?: number },
  ): Promise<AmazonAnswer> {
    const res = await request(url, { method: 'GET', headers, dispatcher: this.dispatcher, signal });
    seen.status = res.statusCode;
    return interpret(endpoint, res);
  }

  private asLwaError(endpoint: LwaEndpoint, err: unknown, timedOut: boolean, timeout: number): LwaError {
    if (timedOut) return new LwaTimeoutError(endpoint, timeout);
    if (err instanceof LwaError) return err;
    // undici's own error carries the request; keep only its code, never the URL with the token.
    return new LwaUpstreamError('ERR_LWA_UPSTREAM_CONNECTION', endpoint, `connection failed (${errorCode(err)})`);
  }
}

/** Turns one HTTP answer into an {@link AmazonAnswer}, or throws the {@link LwaError} it amounts to. */
async function interpret(endpoint: LwaEndpoint, res: Dispatcher.ResponseData): Promise<AmazonAnswer> {
  const { statusCode: status, headers, body } = res;
  if (status === 429) {
    discardBody(body, DISCARD_GRACE_MS);
    throw rateLimited(endpoint, retryAfterSeconds(headers['retry-after']));
  }
  if (REFUSAL_STATUSES.has(status)) {
    // Amazon's refusals are JSON. An HTML 403 is a proxy or a firewall talking, not Amazon judging
    // the token: answering it with 401 would log every user out.
    if (!isJson(headers['content-type'])) {
      discardBody(body, DISCARD_GRACE_MS);
      throw new LwaUpstreamError(
        'ERR_LWA_RESPONSE_CONTENT_TYPE',
        endpoint,
        `HTTP ${status} answer is not application/json`,
        status,
      );
    }
    // Amazon's definite "no". The body only tells which kind (insufficient_scope matters).
    return { kind: 'refusal', status, error: await errorKey(body, headers) };
  }
  if (status !== 200) {
    discardBody(body, DISCARD_GRACE_MS);
    const wait = status >= 500 ? retryAfterSeconds(headers['retry-after']) : undefined;
    throw new LwaUpstreamError('ERR_LWA_UPSTREAM_STATUS', endpoint, `unexpected HTTP status ${status}`, status, wait);
  }
  if (!isJson(headers['content-type'])) {
    discardBody(body, DISCARD_GRACE_MS);
    throw new LwaUpstreamError('ERR_LWA_RESPONSE_CONTENT_TYPE', endpoint, 'answer is not application/json', status);
  }
  let raw: string;
  try {
    raw = await readBody(body, MAX_BODY_BYTES, headers['content-length']);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new LwaUpstreamError(
        'ERR_LWA_RESPONSE_TOO_LARGE',
        endpoint,
        `answer exceeds ${MAX_BODY_BYTES} bytes`,
        status,
      );
    }
    if (err instanceof BodyEncodingError) {
      throw new LwaUpstreamError('ERR_LWA_RESPONSE_JSON', endpoint, 'answer is not UTF-8', status);
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new LwaUpstreamError('ERR_LWA_RESPONSE_JSON', endpoint, 'answer is not valid JSON', status);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new LwaUpstreamError('ERR_LWA_RESPONSE_SHAPE', endpoint, 'answer is not a JSON object', status);
  }
  // Amazon's answers are flat; thousands of nested arrays within the size cap are someone else, and
  // would overflow the stack of whatever walks them later (freezing, logging, JSON.stringify).
  if (nestsDeeperThan(json, MAX_JSON_DEPTH)) {
    throw new LwaUpstreamError(
      'ERR_LWA_RESPONSE_SHAPE',
      endpoint,
      `answer nests deeper than ${MAX_JSON_DEPTH} levels`,
      status,
    );
  }
  const record = json as Record<string, unknown>;
  if (Object.hasOwn(record, 'error')) {
    // A 200 is a refusal only through this key: one that is not an error code is not a verdict.
    if (typeof record.error !== 'string' || record.error === '') {
      throw new LwaUpstreamError('ERR_LWA_RESPONSE_SHAPE', endpoint, 'field `error` is not a string', status);
    }
    return { kind: 'refusal', status, error: record.error };
  }
  return { kind: 'answer', json: record, raw };
}

async function errorKey(
  body: Dispatcher.ResponseData['body'],
  headers: Dispatcher.ResponseData['headers'],
): Promise<string | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readBody(body, MAX_BODY_BYTES, headers['content-length']));
    const error = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).error : undefined;
    return typeof error === 'string' ? error : undefined;
  } catch {
    // A JSON 4xx whose body cannot be read is still Amazon refusing the token.
    return undefined;
  }
}

/** `application/json`, with at most a UTF-8 charset (RFC 8259: JSON on the wire is UTF-8). */
function isJson(contentType: string | string[] | undefined): boolean {
  if (typeof contentType !== 'string') return false;
  const [type, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((param) => !param.startsWith('charset=') || /^charset="?utf-8"?$/.test(param));
}

/** `Retry-After` as seconds: either delta-seconds or an HTTP date. */
export function retryAfterSeconds(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function errorCode(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'unknown';
}
