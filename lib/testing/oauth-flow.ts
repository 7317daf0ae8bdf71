/**
 * The browser half of Login with Amazon, for the emulator: the authorization page, the
 * authorization code grant with PKCE at the token endpoint, the popup's handoff page, and the
 * browser SDK stand-in (browser-sdk.js) whose `authorize` and `retrieveToken` drive them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AMAZON_JSON_TYPE, SIGN_IN_PATHS } from './constants';
import type { SignInCustomer } from './customers';
import { HANDOFF_PAGE, errorPage, pickerPage } from './pages';
import { methodNotAllowed, sendPage, sendText } from './respond';
import { DEFAULT_TOKEN_LIFETIME_S, KNOWN_SCOPES, type Scope, type TokenStore } from './token-store';

/**
 * The stand-in for Amazon's SDK: a plain browser script beside this module, in lib/ and in dist/
 * alike (scripts/build.mjs copies it, as tsc does not).
 */
const BROWSER_SDK_FILE = join(__dirname, 'browser-sdk.js');

/** Amazon's authorization codes live five minutes. */
const CODE_LIFETIME_MS = 5 * 60_000;
const MAX_FORM_BYTES = 16 * 1024;
/** RFC 7636 §4.1: 43 to 128 unreserved characters, for the verifier and (S256 or plain) the challenge. */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;
/** Any page may exchange a code: without the PKCE verifier the code is worthless. */
const CORS = Object.freeze({ 'Access-Control-Allow-Origin': '*' });

/** What an authorization request asked for, once checked. */
export interface AuthorizeRequest {
  readonly clientID: string;
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

/** Reads the browser SDK stand-in from disk, once per emulator start. */
export async function readBrowserSdk(): Promise<string> {
  try {
    return await readFile(BROWSER_SDK_FILE, 'utf8');
  } catch (err) {
    throw new Error(`LwaEmulator: cannot read the browser SDK stand-in ${BROWSER_SDK_FILE}`, { cause: err });
  }
}

/** The sign-in flow's paths, answered for the emulator's customers. */
export class SignInFlow {
  private readonly codes = new Map<string, IssuedCode>();
  private readonly byId: ReadonlyMap<string, SignInCustomer>;

  /** @param sdkScript - the browser SDK stand-in's text ({@link readBrowserSdk}). */
  constructor(
    readonly customers: readonly SignInCustomer[],
    private readonly store: TokenStore,
    private readonly now: () => number,
    private readonly sdkScript: string,
  ) {
    this.byId = new Map(customers.map((c) => [c.userID, c]));
  }

  /** Whether `path` belongs to the sign-in flow. */
  handles(path: string): boolean {
    return (Object.values(SIGN_IN_PATHS) as string[]).includes(path);
  }

  /** Answers a request on one of the flow's paths. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> {
    const method = req.method ?? '';
    if (path === SIGN_IN_PATHS.token) return this.token(req, res, method);
    if (path === SIGN_IN_PATHS.authorize && method === 'POST') {
      const form = await readForm(req);
      if (form === undefined) return sendPage(res, 400, errorPage('The form could not be read.'));
      return this.decide(res, form);
    }
    req.resume();
    if (method !== 'GET' && method !== 'HEAD')
      return methodNotAllowed(res, path === SIGN_IN_PATHS.authorize ? 'GET, POST' : 'GET');
    if (path === SIGN_IN_PATHS.sdk) return sendText(res, 200, 'application/javascript; charset=utf-8', this.sdkScript);
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
    const clientID = form.get('client_id');
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
    if (!code || !clientID || !redirectUri || !verifier) {
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
    if (clientID !== request.clientID)
      return tokenError(res, 400, 'invalid_grant', 'The authorization code was issued to another client.');
    if (redirectUri !== request.redirectUri)
      return tokenError(res, 400, 'invalid_grant', 'redirect_uri differs from the authorization request.');
    if (!PKCE_VALUE.test(verifier) || !sameString(challengeOf(verifier, request.method), request.challenge)) {
      return tokenError(res, 400, 'invalid_grant', 'code_verifier does not match the code_challenge.');
    }
    const token = this.store.mint({
      clientID: request.clientID,
      userID: customer.userID,
      name: customer.name,
      email: customer.email,
      postalCode: customer.postalCode,
      scopes: [...request.scopes],
      expiresIn: DEFAULT_TOKEN_LIFETIME_S,
    });
    issued.token = token;
    sendText(
      res,
      200,
      AMAZON_JSON_TYPE,
      JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: DEFAULT_TOKEN_LIFETIME_S }),
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

function checkAuthorize(params: URLSearchParams): AuthorizeCheck {
  const clientID = params.get('client_id') ?? '';
  const redirectUri = params.get('redirect_uri') ?? '';
  if (clientID === '' || Buffer.byteLength(clientID) > 100)
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
    request: { clientID, redirectUri, scopes: [...new Set(scopes)] as Scope[], state, challenge, method },
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
  sendText(res, status, AMAZON_JSON_TYPE, JSON.stringify({ error, error_description: description }), {
    ...CORS,
    'Cache-Control': 'no-store',
    ...headers,
  });
}
