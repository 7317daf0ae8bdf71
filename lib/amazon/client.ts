import { Agent, request, type Dispatcher } from 'undici';
import { LwaError, LwaTimeoutError, LwaUpstreamError, rateLimited, type LwaEndpoint } from '../errors';
import { connectionFailure, failureName } from './connection-failure';
import { publishUpstream } from '../observability/events';
import { ConnectionSlots, SlotAbortedError } from './connection-slots';
import { Deadline } from './deadline';
import {
  DEFAULT_CONNECTIONS,
  DISCARD_GRACE_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  MIN_DISPATCH_MS,
  RETRIES,
} from '../defaults';
import { nestsDeeperThan } from './json-depth';
import { BodyEncodingError, BodyTooLargeError, discardBody, readBody } from './read-body';
import { DEFAULT_TIMING, retryDelay, type RetryTiming } from './retry';
import { traceAttempt } from '../observability/tracing';
import { VERSION } from '../version';
import { WarmConnections } from './warm-connections';

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

/**
 * A call whose answer is no longer needed (the other call already decided the verdict): it was
 * stopped, and its result is ignored. No upstream event is published for it and it is not retried.
 */
export class CallCancelledError extends Error {}

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
  /** Per origin, the calls handed to our own pool at once (none for a dispatcher passed in). */
  private readonly slots = new Map<string, ConnectionSlots>();
  /** Connections opened ahead of the calls, for our own pool. */
  private readonly spares: WarmConnections | undefined;

  constructor(config: AmazonClientConfig) {
    this.tokenInfoURL = config.tokenInfoURL;
    this.profileURL = config.profileURL;
    this.timeout = config.timeout;
    this.retries = config.retries ?? RETRIES;
    this.timing = { ...DEFAULT_TIMING, ...config.timing };
    this.ownsDispatcher = config.dispatcher === undefined;
    if (this.ownsDispatcher && WarmConnections.supported) {
      const urls = [['tokeninfo', this.tokenInfoURL] as const, ['profile', this.profileURL] as const];
      this.spares = new WarmConnections(urls, warmingFailed, this.timing.now);
    }
    this.dispatcher =
      config.dispatcher ??
      new Agent({
        connections: DEFAULT_CONNECTIONS,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
        ...(this.spares === undefined ? {} : { connect: this.spares.connect }),
      });
    // With our own pool we know its size, so calls beyond it wait in our queue, where a call whose
    // deadline passes opens nothing (connection-slots.ts). A dispatcher passed in queues as it does.
    if (this.ownsDispatcher) {
      for (const url of [this.tokenInfoURL, this.profileURL]) {
        const origin = new URL(url).origin;
        if (!this.slots.has(origin)) this.slots.set(origin, new ConnectionSlots(DEFAULT_CONNECTIONS));
      }
    }
  }

  /**
   * Connects to Amazon ahead of the first call (the handshakes only, no request), in the
   * background: a host that cannot be reached is an upstream event with `attempt` 0, nothing more.
   * Nothing with a dispatcher passed in.
   */
  warm(): void {
    this.spares?.warm();
  }

  /** Closes the pool if the client created it, and the connections opened ahead. */
  async close(): Promise<void> {
    this.spares?.close();
    // Bun answers `undici` with a stand-in of its own, whose Agent has no close(): nothing to release.
    if (this.ownsDispatcher && typeof this.dispatcher.close === 'function') await this.dispatcher.close();
  }

  /**
   * `GET /auth/o2/tokeninfo`: who the token was issued to. The token goes in `x-amz-access-token`,
   * never in the URL (as Amazon Pay's own SDK sends it): HTTP clients publish every URL they request
   * (undici's diagnostics channels, and tracing built on them), and proxies log it. Bounded by
   * `deadline` (the verification's), or by a `timeout` of its own when none is given. The attempts
   * are counted in the authentication's trace, if one is being traced. `cancel` stops the call
   * when its answer is no longer needed: it then rejects with {@link CallCancelledError}. It must
   * also abort when `deadline` does ({@link Deadline.cancellable} makes such a signal).
   */
  tokenInfo(token: string, deadline?: Deadline, cancel?: AbortSignal): Promise<AmazonAnswer> {
    const headers = { ...BASE_HEADERS, 'x-amz-access-token': token };
    return this.get('tokeninfo', this.tokenInfoURL, token, headers, deadline, cancel);
  }

  /** `GET /user/profile` with the token as a bearer credential; bounded, counted and cancelled as {@link tokenInfo} is. */
  profile(token: string, deadline?: Deadline, cancel?: AbortSignal): Promise<AmazonAnswer> {
    const headers = { ...BASE_HEADERS, authorization: `Bearer ${token}` };
    return this.get('profile', this.profileURL, token, headers, deadline, cancel);
  }

  /**
   * One call: attempts until an answer, a final error, the last retry or the deadline. The deadline
   * bounds every attempt (the wait for a free connection included) and every backoff.
   */
  private async get(
    endpoint: LwaEndpoint,
    url: string,
    token: string,
    headers: Record<string, string>,
    given: Deadline | undefined,
    cancel: AbortSignal | undefined,
  ): Promise<AmazonAnswer> {
    const deadline = given ?? new Deadline(this.timeout, this.timing.now);
    let stop = cancel;
    if (cancel !== undefined && given === undefined) {
      // The caller's signal cannot follow a deadline made here: a signal that follows both.
      const linked = deadline.cancellable();
      if (cancel.aborted) linked.abort();
      else cancel.addEventListener('abort', () => linked.abort(), { once: true });
      stop = linked.signal;
    }
    try {
      return await this.attempts(endpoint, url, token, headers, deadline, stop);
    } finally {
      if (given === undefined) deadline.dispose();
    }
  }

  /**
   * A retry cut off by the deadline leaves the previous attempt's error as the answer (a retry
   * never turns a 502 into a 504), and starts only if what is left of the deadline can hold the
   * wait and an attempt as long as the last one took (retry.ts).
   */
  private async attempts(
    endpoint: LwaEndpoint,
    url: string,
    token: string,
    headers: Record<string, string>,
    deadline: Deadline,
    cancel: AbortSignal | undefined,
  ): Promise<AmazonAnswer> {
    const { now, random, sleep } = this.timing;
    const timeout = deadline.timeoutMs;
    // `cancel` also aborts at the deadline (see tokenInfo): one signal per verification, not one
    // combined signal per call (AbortSignal.any costs a few percent of a cold verification's CPU).
    const signal = cancel ?? deadline.signal;
    const cancelled = (): boolean => cancel !== undefined && cancel.aborted && !deadline.expired;
    let previous: LwaError | undefined;
    const timedOut = (): LwaError => previous ?? new LwaTimeoutError(endpoint, timeout);
    for (let attempt = 1; ; attempt++) {
      if (cancelled()) throw new CallCancelledError();
      if (deadline.expired) throw timedOut();
      // The two calls run at once: the trace keeps the most attempts either made.
      traceAttempt(attempt);
      const started = now();
      const seen: { status?: number } = {};
      try {
        const work = this.attempt(endpoint, url, headers, signal, deadline, seen);
        const answer = await deadline.race(work, () => new LwaTimeoutError(endpoint, timeout));
        publishUpstream({ endpoint, attempt, status: seen.status!, durationMs: now() - started });
        return answer;
      } catch (err) {
        if (cancelled()) throw new CallCancelledError();
        // By the clock: a call given up because the time was (nearly) up, its signal not fired yet, timed out.
        const expired = deadline.remaining() <= 0 || err instanceof SlotAbortedError;
        const error = expired ? new LwaTimeoutError(endpoint, timeout) : asLwaError(endpoint, err, token);
        const tookMs = now() - started;
        publishUpstream({
          endpoint,
          attempt,
          ...(seen.status === undefined ? {} : { status: seen.status }),
          code: error.code,
          ...(error.code === 'ERR_LWA_UPSTREAM_CONNECTION' && !expired ? { cause: failureName(err) } : {}),
          durationMs: tookMs,
        });
        if (expired) throw timedOut();
        const wait = retryDelay(error, attempt, this.retries, deadline.remaining(), timeout, random, tookMs);
        if (wait === undefined) throw error;
        previous = error;
        try {
          await sleep(wait, signal);
        } catch {
          if (cancelled()) throw new CallCancelledError();
          throw timedOut();
        }
      }
    }
  }

  /**
   * One request and its answer; `seen.status` is set as soon as the status line arrives. With our
   * own pool, the request first waits for a slot, and is never dispatched if `signal` aborts first.
   */
  private async attempt(
    endpoint: LwaEndpoint,
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    deadline: Deadline,
    seen: { status?: number },
  ): Promise<AmazonAnswer> {
    // By the clock, not the signal (it fires one turn of the event loop after the time is up), and
    // with a margin: a call sent with a moment left would make undici connect only to drop it unsent.
    const late = (): boolean => deadline.remaining() < MIN_DISPATCH_MS;
    this.spares?.used();
    const slots = this.slots.get(new URL(url).origin);
    const release = slots === undefined ? undefined : await slots.acquire(signal, late);
    try {
      if (signal.aborted || late()) throw new SlotAbortedError();
      const res = await request(url, { method: 'GET', headers, dispatcher: this.dispatcher, signal });
      seen.status = res.statusCode;
      return await interpret(endpoint, res);
    } finally {
      // A turn later: undici frees the connection of an aborted request only once its socket's
      // 'close' has run; a call handed over before that would wait in undici's queue instead.
      if (release !== undefined) setImmediate(release);
    }
  }
}

/** A connection opened ahead of the calls failed: an upstream event, and nothing else. */
function warmingFailed(endpoint: LwaEndpoint, err: unknown, durationMs: number): void {
  publishUpstream({ endpoint, attempt: 0, code: 'ERR_LWA_UPSTREAM_CONNECTION', cause: failureName(err), durationMs });
}

/** An error of ours as it is; any other is the call failing to reach Amazon. */
function asLwaError(endpoint: LwaEndpoint, err: unknown, token: string): LwaError {
  return err instanceof LwaError ? err : connectionFailure(endpoint, err, token);
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

/**
 * The `error` of a refusal's body. The body gets {@link DISCARD_GRACE_MS} to arrive (Amazon's come
 * with the headers): a refusal trickled byte by byte is still a refusal, answered as a plain one
 * once the grace is over, its body and socket destroyed, rather than a 504 at `timeout`.
 */
async function errorKey(
  body: Dispatcher.ResponseData['body'],
  headers: Dispatcher.ResponseData['headers'],
): Promise<string | undefined> {
  let overran = false;
  const grace = setTimeout(() => {
    overran = true;
    body.destroy();
  }, DISCARD_GRACE_MS);
  try {
    const text = await readBody(body, MAX_BODY_BYTES, headers['content-length']);
    if (overran) return undefined;
    const parsed: unknown = JSON.parse(text);
    const error = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).error : undefined;
    return typeof error === 'string' ? error : undefined;
  } catch {
    // A JSON 4xx whose body cannot be read (in time) is still Amazon refusing the token.
    return undefined;
  } finally {
    clearTimeout(grace);
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
