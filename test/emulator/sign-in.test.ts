/**
 * The emulator's opt-in browser sign-in flow (`LwaEmulator.start({ customers })`), over plain HTTP:
 * the authorization page, the code grant with PKCE at the token endpoint, the SDK stand-in and the
 * handoff page. The browser half is exercised for real by test/example/browser.test.ts.
 */
import { Script } from 'node:vm';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { LwaEmulator, type EmulatorCustomer } from '../../lib/testing';
import { answerOf, type Answer } from '../support/answer';

const CLIENT = 'amzn1.application-oa2-client.test';
const CUSTOMERS: EmulatorCustomer[] = [
  { name: 'Ann <Example>', email: 'ann@example.com' },
  {
    name: 'Ben Example',
    email: 'ben@example.com',
    userID: 'amzn1.account.BENBENBENBENBENBENBENBENBEN1',
    postalCode: '10115',
  },
];
const REDIRECT = 'http://127.0.0.1:9/ap/handoff?origin=http%3A%2F%2F127.0.0.1%3A9';

let emu: LwaEmulator;
let agent: Agent;
let clock: number;

beforeEach(async () => {
  clock = Date.UTC(2030, 0, 1);
  emu = await LwaEmulator.start({ customers: CUSTOMERS, now: () => clock });
  agent = new Agent();
});

afterEach(async () => {
  await emu.close();
  await agent.destroy();
});

async function call(
  method: 'GET' | 'POST' | 'OPTIONS' | 'PUT',
  url: string,
  form?: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await request(url, {
    method,
    dispatcher: agent,
    headers: form === undefined ? headers : { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
  });
  return answerOf(res);
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function authorizeParams(
  overrides: Record<string, string | undefined> = {},
  verifier = 'v'.repeat(43),
): Record<string, string> {
  const params: Record<string, string | undefined> = {
    client_id: CLIENT,
    response_type: 'code',
    scope: 'profile',
    redirect_uri: REDIRECT,
    state: 'st4te',
    code_challenge: s256(verifier),
    code_challenge_method: 'S256',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Picks a customer on the page (POST /ap/oa) and returns the redirect's query. */
async function choose(userID: string, params = authorizeParams()): Promise<URLSearchParams> {
  const res = await call('POST', emu.authorizeURL, { ...params, decision: 'allow', customer: userID });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.location as string);
  expect(location.origin + location.pathname).toBe('http://127.0.0.1:9/ap/handoff');
  expect(location.searchParams.get('origin')).toBe('http://127.0.0.1:9');
  return location.searchParams;
}

const exchange = (code: string, overrides: Record<string, string> = {}) =>
  call('POST', emu.tokenURL, {
    grant_type: 'authorization_code',
    code,
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    code_verifier: 'v'.repeat(43),
    ...overrides,
  });

describe('configuration', () => {
  test('URLs, and customers with stable derived user ids', async () => {
    expect(emu.authorizeURL).toBe(`${emu.url}/ap/oa`);
    expect(emu.tokenURL).toBe(`${emu.url}/auth/o2/token`);
    expect(emu.sdkURL).toBe(`${emu.url}/sdk/na/login1.js`);
    const [ann, ben] = emu.customers;
    expect(ann).toEqual({
      name: 'Ann <Example>',
      email: 'ann@example.com',
      userID: expect.stringMatching(/^amzn1\.account\.[A-Z0-9]{28}$/),
      postalCode: '98052',
    });
    expect(ben).toEqual({ ...CUSTOMERS[1] });
    const again = await LwaEmulator.start({ customers: CUSTOMERS });
    expect(again.customers[0].userID).toBe(ann.userID);
    await again.close();
  });

  test('off by default: the paths are 404 and there are no customers', async () => {
    const plain = await LwaEmulator.start();
    expect(plain.customers).toEqual([]);
    for (const path of ['/ap/oa', '/sdk/na/login1.js', '/ap/handoff'])
      expect((await call('GET', plain.url + path)).status).toBe(404);
    expect((await call('POST', `${plain.url}/auth/o2/token`, { grant_type: 'authorization_code' })).status).toBe(404);
    await plain.close();
  });

  test.each([
    ['not an array', {}],
    ['empty', []],
    ['no name', [{ email: 'a@example.com' }]],
    ['no email', [{ name: 'A' }]],
    ['a bad userID', [{ name: 'A', email: 'a@example.com', userID: 7 }]],
    [
      'a duplicate user',
      [
        { name: 'A', email: 'a@example.com' },
        { name: 'B', email: 'A@example.com' },
      ],
    ],
  ])('bad customers (%s): TypeError', async (_label, customers) => {
    await expect(LwaEmulator.start({ customers: customers as EmulatorCustomer[] })).rejects.toThrow(TypeError);
  });

  test('appIdOf() is the app_id of tokens minted for the client', () => {
    expect(emu.appIdOf(CLIENT)).toBe(emu.tokenInfo(emu.mintToken({ clientID: CLIENT }))!.appID);
    expect(emu.appIdOf('another')).not.toBe(emu.appIdOf(CLIENT));
  });
});

describe('authorization page', () => {
  test('lists the customers, escaped, with the request carried in hidden fields', async () => {
    const res = await call(
      'GET',
      `${emu.authorizeURL}?${new URLSearchParams(authorizeParams({ state: '"><b>x' })).toString()}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).toContain('Ann &#60;Example&#62;');
    expect(res.text).not.toContain('<Example>');
    expect(res.text).toContain(`value="${emu.customers[1].userID}"`);
    expect(res.text).toContain('name="state" value="&#34;&#62;&#60;b&#62;x"');
    expect(res.text).toContain('Cancel');
  });

  test.each([
    ['no client_id', { client_id: undefined }],
    ['a client_id over 100 bytes', { client_id: 'c'.repeat(101) }],
    ['no redirect_uri', { redirect_uri: undefined }],
    ['a relative redirect_uri', { redirect_uri: '/back' }],
    ['a javascript: redirect_uri', { redirect_uri: 'javascript:alert(1)' }],
    ['a redirect_uri with a fragment', { redirect_uri: 'http://127.0.0.1:9/#x' }],
  ])('%s: an error page, never a redirect', async (_label, overrides) => {
    const res = await call('GET', `${emu.authorizeURL}?${new URLSearchParams(authorizeParams(overrides)).toString()}`);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('Sign-in request refused');
  });

  test.each([
    ['response_type token', 'unsupported_response_type', { response_type: 'token' }],
    ['no scope', 'invalid_scope', { scope: undefined }],
    ['an unknown scope', 'invalid_scope', { scope: 'profile email' }],
    ['no code_challenge', 'invalid_request', { code_challenge: undefined }],
    ['a short code_challenge', 'invalid_request', { code_challenge: 'abc' }],
    ['an unknown challenge method', 'invalid_request', { code_challenge_method: 'S512' }],
  ])('%s: redirected back with error=%s and the state', async (_label, error, overrides) => {
    const res = await call('GET', `${emu.authorizeURL}?${new URLSearchParams(authorizeParams(overrides)).toString()}`);
    expect(res.status).toBe(302);
    const back = new URL(res.headers.location as string).searchParams;
    expect(back.get('error')).toBe(error);
    expect(back.get('state')).toBe('st4te');
    expect(back.get('code')).toBeNull();
  });

  test('Cancel: access_denied', async () => {
    const res = await call('POST', emu.authorizeURL, { ...authorizeParams(), decision: 'deny' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.location as string).searchParams;
    expect([back.get('error'), back.get('state'), back.get('code')]).toEqual(['access_denied', 'st4te', null]);
  });

  test('an unknown customer, or a form that is not a form: 400 page', async () => {
    expect(
      (
        await call('POST', emu.authorizeURL, {
          ...authorizeParams(),
          decision: 'allow',
          customer: 'amzn1.account.NOPE',
        })
      ).status,
    ).toBe(400);
    expect((await call('POST', emu.authorizeURL, undefined, { 'content-type': 'application/json' })).status).toBe(400);
  });

  test('other methods: 405', async () => {
    const res = await call('PUT', emu.authorizeURL);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
  });

  test('recorded as other requests, never counted, untouched by latency and faults', async () => {
    emu.fault('both', { kind: 'status', status: 500 });
    emu.setLatency(10_000);
    const res = await call('GET', `${emu.authorizeURL}?${new URLSearchParams(authorizeParams()).toString()}`);
    expect(res.status).toBe(200);
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
    expect(emu.requests).toEqual([
      expect.objectContaining({ endpoint: 'other', method: 'GET', path: '/ap/oa', tokenVia: null }),
    ]);
  });
});

describe('code for token (PKCE)', () => {
  test('the whole flow: the token belongs to the chosen customer and client, with the requested scopes', async () => {
    const ben = emu.customers[1];
    const back = await choose(ben.userID, authorizeParams({ scope: 'profile postal_code' }));
    expect(back.get('state')).toBe('st4te');
    expect(back.get('scope')).toBe('profile postal_code');
    const res = await exchange(back.get('code')!);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const body = res.json();
    expect(body).toEqual({ access_token: expect.stringMatching(/^Atza\|/), token_type: 'bearer', expires_in: 3600 });
    expect(emu.tokenInfo(body.access_token as string)).toMatchObject({
      clientID: CLIENT,
      userID: ben.userID,
      name: 'Ben Example',
      email: 'ben@example.com',
      postalCode: '10115',
      scopes: ['profile', 'postal_code'],
      state: 'active',
    });
    const profile = await call('GET', emu.profileURL, undefined, {
      authorization: `Bearer ${body.access_token as string}`,
    });
    expect(profile.json()).toEqual({
      user_id: ben.userID,
      name: 'Ben Example',
      email: 'ben@example.com',
      postal_code: '10115',
    });
  });

  test('the plain challenge method', async () => {
    const verifier = randomBytes(40).toString('base64url');
    const back = await choose(
      emu.customers[0].userID,
      authorizeParams({ code_challenge: verifier, code_challenge_method: 'plain' }),
    );
    expect((await exchange(back.get('code')!, { code_verifier: verifier })).status).toBe(200);
  });

  test('a code works once; a replay also revokes the token it gave', async () => {
    const code = (await choose(emu.customers[0].userID)).get('code')!;
    const first = await exchange(code);
    const token = first.json().access_token as string;
    const second = await exchange(code);
    expect(second.status).toBe(400);
    expect(second.json().error).toBe('invalid_grant');
    expect(emu.tokenInfo(token)!.state).toBe('revoked');
  });

  test('a code expires after five minutes', async () => {
    const code = (await choose(emu.customers[0].userID)).get('code')!;
    clock += 5 * 60_000;
    const res = await exchange(code);
    expect([res.status, res.json().error]).toEqual([400, 'invalid_grant']);
  });

  test.each([
    ['a wrong verifier', 'invalid_grant', { code_verifier: 'w'.repeat(43) }],
    ['a malformed verifier', 'invalid_grant', { code_verifier: 'short' }],
    ['another client', 'invalid_grant', { client_id: 'amzn1.application-oa2-client.other' }],
    ['another redirect_uri', 'invalid_grant', { redirect_uri: 'http://127.0.0.1:9/elsewhere' }],
    ['an unknown code', 'invalid_grant', { code: 'nope' }],
    ['no verifier', 'invalid_request', { code_verifier: '' }],
    ['a refresh grant', 'unsupported_grant_type', { grant_type: 'refresh_token' }],
    ['no grant type', 'invalid_request', { grant_type: '' }],
  ])('%s: 400 %s, and the code still works with the right values', async (_label, error, overrides) => {
    const code = (await choose(emu.customers[0].userID)).get('code')!;
    const res = await exchange(code, overrides);
    expect(res.status).toBe(400);
    expect(res.json().error).toBe(error);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect((await exchange(code)).status).toBe(200);
  });

  test('not a form: 400; GET: 405; the CORS preflight: 204', async () => {
    const json = await call('POST', emu.tokenURL, undefined, { 'content-type': 'application/json' });
    expect([json.status, json.json().error]).toEqual([400, 'invalid_request']);
    const big = await call('POST', emu.tokenURL, { code: 'x'.repeat(20_000) });
    expect(big.status).toBe(400);
    const get = await call('GET', emu.tokenURL);
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    const preflight = await call('OPTIONS', emu.tokenURL, undefined, {
      origin: 'http://127.0.0.1:9',
      'access-control-request-method': 'POST',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toBe('POST');
  });
});

describe('browser pieces', () => {
  test('the SDK stand-in: JavaScript defining amazon.Login with the SDK calls', async () => {
    const res = await call('GET', emu.sdkURL);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
    for (const name of ['setClientId', 'getClientId', 'authorize', 'retrieveToken', 'logout', 'onAmazonLoginReady'])
      expect(res.text).toContain(name);
    for (const path of ['/ap/oa', '/ap/handoff', '/auth/o2/token']) expect(res.text).toContain(`'${path}'`);
    expect(() => new Script(res.text)).not.toThrow(); // it parses as a script
  });

  test('the handoff page posts to the opener of the named origin only', async () => {
    const res = await call('GET', `${emu.url}/ap/handoff?origin=http%3A%2F%2F127.0.0.1%3A9&code=abc&state=s`);
    expect(res.status).toBe(200);
    expect(res.text).toContain("window.opener.postMessage(data, p.get('origin') || 'null')");
  });
});
