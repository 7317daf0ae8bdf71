import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JSON_ERROR_TYPE } from './faults';
import type { Scope, TokenStore } from './token-store';

/**
 * A customer the emulator's sign-in page offers (see {@link EmulatorOptions.customers}): whoever
 * picks them on that page gets an access token for this customer.
 * @example
 * ```ts
 * const emu = await LwaEmulator.start({ customers: [{ name: 'Ann Example', email: 'ann@example.com' }] });
 * // emu.authorizeURL now shows a page where "Ann Example" can be picked.
 * ```
 */
export interface EmulatorCustomer {
  /** Profile `name`. */
  name: string;
  /** Profile `email`. */
  email: string;
  /** `user_id`. Default: `'amzn1.account.'` + 28 characters derived from `email`, the same on every run. */
  userId?: string;
  /** Profile `postal_code`. Default `'98052'`. */
  postalCode?: string;
}

/**
 * A sign-in customer with every field settled.
 * @example
 * ```ts
 * const [ann] = emu.customers; // settled: ann.userId is derived from the e-mail when not given
 * ```
 */
export interface SignInCustomer {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly postalCode: string;
}

/** The paths of the sign-in flow, which exist only when the emulator has customers. */
export const SIGN_IN_PATHS = Object.freeze({
  /** Amazon: `https://www.amazon.com/ap/oa`. GET shows the customer picker, POST is its form. */
  authorize: '/ap/oa',
  /** The popup's landing page: hands the code to the opener (`postMessage`) and closes. */
  handoff: '/ap/handoff',
  /** Amazon: `https://api.amazon.com/auth/o2/token`. Code + PKCE verifier -> access token. */
  token: '/auth/o2/token',
  /** Amazon: `https://assets.loginwithamazon.com/sdk/na/login1.js`. A stand-in for the SDK. */
  sdk: '/sdk/na/login1.js',
});

const KNOWN_SCOPES: ReadonlySet<string> = new Set<Scope>(['profile', 'profile:user_id', 'postal_code']);
/** Amazon's authorization codes live five minutes. */
const CODE_LIFETIME_MS = 5 * 60_000;
const TOKEN_LIFETIME_S = 3600;
const MAX_FORM_BYTES = 16 * 1024;
/** RFC 7636 §4.1: 43 to 128 unreserved characters, for the verifier and (S256 or plain) the challenge. */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;
const ACCOUNT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** What an authorization request asked for, once checked. */
interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly Scope[];
  readonly state: string | undefined;
  readonly challenge: string;
  readonly method: 'S256' | 'plain';
}

type AuthorizeCheck =
  | { readonly ok: true; readonly request: AuthorizeRequest }
  /** Client or redirect URI unusable: OAuth says show the error, never redirect (RFC 6749 §4.1.2.1). */
  | { readonly ok: false; readonly page: string }
  /** Anything else: redirect back with `error` (and `state`). */
  | {
      readonly ok: false;
      readonly redirectUri: string;
      readonly state: string | undefined;
      readonly error: string;
      readonly description: string;
    };

interface IssuedCode {
  readonly request: AuthorizeRequest;
  readonly customer: SignInCustomer;
  readonly expiresAt: number;
  /** The token this code was exchanged for; a second exchange revokes it (RFC 6749 §4.1.2). */
  token: string | undefined;
}

/** Validates the sign-in customers given to the emulator and fills in their defaults. */
export function resolveCustomers(customers: unknown): SignInCustomer[] {
  if (!Array.isArray(customers) || customers.length === 0)
    throw new TypeError('LwaEmulator: customers must be a non-empty array');
  const seen = new Set<string>();
  return customers.map((c: unknown, i) => {
    const where = `LwaEmulator: customers[${i}]`;
    if (typeof c !== 'object' || c === null) throw new TypeError(`${where} must be an object`);
    const { name, email, userId, postalCode } = c as Record<string, unknown>;
    if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`${where}.name must be a non-empty string`);
    if (typeof email !== 'string' || email.trim() === '')
      throw new TypeError(`${where}.email must be a non-empty string`);
    if (userId !== undefined && (typeof userId !== 'string' || userId === ''))
      throw new TypeError(`${where}.userId must be a non-empty string`);
    if (postalCode !== undefined && typeof postalCode !== 'string')
      throw new TypeError(`${where}.postalCode must be a string`);
    const id = userId ?? userIdFor(email);
    if (seen.has(id)) throw new TypeError(`${where}: user id ${id} is already taken by another customer`);
    seen.add(id);
    return Object.freeze({ userId: id, name, email, postalCode: postalCode ?? '98052' });
  });
}

/** A stable `amzn1.account.…` id for an e-mail address, so a seeded customer keeps its id across runs. */
function userIdFor(email: string): string {
  const digest = createHash('sha256').update(`lwa-emulator:${email.toLowerCase()}`).digest();
  let id = '';
  for (let i = 0; id.length < 28; i += 1) id += ACCOUNT_ALPHABET[digest[i % digest.length] % ACCOUNT_ALPHABET.length];
  return `amzn1.account.${id}`;
}

/**
 * The browser half of Login with Amazon, for the emulator: the authorization page (a customer
 * picker standing in for Amazon's sign-in and consent screens), the authorization code grant with
 * PKCE at the token endpoint, and a small stand-in for the LWA SDK for JavaScript whose
 * `authorize` and `retrieveToken` drive them.
 */
export class SignInFlow {
  private readonly codes = new Map<string, IssuedCode>();
  private readonly byId: ReadonlyMap<string, SignInCustomer>;

  constructor(
    readonly customers: readonly SignInCustomer[],
    private readonly store: TokenStore,
    private readonly now: () => number,
  ) {
    this.byId = new Map(customers.map((c) => [c.userId, c]));
  }

  /** Whether `path` belongs to the sign-in flow. */
  handles(path: string): boolean {
    return (Object.values(SIGN_IN_PATHS) as string[]).includes(path);
  }

  /** Answers a request on one of the flow's paths. `baseURL` is the emulator's own URL. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: string, baseURL: string): Promise<void> {
    const method = req.method ?? '';
    if (path === SIGN_IN_PATHS.token) return this.token(req, res, method);
    if (path === SIGN_IN_PATHS.authorize && method === 'POST') {
      const form = await readForm(req);
      if (form === undefined) return sendPage(res, 400, errorPage('The form could not be read.'));
      return this.decide(res, form);
    }
    req.resume();
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, {
        Allow: path === SIGN_IN_PATHS.authorize ? 'GET, POST' : 'GET',
        'Content-Type': 'text/plain; charset=utf-8',
      });
      res.end('Method not allowed\n');
      return;
    }
    if (path === SIGN_IN_PATHS.sdk)
      return sendText(res, 200, 'application/javascript; charset=utf-8', sdkScript(baseURL));
    if (path === SIGN_IN_PATHS.handoff) return sendPage(res, 200, HANDOFF_PAGE);
    return this.authorizePage(res, new URLSearchParams(query));
  }

  /** GET /ap/oa: the customer picker, or an error. */
  private authorizePage(res: ServerResponse, params: URLSearchParams): void {
    const check = checkAuthorize(params);
    if (!check.ok) return 'page' in check ? sendPage(res, 400, errorPage(check.page)) : redirectError(res, check);
    sendPage(res, 200, pickerPage(check.request, this.customers));
  }

  /** POST /ap/oa: the customer chose someone (code) or cancelled (`access_denied`). */
  private decide(res: ServerResponse, form: URLSearchParams): void {
    const check = checkAuthorize(form);
    if (!check.ok) return 'page' in check ? sendPage(res, 400, errorPage(check.page)) : redirectError(res, check);
    const { request } = check;
    if (form.get('decision') !== 'allow') {
      return redirectError(res, {
        redirectUri: request.redirectUri,
        state: request.state,
        error: 'access_denied',
        description: 'The customer cancelled the sign-in.',
      });
    }
    const customer = this.byId.get(form.get('customer') ?? '');
    if (customer === undefined) return sendPage(res, 400, errorPage('Pick one of the customers on the sign-in page.'));
    this.prune();
    const code = randomBytes(15).toString('base64url');
    this.codes.set(code, { request, customer, expiresAt: this.now() + CODE_LIFETIME_MS, token: undefined });
    redirect(res, request.redirectUri, { code, scope: request.scopes.join(' '), state: request.state });
  }

  /** POST /auth/o2/token: authorization code + PKCE verifier -> access token (RFC 6749 §4.1.3, RFC 7636 §4.5). */
  private async token(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (method === 'OPTIONS') {
      req.resume();
      res.writeHead(204, {
        ...CORS,
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Content-Type',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (method !== 'POST') {
      req.resume();
      return tokenError(res, 405, 'invalid_request', 'Use POST.', { Allow: 'POST' });
    }
    const form = await readForm(req);
    if (form === undefined)
      return tokenError(
        res,
        400,
        'invalid_request',
        'Send an application/x-www-form-urlencoded body of at most 16 KiB.',
      );
    const grantType = form.get('grant_type');
    const code = form.get('code');
    const clientId = form.get('client_id');
    const redirectUri = form.get('redirect_uri');
    const verifier = form.get('code_verifier');
    if (!grantType) return tokenError(res, 400, 'invalid_request', 'grant_type is missing.');
    if (grantType !== 'authorization_code') {
      return tokenError(
        res,
        400,
        'unsupported_grant_type',
        'The emulator supports grant_type=authorization_code only (no refresh tokens).',
      );
    }
    if (!code || !clientId || !redirectUri || !verifier) {
      return tokenError(res, 400, 'invalid_request', 'code, client_id, redirect_uri and code_verifier are required.');
    }
    const issued = this.codes.get(code);
    if (issued === undefined || issued.expiresAt <= this.now()) {
      return tokenError(res, 400, 'invalid_grant', 'The authorization code is invalid or expired.');
    }
    if (issued.token !== undefined) {
      // A code used twice may have been stolen: the token from its first use dies too.
      this.store.revoke(issued.token);
      return tokenError(res, 400, 'invalid_grant', 'The authorization code was already used.');
    }
    const { request, customer } = issued;
    if (clientId !== request.clientId)
      return tokenError(res, 400, 'invalid_grant', 'The authorization code was issued to another client.');
    if (redirectUri !== request.redirectUri)
      return tokenError(res, 400, 'invalid_grant', 'redirect_uri differs from the authorization request.');
    if (!PKCE_VALUE.test(verifier) || !sameString(challengeOf(verifier, request.method), request.challenge)) {
      return tokenError(res, 400, 'invalid_grant', 'code_verifier does not match the code_challenge.');
    }
    const token = this.store.mint({
      clientId: request.clientId,
      userId: customer.userId,
      name: customer.name,
      email: customer.email,
      postalCode: customer.postalCode,
      scopes: [...request.scopes],
      expiresIn: TOKEN_LIFETIME_S,
    });
    issued.token = token;
    sendText(
      res,
      200,
      'application/json;charset=UTF-8',
      JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: TOKEN_LIFETIME_S }),
      {
        ...CORS,
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
      },
    );
  }

  /** Forgets codes past their life (a used code stays until then, so that a replay is caught). */
  private prune(): void {
    const now = this.now();
    for (const [code, issued] of this.codes) if (issued.expiresAt <= now) this.codes.delete(code);
  }
}

/** Any page may exchange a code: without the PKCE verifier the code is worthless. */
const CORS = Object.freeze({ 'Access-Control-Allow-Origin': '*' });

function checkAuthorize(params: URLSearchParams): AuthorizeCheck {
  const clientId = params.get('client_id') ?? '';
  const redirectUri = params.get('redirect_uri') ?? '';
  if (clientId === '' || Buffer.byteLength(clientId) > 100)
    return { ok: false, page: 'client_id is missing or longer than 100 bytes.' };
  if (!isRedirectable(redirectUri))
    return { ok: false, page: 'redirect_uri must be an absolute http(s) URL without a fragment.' };
  const state = params.get('state') ?? undefined;
  const fail = (error: string, description: string): AuthorizeCheck => ({
    ok: false,
    redirectUri,
    state,
    error,
    description,
  });
  if (params.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code.');
  const scopes = (params.get('scope') ?? '').split(' ').filter((s) => s !== '');
  if (scopes.length === 0 || !scopes.every((s) => KNOWN_SCOPES.has(s))) {
    return fail(
      'invalid_scope',
      'scope must be profile, profile:user_id, postal_code or a space-separated combination.',
    );
  }
  const challenge = params.get('code_challenge') ?? '';
  const method = params.get('code_challenge_method') ?? 'plain';
  if (!PKCE_VALUE.test(challenge))
    return fail('invalid_request', 'code_challenge is required (the emulator signs in browser apps, which use PKCE).');
  if (method !== 'S256' && method !== 'plain')
    return fail('invalid_request', 'code_challenge_method must be S256 or plain.');
  return {
    ok: true,
    request: { clientId, redirectUri, scopes: [...new Set(scopes)] as Scope[], state, challenge, method },
  };
}

function isRedirectable(uri: string): boolean {
  if (!URL.canParse(uri) || uri.includes('#')) return false;
  const { protocol } = new URL(uri);
  return protocol === 'http:' || protocol === 'https:';
}

function challengeOf(verifier: string, method: 'S256' | 'plain'): string {
  return method === 'plain' ? verifier : createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Reads an `application/x-www-form-urlencoded` body; `undefined` if it is another type or too big. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function redirect(res: ServerResponse, to: string, params: Record<string, string | undefined>): void {
  const url = new URL(to);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  res.writeHead(302, { Location: url.href, 'Cache-Control': 'no-store', 'Content-Length': '0' });
  res.end();
}

function redirectError(
  res: ServerResponse,
  e: { redirectUri: string; state: string | undefined; error: string; description: string },
): void {
  redirect(res, e.redirectUri, { error: e.error, error_description: e.description, state: e.state });
}

function tokenError(
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): void {
  sendText(res, status, JSON_ERROR_TYPE, JSON.stringify({ error, error_description: description }), {
    ...CORS,
    'Cache-Control': 'no-store',
    ...headers,
  });
}

function sendText(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': type,
    'Content-Length': String(bytes.length),
    'Cache-Control': headers['Cache-Control'] ?? 'no-store',
  });
  res.end(bytes);
}

function sendPage(res: ServerResponse, status: number, html: string): void {
  // The picker is a consent screen: it must not be framed (clickjacking).
  sendText(res, status, 'text/html; charset=utf-8', html, {
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font:16px/1.4 system-ui,sans-serif;margin:0;background:#f3f3f3;color:#111}
main{max-width:420px;margin:32px auto;background:#fff;border:1px solid #ddd;border-radius:8px;padding:20px 24px}
h1{font-size:20px;margin:0 0 4px}.note{color:#555;font-size:14px;margin:0 0 16px}
button{display:block;width:100%;text-align:left;font:inherit;padding:10px 12px;margin:0 0 8px;border:1px solid #a88734;border-radius:4px;background:#f7dfa5;cursor:pointer}
button small{display:block;color:#444}button.cancel{background:#eee;border-color:#bbb;text-align:center}code{font-size:13px;word-break:break-all}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>\n`;
}

function pickerPage(request: AuthorizeRequest, customers: readonly SignInCustomer[]): string {
  const hidden = [
    ['client_id', request.clientId],
    ['redirect_uri', request.redirectUri],
    ['response_type', 'code'],
    ['scope', request.scopes.join(' ')],
    ['code_challenge', request.challenge],
    ['code_challenge_method', request.method],
    ...(request.state === undefined ? [] : [['state', request.state]]),
  ]
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  const buttons = customers
    .map(
      (c) =>
        `<button type="submit" name="customer" value="${escapeHtml(c.userId)}">${escapeHtml(c.name)}<small>${escapeHtml(c.email)}</small></button>`,
    )
    .join('\n');
  return page(
    'Login with Amazon (emulator)',
    `<h1>Login with Amazon <small>(emulator)</small></h1>
<p class="note">Choose the Amazon customer to sign in as. <code>${escapeHtml(request.clientId)}</code> asks for: ${escapeHtml(request.scopes.join(', '))}.</p>
<form method="post" action="${SIGN_IN_PATHS.authorize}">${hidden}<input type="hidden" name="decision" value="allow">
${buttons}
</form>
<form method="post" action="${SIGN_IN_PATHS.authorize}">${hidden}<input type="hidden" name="decision" value="deny">
<button type="submit" class="cancel">Cancel</button></form>`,
  );
}

function errorPage(message: string): string {
  return page('Login with Amazon (emulator): error', `<h1>Sign-in request refused</h1><p>${escapeHtml(message)}</p>`);
}

/**
 * Where the popup lands (its `redirect_uri`): passes the answer in the query to the page that opened
 * it, restricted to the origin named in its own `origin` parameter. The opener closes the popup once
 * it has the answer, so a closed popup without an answer reliably means "cancelled".
 */
const HANDOFF_PAGE = page(
  'Login with Amazon (emulator)',
  `<p id="status">Signing you in…</p>
<script>
(function () {
  var p = new URLSearchParams(location.search);
  var data = { source: 'lwa-emulator', code: p.get('code'), scope: p.get('scope'), state: p.get('state'),
    error: p.get('error'), error_description: p.get('error_description') };
  try {
    if (!window.opener) throw new Error('no opener');
    window.opener.postMessage(data, p.get('origin') || 'null');
  } catch (e) {
    /* no opener, or a bad origin: nothing to hand the answer to */
  }
  document.getElementById('status').textContent = 'Sign-in finished. You can close this window.';
})();
</script>`,
);

/**
 * A stand-in for `login1.js`, the Login with Amazon SDK for JavaScript: `amazon.Login.setClientId`,
 * `getClientId`, `authorize(options, callback)` in popup mode with `pkce: true`, `retrieveToken(code,
 * callback)` and `logout`; it calls `window.onAmazonLoginReady` once loaded, as the SDK does.
 */
function sdkScript(baseURL: string): string {
  return `/* Login with Amazon SDK stand-in, served by passport-lwa-token's LWA emulator. Not Amazon's SDK. */
(function () {
  'use strict';
  var script = document.currentScript;
  var BASE = script && script.src ? new URL(script.src).origin : ${JSON.stringify(baseURL)};
  var KEY = 'lwa-emulator.pkce';
  var clientId = null;

  function later(fn, arg) { setTimeout(function () { fn(arg); }, 0); }
  function randomString(bytes) {
    var a = new Uint8Array(bytes); crypto.getRandomValues(a);
    return base64url(a);
  }
  function base64url(bytes) {
    var s = ''; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  function challenge(verifier) {
    if (!window.crypto || !crypto.subtle) return Promise.resolve({ value: verifier, method: 'plain' });
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)).then(function (d) {
      return { value: base64url(new Uint8Array(d)), method: 'S256' };
    });
  }

  function authorize(options, next) {
    options = options || {};
    if (typeof next !== 'function') throw new Error('LWA emulator SDK: pass a callback as next (popup mode only)');
    if (!clientId) return later(next, { status: 'error', error: 'invalid_request', error_description: 'Call amazon.Login.setClientId first.' });
    if (options.popup === false || !options.pkce) {
      return later(next, { status: 'error', error: 'invalid_request', error_description: 'The emulator implements authorize with popup: true and pkce: true.' });
    }
    // Opened now, while the click still counts as a user gesture; navigated once the challenge is ready.
    var popup = window.open('', 'lwa-emulator', 'width=480,height=640');
    if (!popup) return later(next, { status: 'error', error: 'popup_blocked', error_description: 'The sign-in window was blocked.' });
    var state = typeof options.state === 'string' ? options.state : randomString(16);
    var verifier = randomString(32);
    var scope = Array.isArray(options.scope) ? options.scope.join(' ') : String(options.scope || 'profile');
    var redirectUri = BASE + '${SIGN_IN_PATHS.handoff}?origin=' + encodeURIComponent(location.origin);
    var finished = false;
    function finish(answer) {
      if (finished) return;
      finished = true;
      window.removeEventListener('message', onMessage);
      clearInterval(watch);
      next(answer);
    }
    function onMessage(event) {
      var d = event.data;
      if (event.origin !== BASE || !d || d.source !== 'lwa-emulator' || d.state !== state) return;
      popup.close();
      if (d.error) return finish({ status: 'complete', error: d.error, error_description: d.error_description, state: d.state });
      finish({ status: 'complete', code: d.code, scope: d.scope, state: d.state });
    }
    window.addEventListener('message', onMessage);
    // The customer may close the window instead of answering.
    var watch = setInterval(function () {
      if (popup.closed) finish({ status: 'complete', error: 'access_denied', error_description: 'The sign-in window was closed.' });
    }, 300);
    challenge(verifier).then(function (c) {
      sessionStorage.setItem(KEY, JSON.stringify({ verifier: verifier, redirectUri: redirectUri, clientId: clientId }));
      var q = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: scope, state: state,
        redirect_uri: redirectUri, code_challenge: c.value, code_challenge_method: c.method });
      popup.location.href = BASE + '${SIGN_IN_PATHS.authorize}?' + q.toString();
    });
    return { status: 'queued' };
  }

  function retrieveToken(code, next) {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch (e) { saved = null; }
    sessionStorage.removeItem(KEY);
    if (!saved) return later(next, { error: 'invalid_request', error_description: 'Call authorize with pkce: true first, in this tab.' });
    var body = new URLSearchParams({ grant_type: 'authorization_code', code: String(code), client_id: saved.clientId,
      redirect_uri: saved.redirectUri, code_verifier: saved.verifier });
    fetch(BASE + '${SIGN_IN_PATHS.token}', { method: 'POST', body: body, credentials: 'omit' })
      .then(function (r) { return r.json(); })
      .then(next, function (e) { next({ error: 'network_error', error_description: String(e) }); });
  }

  window.amazon = window.amazon || {};
  window.amazon.Login = {
    setClientId: function (id) { clientId = String(id); },
    getClientId: function () { return clientId; },
    authorize: authorize,
    retrieveToken: retrieveToken,
    logout: function () { sessionStorage.removeItem(KEY); },
  };
  if (typeof window.onAmazonLoginReady === 'function') window.onAmazonLoginReady();
})();
`;
}
