/**
 * `LwaVerifier` used on its own, without Passport, over HTTP to the emulator: `verify(token)`,
 * `verifyRequest` with a Node request and with a Fetch API `Request`, refusals that never reach
 * Amazon, an outage that rejects (never `ok: false`), `close()`; and the main entry's exports.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import ts from 'typescript';
import { Agent } from 'undici';
import { LwaError, LwaTimeoutError, LwaUpstreamError, LwaVerifier, type Verification } from '../../lib';
import { CLIENT_ID, OTHER_CLIENT_ID, useEmulator } from '../support/fixture';

const lwa = useEmulator();

const calls = () => ({ ...lwa.emu.calls });
const NO_CALLS = { tokeninfo: 0, profile: 0 };

/** The refusal `verify` resolves with, the challenge as RFC 6750 §3 writes it. */
const refused = (status: number, reason: string, error?: string): Verification =>
  expect.objectContaining({
    ok: false,
    status,
    reason,
    challenge:
      error === undefined
        ? 'Bearer realm="Users"'
        : expect.stringMatching(new RegExp(`^Bearer realm="Users", error="${error}", error_description="[^"]+"$`)),
  }) as Verification;

describe('verify(token)', () => {
  test('a valid token: ok, with the profile and tokenInfo (no origin: the app found the token)', async () => {
    const userID = 'amzn1.account.VERIFIERUSER';
    const token = lwa.mint({ userID, name: 'Vera', expiresIn: 1800 });
    const result = await lwa.verifier().verify(token);
    expect(result).toEqual({
      ok: true,
      profile: expect.objectContaining({ provider: 'amazon', id: userID, displayName: 'Vera' }),
      tokenInfo: {
        clientID: CLIENT_ID,
        appID: lwa.emu.appIdOf(CLIENT_ID),
        userID,
        expiresIn: expect.any(Number),
        issuedAt: expect.any(Number),
      },
    });
    if (!result.ok) return;
    expect(result.tokenInfo.expiresIn).toBeGreaterThan(1700);
    expect(result.tokenInfo.expiresIn).toBeLessThanOrEqual(1800);
    expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('the same token again: answered from the cache, no new call to Amazon', async () => {
    const verifier = lwa.verifier();
    const token = lwa.mint();
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    // expiresIn is counted as of each answer: it may have ticked down a second in between.
    const withoutTime = (v: Verification) => (v.ok ? { ...v, tokenInfo: { ...v.tokenInfo, expiresIn: 0 } } : v);
    expect(withoutTime(second)).toEqual(withoutTime(first));
    expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });
    expect(verifier.cachedEntries).toBe(1);
  });

  test("another client's token: 401 audience_mismatch with an invalid_token challenge", async () => {
    const token = lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID });
    const result = await lwa.verifier().verify(token);
    expect(result).toEqual(refused(401, 'audience_mismatch', 'invalid_token'));
    expect(result).toEqual({ ok: false, status: 401, reason: 'audience_mismatch', challenge: expect.any(String) });
    // Refused on tokeninfo's answer (the profile is asked for at the same time, to save a round trip).
    expect(calls().tokeninfo).toBe(1);
  });

  test.each([
    ['too short', 'Atza|short', 401, 'malformed_token', 'invalid_token'],
    ['not an access token', `Xyz|${'a'.repeat(400)}`, 401, 'malformed_token', 'invalid_token'],
    ['a space inside', `Atza|${'a'.repeat(200)} ${'a'.repeat(200)}`, 401, 'malformed_token', 'invalid_token'],
    ['too long', `Atza|${'a'.repeat(5000)}`, 401, 'malformed_token', 'invalid_token'],
    ['a refresh token', `Atzr|${'a'.repeat(400)}`, 401, 'refresh_token', 'invalid_token'],
    ['empty', '', 400, 'malformed_request', 'invalid_request'],
  ] as const)('junk (%s): refused, and Amazon is never called', async (_name, token, status, reason, error) => {
    const result = await lwa.verifier().verify(token);
    expect(result).toEqual(refused(status, reason, error));
    expect(calls()).toEqual(NO_CALLS);
  });

  test('not a string (from untyped code): 400 malformed_request, no call', async () => {
    const result = await lwa.verifier().verify(42 as unknown as string);
    expect(result).toEqual(refused(400, 'malformed_request', 'invalid_request'));
    expect(calls()).toEqual(NO_CALLS);
  });

  test('a token Amazon does not know: 401 token_rejected', async () => {
    const result = await lwa.verifier().verify(`Atza|${'q'.repeat(400)}`);
    expect(result).toEqual(refused(401, 'token_rejected', 'invalid_token'));
  });
});

describe('Amazon down: the promise rejects with an LwaError, never ok: false', () => {
  test('tokeninfo answers 500: rejects with an LwaUpstreamError (502)', async () => {
    lwa.emu.fault('both', { kind: 'status', status: 500 });
    const outcome = lwa.verifier().verify(lwa.mint());
    await expect(outcome).rejects.toBeInstanceOf(LwaUpstreamError);
    const err = (await outcome.catch((e: unknown) => e)) as LwaError;
    expect([err.status, err.code]).toEqual([502, 'ERR_LWA_UPSTREAM_STATUS']);
  });

  test('the profile endpoint answers 503: rejects with a 502, though tokeninfo said yes', async () => {
    lwa.emu.fault('profile', { kind: 'status', status: 503 });
    const err: unknown = await lwa
      .verifier()
      .verify(lwa.mint())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LwaError);
    expect((err as LwaError).status).toBe(502);
  });

  test('Amazon hangs: rejects with an LwaTimeoutError (504) once `timeout` is spent', async () => {
    lwa.emu.fault('both', { kind: 'hang' });
    const err: unknown = await lwa
      .verifier({ timeout: 150 })
      .verify(lwa.mint())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LwaTimeoutError);
    expect([(err as LwaError).status, (err as LwaError).code]).toEqual([504, 'ERR_LWA_TIMEOUT']);
  });

  test('verifyRequest rejects the same way', async () => {
    lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 });
    const req = new Request('http://app.test/api', { headers: { authorization: `Bearer ${lwa.mint()}` } });
    await expect(lwa.verifier<Request>().verifyRequest(req)).rejects.toBeInstanceOf(LwaError);
  });
});

describe('verifyRequest with a Node request', () => {
  /** Sends one request to a throwaway server and resolves with what `verifyRequest` said of it. */
  async function overNode(
    verifier: LwaVerifier<IncomingMessage>,
    send: { path?: string; headers?: Array<[string, string]>; body?: Record<string, string> },
  ): Promise<Verification> {
    let result: Promise<Verification> | undefined;
    const server = createServer((req, res) => {
      // What a body parser leaves: the parsed body on the request.
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        if (raw !== '') (req as IncomingMessage & { body?: unknown }).body = JSON.parse(raw) as unknown;
        result = verifier.verifyRequest(req);
        void result.finally(() => res.end()).catch(() => undefined);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      // An array value is sent as that many header lines: a repeated header, as a client may send it.
      const headers: Record<string, string[]> = {};
      for (const [name, value] of send.headers ?? []) (headers[name] ??= []).push(value);
      const body = send.body === undefined ? undefined : JSON.stringify(send.body);
      if (body !== undefined) headers['content-type'] = ['application/json'];
      const req = httpRequest({ host: '127.0.0.1', port, path: send.path ?? '/api', method: 'POST', headers });
      req.end(body);
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      res.resume();
      await once(res, 'end');
    } finally {
      server.close();
    }
    return result!;
  }

  test('the Authorization header: ok, origin authorization', async () => {
    const result = await overNode(lwa.verifier(), { headers: [['Authorization', `Bearer ${lwa.mint()}`]] });
    expect(result).toMatchObject({ ok: true, origin: 'authorization' });
  });

  test('x-amz-access-token: ok, origin x-amz-access-token', async () => {
    const result = await overNode(lwa.verifier(), { headers: [['x-amz-access-token', lwa.mint()]] });
    expect(result).toMatchObject({ ok: true, origin: 'x-amz-access-token' });
  });

  test('?access_token= in the URL: ok, origin query', async () => {
    const result = await overNode(lwa.verifier(), { path: `/api?access_token=${encodeURIComponent(lwa.mint())}` });
    expect(result).toMatchObject({ ok: true, origin: 'query' });
  });

  test('a parsed body: ok, origin body', async () => {
    const result = await overNode(lwa.verifier(), { body: { access_token: lwa.mint() } });
    expect(result).toMatchObject({ ok: true, origin: 'body' });
  });

  test('the Authorization header twice: 400 multiple_tokens, no call', async () => {
    const [a, b] = [lwa.mint(), lwa.mint()];
    const result = await overNode(lwa.verifier(), {
      headers: [
        ['Authorization', `Bearer ${a}`],
        ['Authorization', `Bearer ${b}`],
      ],
    });
    expect(result).toEqual(refused(400, 'multiple_tokens', 'invalid_request'));
    expect(calls()).toEqual(NO_CALLS);
  });

  test('no token: 401 no_token with the bare challenge', async () => {
    const result = await overNode(lwa.verifier(), {});
    expect(result).toEqual({ ok: false, status: 401, challenge: 'Bearer realm="Users"', reason: 'no_token' });
    expect(calls()).toEqual(NO_CALLS);
  });

  test('extractToken: its token is verified, origin custom', async () => {
    const verifier = lwa.verifier<IncomingMessage>({
      extractToken: (req) => req.headers['x-my-token'],
    });
    const result = await overNode(verifier, { headers: [['x-my-token', lwa.mint()]] });
    expect(result).toMatchObject({ ok: true, origin: 'custom' });
  });

  test('a plain object with headers, url and body is read as a Node request', async () => {
    const verifier = lwa.verifier<{ headers: Record<string, string>; url: string; body?: unknown }>();
    const token = lwa.mint();
    expect(await verifier.verifyRequest({ headers: {}, url: '/api', body: { access_token: token } })).toMatchObject({
      ok: true,
      origin: 'body',
    });
    expect(await verifier.verifyRequest({ headers: {}, url: `/api?access_token=${token}` })).toMatchObject({
      ok: true,
      origin: 'query',
    });
  });
});

describe('verifyRequest with a Fetch API Request', () => {
  const url = 'http://app.test/api';

  test('the Authorization header: ok, with the profile', async () => {
    const userID = 'amzn1.account.FETCHUSER';
    const req = new Request(url, { headers: { Authorization: `Bearer ${lwa.mint({ userID })}` } });
    const result = await lwa.verifier<Request>().verifyRequest(req);
    expect(result).toMatchObject({ ok: true, origin: 'authorization', profile: { id: userID } });
  });

  test('x-amz-access-token: ok', async () => {
    const req = new Request(url, { headers: { 'x-amz-access-token': lwa.mint() } });
    expect(await lwa.verifier<Request>().verifyRequest(req)).toMatchObject({ ok: true, origin: 'x-amz-access-token' });
  });

  test('?access_token=: ok, origin query', async () => {
    const req = new Request(`${url}?access_token=${encodeURIComponent(lwa.mint())}`);
    expect(await lwa.verifier<Request>().verifyRequest(req)).toMatchObject({ ok: true, origin: 'query' });
  });

  test('the Authorization header twice (Headers joins them): 400 multiple_tokens, no call', async () => {
    const headers = new Headers();
    headers.append('Authorization', `Bearer ${lwa.mint()}`);
    headers.append('Authorization', `Bearer ${lwa.mint()}`);
    const result = await lwa.verifier<Request>().verifyRequest(new Request(url, { headers }));
    expect(result).toEqual(refused(400, 'multiple_tokens', 'invalid_request'));
    expect(calls()).toEqual(NO_CALLS);
  });

  test('a header and the query: 400 multiple_tokens', async () => {
    const token = lwa.mint();
    const req = new Request(`${url}?access_token=${encodeURIComponent(token)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(await lwa.verifier<Request>().verifyRequest(req)).toEqual(
      refused(400, 'multiple_tokens', 'invalid_request'),
    );
  });

  test('no token: 401 no_token with the bare challenge', async () => {
    const result = await lwa.verifier<Request>().verifyRequest(new Request(url));
    expect(result).toEqual({ ok: false, status: 401, challenge: 'Bearer realm="Users"', reason: 'no_token' });
    expect(calls()).toEqual(NO_CALLS);
  });

  test('the body is never read: a token in it does not count, and the app can still read it', async () => {
    const body = `access_token=${encodeURIComponent(lwa.mint())}`;
    const req = new Request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const result = await lwa.verifier<Request>().verifyRequest(req);
    expect(result).toMatchObject({ ok: false, reason: 'no_token' });
    expect(req.bodyUsed).toBe(false);
    expect(await req.text()).toBe(body);
    expect(calls()).toEqual(NO_CALLS);
  });

  test('extractToken is given the Fetch Request itself', async () => {
    const seen: unknown[] = [];
    const verifier = lwa.verifier<Request>({
      extractToken: (req) => {
        seen.push(req);
        return req.headers.get('x-my-token') ?? undefined;
      },
    });
    const req = new Request(url, { headers: { 'x-my-token': lwa.mint() } });
    expect(await verifier.verifyRequest(req)).toMatchObject({ ok: true, origin: 'custom' });
    expect(seen).toEqual([req]);
  });

  test('a malformed token in the header: refused, no call', async () => {
    const req = new Request(url, { headers: { Authorization: 'Bearer Atza|short' } });
    expect(await lwa.verifier<Request>().verifyRequest(req)).toEqual(refused(401, 'malformed_token', 'invalid_token'));
    expect(calls()).toEqual(NO_CALLS);
  });
});

describe('close()', () => {
  test('resolves; the pool it owned is gone (a later verification does not succeed)', async () => {
    const verifier = new LwaVerifier({
      clientID: CLIENT_ID,
      tokenInfoURL: lwa.emu.tokenInfoURL,
      profileURL: lwa.emu.profileURL,
      timeout: 2000,
    });
    expect((await verifier.verify(lwa.mint())).ok).toBe(true);
    await expect(verifier.close()).resolves.toBeUndefined();
    // Not a refusal: whatever it is, the closed verifier does not say ok.
    const after = await verifier.verify(lwa.mint()).then(
      (result) => result.ok,
      () => 'rejected',
    );
    expect(after).not.toBe(true);
  });

  test("leaves a dispatcher of the app's open", async () => {
    const dispatcher = new Agent();
    try {
      const first = new LwaVerifier({
        clientID: CLIENT_ID,
        tokenInfoURL: lwa.emu.tokenInfoURL,
        profileURL: lwa.emu.profileURL,
        dispatcher,
      });
      expect((await first.verify(lwa.mint())).ok).toBe(true);
      await first.close();
      expect(dispatcher.closed).toBe(false);
      const second = lwa.verifier({ dispatcher });
      expect((await second.verify(lwa.mint())).ok).toBe(true);
    } finally {
      await dispatcher.close();
    }
  });
});

describe('the main entry', () => {
  const root = join(__dirname, '..', '..');

  test('its values are exactly these', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require('../../lib') as Record<string, unknown>;
    expect(Object.keys(entry).sort()).toEqual(
      [
        'CHANNELS',
        'LwaError',
        'LwaTimeoutError',
        'LwaUnavailableError',
        'LwaUpstreamError',
        'LwaVerifier',
        'Strategy',
        'alexaAccessToken',
      ].sort(),
    );
  });

  test('the CommonJS entry is the Strategy class, carrying the same values', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cjs = require('../../lib/cjs-entry') as Record<string, unknown> & { Strategy: unknown };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require('../../lib') as Record<string, unknown>;
    expect(cjs).toBe(entry.Strategy);
    for (const [name, value] of Object.entries(entry)) expect([name, cjs[name]]).toEqual([name, value]);
  });

  test('its names, types included, are at most 30: exactly these', () => {
    const program = ts.createProgram([join(root, 'lib', 'index.ts')], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Node10,
    });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(join(root, 'lib', 'index.ts'))!;
    const names = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map((s) => s.name);
    expect(names.length).toBeLessThanOrEqual(30);
    expect(names.sort()).toEqual(
      [
        'LwaVerifier',
        'Verification',
        'RevokeRequestResult',
        'VerifyContext',
        'Strategy',
        'AmazonAuthInfo',
        'alexaAccessToken',
        'LwaVerifierOptions',
        'StrategyOptions',
        'StrategyOptionsWithRequest',
        'IdResolver',
        'LwaRegion',
        'LwaScope',
        'CacheOptions',
        'CircuitBreakerOptions',
        'CacheStore',
        'CHANNELS',
        'ChannelMessages',
        'AmazonProfile',
        'TokenInfo',
        'TokenSource',
        'TokenOrigin',
        'VerifyFunction',
        'VerifyFunctionWithRequest',
        'RefusalReason',
        'LwaError',
        'LwaUpstreamError',
        'LwaTimeoutError',
        'LwaUnavailableError',
        'LwaErrorCode',
      ].sort(),
    );
  }, 60_000);
});
