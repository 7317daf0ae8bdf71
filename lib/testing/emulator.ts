import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  AMAZON_JSON_TYPE,
  ERROR_CACHE_HEADERS,
  LEGACY_PROFILE_PATH,
  PROFILE_PATH,
  SIGN_IN_PATHS,
  SITE_PATHS,
  TOKENINFO_PATH,
} from './constants';
import { resolveCustomers, type EmulatorCustomer, type SignInCustomer } from './customers';
import {
  FaultSchedule,
  deliveryFor,
  faultDelay,
  type Delivery,
  type Endpoint,
  type Fault,
  type FaultOptions,
  type FaultTarget,
  type Reply,
} from './faults';
import { SignInFlow, readBrowserSdk } from './oauth-flow';
import { indexPage } from './pages';
import { methodNotAllowed, sendPage } from './respond';
import { TokenStore, type MintOptions, type Scope, type TokenRecord } from './token-store';

/**
 * How a request carried its access token.
 * @example
 * ```ts
 * await request(app).get('/api/me').set('x-amz-access-token', token);
 * expect(emu.requests.filter((r) => r.endpoint === 'profile').map((r: RecordedRequest) => r.tokenVia)).toEqual(['authorization']);
 * ```
 */
export type TokenVia = 'query' | 'authorization' | 'x-amz-access-token';

/**
 * One request as the emulator received it. The query string is never kept: it carries the token.
 * @example
 * ```ts
 * const req = emu.requests.at(-1)!;
 * expect(req.headers['user-agent']).toMatch(/^passport-lwa-token\//);
 * ```
 */
export interface RecordedRequest {
  /** Which endpoint the path names; `'other'` for any other path. */
  readonly endpoint: Endpoint | 'other';
  /** The HTTP method. */
  readonly method: string;
  /** The request path, without query string or fragment. */
  readonly path: string;
  /** The request headers (Node's lower-cased view), including any `authorization`. */
  readonly headers: Readonly<IncomingHttpHeaders>;
  /**
   * Where the endpoint found a token, among the places it reads (tokeninfo: query, `x-amz-access-token`;
   * profile: those and `Authorization: Bearer`); when several, the first of authorization,
   * x-amz-access-token, query. `null` if none, and always for `'other'`.
   */
  readonly tokenVia: TokenVia | null;
}

/**
 * Live per-endpoint call counters.
 * @example
 * ```ts
 * emu.resetCalls();
 * await Promise.all([call(token), call(token)]);
 * expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 }); // the second request shared the first's verification
 * ```
 */
export interface CallCounts {
  /** Requests to `/auth/o2/tokeninfo`, any method, faulted or not. */
  readonly tokeninfo: number;
  /** Requests to `/user/profile`, any method, faulted or not. */
  readonly profile: number;
}

/**
 * Options for {@link LwaEmulator.start}.
 * @example
 * ```ts
 * const emu = await LwaEmulator.start({ latencyMs: 25, customers: [{ name: 'Ann', email: 'ann@example.com' }] });
 * ```
 */
export interface EmulatorOptions {
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Fixed delay in milliseconds added to every answer on both endpoints. Default 0. */
  latencyMs?: number;
  /**
   * The clock for minting and expiry, in epoch milliseconds. Default: `Date.now()`, read on each
   * use, so a test that replaces `Date.now` moves the emulator's time too.
   */
  now?: () => number;
  /** How many requests {@link LwaEmulator.requests} keeps, oldest dropped first. Default 10,000. */
  maxRecordedRequests?: number;
  /**
   * Turns on the browser sign-in flow (off by default): the authorization page `/ap/oa` offers these
   * customers to pick from, `/auth/o2/token` exchanges the code (with PKCE) for an access token, and
   * `/sdk/na/login1.js` is a stand-in for the LWA SDK for JavaScript that drives both. Those paths
   * are recorded as `'other'` requests and are not subject to latency or faults.
   */
  customers?: readonly EmulatorCustomer[];
}

const DEFAULT_MAX_RECORDED = 10_000;
/** Longer than undici's default idle time, so the client, not the server, closes idle sockets (no reuse races). */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;
const STREAM_CHUNK = Buffer.alloc(64 * 1024, 'x');

/** Amazon's wording, from the customer profile page's error table. */
const MESSAGES = {
  invalid_request: 'The request is missing a required parameter or otherwise malformed.',
  invalid_token: 'The access token provided is expired, revoked, malformed, or invalid for other reasons.',
  insufficient_scope: 'The access token provided does not have access to the required scope.',
} as const;

/**
 * tokeninfo's answer to a token it does not accept, byte for byte (key order included, and no
 * `request_id`), as the Amazon Pay SDK for Java's tests record it (docs/design.md, Amazon's API).
 */
const TOKENINFO_INVALID_TOKEN_BODY =
  '{"error_description":"The request has an invalid parameter : access_token","error":"invalid_token"}';

interface FoundToken {
  readonly via: TokenVia | null;
  readonly token: string | undefined;
  /** More than one place, or one place twice: RFC 6750 §2 allows one method per request. */
  readonly ambiguous: boolean;
}

interface Waiter {
  readonly match: (request: RecordedRequest) => boolean;
  readonly resolve: (request: RecordedRequest) => void;
  readonly reject: (error: Error) => void;
}

/** What the sign-in flow needs, settled by {@link LwaEmulator.start} before the server exists. */
interface SignInSetup {
  readonly customers: SignInCustomer[];
  readonly sdkScript: string;
}

interface Sleeper {
  readonly timer: NodeJS.Timeout;
  readonly wake: (completed: boolean) => void;
}

/**
 * A Login with Amazon emulator: a real HTTP server implementing `GET /auth/o2/tokeninfo` and
 * `GET /user/profile` with Amazon's fields and errors, for tests, examples and benchmarks.
 * `GET /` answers an HTML index of what it serves, for a person who opens {@link LwaEmulator.url}.
 *
 * @example
 * ```ts
 * const emu = await LwaEmulator.start();
 * const token = emu.mintToken({ clientID: 'amzn1.application-oa2-client.test' });
 * // point the strategy at emu.tokenInfoURL and emu.profileURL
 * await emu.close();
 * ```
 */
export class LwaEmulator {
  private readonly server: Server;
  private readonly store: TokenStore;
  private readonly schedule = new FaultSchedule();
  private readonly sockets = new Set<Socket>();
  private readonly sleepers = new Set<Sleeper>();
  private readonly recorded: RecordedRequest[] = [];
  private readonly counts = { tokeninfo: 0, profile: 0 };
  private readonly maxRecorded: number;
  private waiters: Waiter[] = [];
  private latencyMs = 0;
  private accepted = 0;
  private baseURL = '';
  private closing: Promise<void> | undefined;
  private readonly signIn: SignInFlow | undefined;

  /** @param signIn - the checked customers and the browser SDK stand-in, when `options.customers` turns sign-in on. */
  private constructor(options: EmulatorOptions, signIn: SignInSetup | undefined) {
    const now = options.now ?? (() => Date.now());
    if (typeof now !== 'function') throw new TypeError('LwaEmulator: now must be a function');
    this.store = new TokenStore(now);
    const max = options.maxRecordedRequests ?? DEFAULT_MAX_RECORDED;
    if (!Number.isSafeInteger(max) || max < 0)
      throw new TypeError('LwaEmulator: maxRecordedRequests must be a non-negative integer');
    this.maxRecorded = max;
    this.setLatency(options.latencyMs ?? 0);
    this.signIn = signIn && new SignInFlow(signIn.customers, this.store, now, signIn.sdkScript);

    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.on('connection', (socket: Socket) => {
      this.accepted += 1;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // After listen(), an 'error' (a failed accept, say) must not crash the test process.
    this.server.on('error', () => undefined);
  }

  /**
   * Starts an emulator listening on `host:port` and resolves once it accepts connections.
   * Rejects if the address cannot be bound; throws a `TypeError` for a bad option.
   */
  static async start(options: EmulatorOptions = {}): Promise<LwaEmulator> {
    const signIn =
      options.customers === undefined
        ? undefined
        : { customers: resolveCustomers(options.customers), sdkScript: await readBrowserSdk() };
    const emulator = new LwaEmulator(options, signIn);
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      emulator.server.once('error', onError);
      emulator.server.listen(options.port ?? 0, host, () => {
        emulator.server.off('error', onError);
        resolve();
      });
    });
    const { port } = emulator.server.address() as AddressInfo;
    emulator.baseURL = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return emulator;
  }

  /** The server's base URL, e.g. `'http://127.0.0.1:41234'`. */
  get url(): string {
    return this.baseURL;
  }

  /** `${url}/auth/o2/tokeninfo`: pass as the strategy's `tokenInfoURL`. */
  get tokenInfoURL(): string {
    return this.baseURL + TOKENINFO_PATH;
  }

  /** `${url}/user/profile`: pass as the strategy's `profileURL`. */
  get profileURL(): string {
    return this.baseURL + PROFILE_PATH;
  }

  /**
   * `${url}/ap/user/profile`: the older profile endpoint (on `www.amazon.com`), which answers the
   * older shape `{ "Request-Id", "Profile": { CustomerId, Name, PrimaryEmail, PostalCode } }` for
   * every token. Counted, recorded and faulted as `'profile'`.
   */
  get legacyProfileURL(): string {
    return this.baseURL + LEGACY_PROFILE_PATH;
  }

  /** `${url}/ap/oa`: the sign-in page (with the `customers` option). */
  get authorizeURL(): string {
    return this.baseURL + SIGN_IN_PATHS.authorize;
  }

  /** `${url}/auth/o2/token`: the code-for-token exchange (with the `customers` option). */
  get tokenURL(): string {
    return this.baseURL + SIGN_IN_PATHS.token;
  }

  /**
   * `${url}/sdk/na/login1.js`: load it where a page would load Amazon's SDK (with the `customers`
   * option). It provides `amazon.Login.setClientId`, `getClientId`, `authorize(options, callback)`
   * with `popup: true` (the default) and `pkce: true`, `retrieveToken(code, callback)` and `logout`.
   */
  get sdkURL(): string {
    return this.baseURL + SIGN_IN_PATHS.sdk;
  }

  /** The sign-in page's customers, with their `userID`s; empty without the `customers` option. */
  get customers(): readonly SignInCustomer[] {
    return this.signIn?.customers ?? [];
  }

  /** The tokeninfo `app_id` of tokens minted for `clientID` without an `appID`. */
  appIdOf(clientID: string): string {
    return this.store.defaultAppId(clientID);
  }

  /** Live counters of requests per endpoint (a faulted request counts). Copy it to keep a snapshot. */
  get calls(): Readonly<CallCounts> {
    return this.counts;
  }

  /** Requests received so far, oldest first (up to `maxRecordedRequests`); the array is live. */
  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  /** TCP connections accepted since start, for keep-alive and pool assertions. */
  get connections(): number {
    return this.accepted;
  }

  /** Mints an access token (`Atza|…`, 380 to 500 characters). Throws a `TypeError` for a bad option. */
  mintToken(options: MintOptions): string {
    return this.store.mint(options);
  }

  /** Ends the token's life now: both endpoints answer `invalid_token`. Returns whether the token is known. */
  expire(token: string): boolean {
    return this.store.expire(token);
  }

  /** Revokes the token: both endpoints answer `invalid_token`. Returns whether the token is known. */
  revoke(token: string): boolean {
    return this.store.revoke(token);
  }

  /** A snapshot of what the emulator knows about `token`, or `undefined` if it never minted it. */
  tokenInfo(token: string): TokenRecord | undefined {
    return this.store.get(token);
  }

  /** Sets both counters to zero and forgets the recorded requests. */
  resetCalls(): void {
    this.counts.tokeninfo = 0;
    this.counts.profile = 0;
    this.recorded.length = 0;
  }

  /** Sets the fixed delay, in milliseconds, added to every later answer on both endpoints. */
  setLatency(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
      throw new TypeError('latency must be a finite number of milliseconds >= 0');
    this.latencyMs = ms;
  }

  /**
   * Installs a fault on an endpoint (or each of both) for `times` answers, or until
   * {@link LwaEmulator.clearFaults}. Faults installed earlier apply first. Throws a `TypeError` for
   * a bad fault.
   */
  fault(endpoint: FaultTarget, fault: Fault, options?: FaultOptions): void {
    this.schedule.add(endpoint, fault, options);
  }

  /** Removes every installed fault. */
  clearFaults(): void {
    this.schedule.clear();
  }

  /**
   * Resolves with the next request recorded from now on that satisfies `match` (any request by
   * default), before it is answered; rejects if the emulator closes first. Lets a test act while a
   * request is in flight without sleeping.
   */
  nextRequest(match: (request: RecordedRequest) => boolean = () => true): Promise<RecordedRequest> {
    if (this.closing !== undefined) return Promise.reject(new Error('LwaEmulator is closed'));
    return new Promise((resolve, reject) => this.waiters.push({ match, resolve, reject }));
  }

  /**
   * Stops the server, destroys every open socket (idle keep-alive ones and those of hung or delayed
   * requests) and resolves when the server has closed. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const sleeper of this.sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.wake(false);
      }
      this.sleepers.clear();
      for (const socket of this.sockets) socket.destroy();
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter.reject(new Error('LwaEmulator closed before a matching request arrived'));
    });
    return this.closing;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // A client may vanish mid-answer; a write racing that must not become an uncaught 'error'.
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    const { path, query } = splitTarget(req.url ?? '');
    const site = path === SITE_PATHS.index || path === SITE_PATHS.favicon;
    if (site || this.signIn?.handles(path)) {
      // Pages for a browser: recorded, but no endpoint of Amazon's, so neither counted nor faulted.
      this.record({ endpoint: 'other', method: req.method ?? '', path, headers: { ...req.headers }, tokenVia: null });
      if (site) {
        req.resume();
        return this.site(req, res, path);
      }
      this.signIn?.handle(req, res, path, query).catch(() => answerServerError(res));
      return;
    }
    req.resume();
    this.handle(req, res).catch(() => answerServerError(res));
  }

  /** The pages for a person with a browser: the index at `/`, and an empty favicon (no 404 in the console). */
  private site(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    if (path === SITE_PATHS.index) return sendPage(res, 200, indexPage(this.signIn?.customers));
    res.writeHead(204, { 'Cache-Control': 'public, max-age=86400' });
    res.end();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const { path, query } = splitTarget(req.url ?? '');
    const legacy = path === LEGACY_PROFILE_PATH;
    const endpoint = path === TOKENINFO_PATH ? 'tokeninfo' : path === PROFILE_PATH || legacy ? 'profile' : undefined;
    const found = endpoint === undefined ? NO_TOKEN : findToken(endpoint, req.headers, query);
    this.record({
      endpoint: endpoint ?? 'other',
      method: req.method ?? '',
      path,
      headers: { ...req.headers },
      tokenVia: found.via,
    });

    if (endpoint === undefined) {
      send(res, requestId, errorReply(404, 'not_found', 'The requested resource was not found.', requestId));
      return;
    }
    this.counts[endpoint] += 1;
    // A fault is taken when the answer is due, after the fixed latency, and only by a request whose
    // client still waits: a call it abandoned (a profile call after an early refusal) spends no `times`.
    const clientGone = () => res.destroyed || req.socket.destroyed;
    if (this.latencyMs > 0 && !(await this.sleep(this.latencyMs))) return;
    if (clientGone()) return;
    const fault = this.schedule.take(endpoint);
    const extra = faultDelay(fault);
    if (extra > 0 && !(await this.sleep(extra))) return;
    if (clientGone()) return;

    const normal =
      req.method === 'GET'
        ? this.answer(endpoint, found, requestId, legacy)
        : {
            ...errorReply(405, 'method_not_allowed', 'Only GET is supported.', requestId),
            headers: { ...ERROR_CACHE_HEADERS, Allow: 'GET' },
          };
    const delivery = deliveryFor(fault, normal);
    if (delivery.action === 'trickle') await this.trickle(res, requestId, delivery.reply, delivery.intervalMs);
    else deliver(req, res, requestId, delivery);
  }

  /** Writes `reply` one byte at a time, until it is done, the client goes, or the emulator closes. */
  private async trickle(res: ServerResponse, requestId: string, reply: Reply, intervalMs: number): Promise<void> {
    const body = Buffer.from(reply.body);
    res.writeHead(reply.status, { ...head(reply, requestId), 'Content-Length': String(body.length) });
    res.flushHeaders();
    for (let i = 0; i < body.length; i++) {
      if (!(await this.sleep(intervalMs)) || res.destroyed) return;
      res.write(body.subarray(i, i + 1));
    }
    res.end();
  }

  private answer(endpoint: Endpoint, found: FoundToken, requestId: string, legacy: boolean): Reply {
    if (found.ambiguous || found.token === undefined)
      return errorReply(400, 'invalid_request', MESSAGES.invalid_request, requestId);
    const active = this.store.active(found.token);
    if (active === undefined) {
      if (endpoint === 'tokeninfo') {
        return {
          status: 400,
          contentType: AMAZON_JSON_TYPE,
          body: TOKENINFO_INVALID_TOKEN_BODY,
          headers: ERROR_CACHE_HEADERS,
        };
      }
      return errorReply(400, 'invalid_token', MESSAGES.invalid_token, requestId);
    }
    const { record } = active;
    if (endpoint === 'tokeninfo') {
      return jsonReply({
        iss: 'https://www.amazon.com',
        user_id: record.userID,
        aud: record.clientID,
        app_id: record.appID,
        exp: active.secondsLeft,
        iat: Math.floor(record.issuedAt / 1000),
      });
    }
    const profile = profileFields(record, legacy, requestId);
    if (profile === undefined) return errorReply(401, 'insufficient_scope', MESSAGES.insufficient_scope, requestId);
    return jsonReply(profile);
  }

  private record(request: RecordedRequest): void {
    if (this.maxRecorded > 0) {
      this.recorded.push(Object.freeze(request));
      if (this.recorded.length > this.maxRecorded) this.recorded.shift();
    }
    const pending = this.waiters;
    this.waiters = pending.filter((waiter) => {
      if (!waiter.match(request)) return true;
      waiter.resolve(request);
      return false;
    });
  }

  /** Resolves `true` after `ms`, or `false` at once if the emulator closes first. */
  private sleep(ms: number): Promise<boolean> {
    if (this.closing !== undefined) return Promise.resolve(false);
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve(true);
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }
}

const NO_TOKEN: FoundToken = Object.freeze({ via: null, token: undefined, ambiguous: false });

/** Splits a request target without `new URL`, which throws on targets Node's parser lets through. */
function splitTarget(target: string): { path: string; query: string } {
  let rest = target;
  if (!rest.startsWith('/')) {
    // Absolute form (`http://host/path`), as a client talking to a proxy sends it.
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
    if (match !== null) rest = rest.slice(match[0].length) || '/';
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const question = rest.indexOf('?');
  return question === -1
    ? { path: rest, query: '' }
    : { path: rest.slice(0, question), query: rest.slice(question + 1) };
}

function findToken(endpoint: Endpoint, headers: IncomingHttpHeaders, query: string): FoundToken {
  const found: Array<{ via: TokenVia; token: string }> = [];
  let ambiguous = false;
  if (endpoint === 'profile') {
    const match = /^bearer +(\S+) *$/i.exec(headers.authorization ?? '');
    if (match !== null) found.push({ via: 'authorization', token: match[1] });
  }
  const header = headers['x-amz-access-token'];
  if (typeof header === 'string' && header.trim() !== '') {
    // Node joins a repeated header with ', '; a token never contains either character.
    if (header.includes(',')) ambiguous = true;
    found.push({ via: 'x-amz-access-token', token: header.trim() });
  }
  const fromQuery = new URLSearchParams(query).getAll('access_token').filter((value) => value !== '');
  if (fromQuery.length > 1) ambiguous = true;
  if (fromQuery.length > 0) found.push({ via: 'query', token: fromQuery[0] });
  const first = found[0];
  if (first === undefined) return NO_TOKEN;
  return { via: first.via, token: first.token, ambiguous: ambiguous || found.length > 1 };
}

/**
 * The fields the token's scopes grant, in Amazon's current or older shape (the older one on the
 * older path, or for a token minted with `legacyProfileShape`); `undefined` if none. The older
 * shape as served by the older path carries the request's id in the body as `Request-Id`, as
 * python-social-auth's fixture of `www.amazon.com/ap/user/profile` shows.
 */
function profileFields(
  record: TokenRecord,
  legacyPath: boolean,
  requestId: string,
): Record<string, unknown> | undefined {
  const has = (scope: Scope): boolean => record.scopes.includes(scope);
  if (!has('profile') && !has('profile:user_id') && !has('postal_code')) return undefined;
  const name = has('profile') ? record.name : undefined;
  const email = has('profile') ? record.email : undefined;
  const postalCode = has('postal_code') ? record.postalCode : undefined;
  if (legacyPath || record.legacyProfileShape) {
    const profile = { CustomerId: record.userID, Name: name, PrimaryEmail: email, PostalCode: postalCode };
    return legacyPath ? { 'Request-Id': requestId, Profile: profile } : { Profile: profile };
  }
  // JSON.stringify leaves out the undefined ones, as Amazon leaves out fields outside the scopes.
  return { user_id: record.userID, name, email, postal_code: postalCode };
}

/** After a bug in a handler: it must cost one request, not the test run. */
function answerServerError(res: ServerResponse): void {
  try {
    if (!res.headersSent && !res.destroyed) send(res, randomUUID(), serverError());
    else res.destroy();
  } catch {
    res.destroy();
  }
}

function jsonReply(value: unknown): Reply {
  return {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify(value),
    headers: { 'Content-Language': 'en-US' },
  };
}

function errorReply(status: number, error: string, description: string, requestId: string): Reply {
  return {
    status,
    contentType: AMAZON_JSON_TYPE,
    body: JSON.stringify({ error, error_description: description, request_id: requestId }),
    headers: ERROR_CACHE_HEADERS,
  };
}

function serverError(): Reply {
  return {
    status: 500,
    contentType: AMAZON_JSON_TYPE,
    body: JSON.stringify({ error: 'ServerError', error_description: 'The server encountered a runtime error.' }),
    headers: ERROR_CACHE_HEADERS,
  };
}

function head(reply: Reply, requestId: string): Record<string, string> {
  return { ...reply.headers, 'Content-Type': reply.contentType, 'x-amzn-RequestId': requestId };
}

function send(res: ServerResponse, requestId: string, reply: Reply): void {
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...head(reply, requestId), 'Content-Length': String(body.length) });
  res.end(body);
}

function deliver(req: IncomingMessage, res: ServerResponse, requestId: string, delivery: Delivery): void {
  switch (delivery.action) {
    case 'reply':
      send(res, requestId, delivery.reply);
      return;
    case 'truncate': {
      const body = Buffer.from(delivery.reply.body);
      res.writeHead(delivery.reply.status, {
        ...head(delivery.reply, requestId),
        'Content-Length': String(body.length),
      });
      // Close only once the partial body is handed to the kernel, so the client does receive it.
      res.write(body.subarray(0, delivery.sendBytes), () => req.socket.destroy());
      return;
    }
    case 'stream':
      res.writeHead(delivery.status, { 'Content-Type': delivery.contentType, 'x-amzn-RequestId': requestId });
      void stream(res, delivery.prefix, delivery.padding, delivery.suffix);
      return;
    case 'reset':
      req.socket.resetAndDestroy();
      return;
    case 'hang':
    case 'trickle': // written by the emulator itself, which owns the timers
      return;
  }
}

async function stream(res: ServerResponse, prefix: string, padding: number, suffix: string): Promise<void> {
  if (!(await write(res, prefix))) return;
  for (let left = padding; left > 0; left -= STREAM_CHUNK.length) {
    if (!(await write(res, left >= STREAM_CHUNK.length ? STREAM_CHUNK : STREAM_CHUNK.subarray(0, left)))) return;
  }
  if (await write(res, suffix)) res.end();
}

/** Writes with back-pressure; `false` once the response can take no more (client gone, emulator closed). */
function write(res: ServerResponse, chunk: string | Buffer): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve(!res.destroyed);
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
