/**
 * The LWA emulator (lib/testing) over plain HTTP, as Amazon's tokeninfo and profile endpoints:
 * minting, each answer's fields and types, routing, recording, latency, every fault, connections and
 * odd input. A fresh emulator for each test.
 */
import { connect } from 'node:net';
import { Agent, request } from 'undici';
import { LwaEmulator, SAMPLE_CUSTOMER, type Fault, type RecordedRequest } from '../../lib/testing';
import { answerOf, type Answer } from '../support/answer';
import { CLIENT_ID as CLIENT } from '../support/fixture';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let emu: LwaEmulator;
let agent: Agent;

beforeEach(async () => {
  emu = await LwaEmulator.start();
  agent = new Agent();
});

afterEach(async () => {
  await emu.close();
  await agent.destroy();
});

async function call(
  url: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' | 'DELETE' = 'GET',
): Promise<Answer> {
  const res = await request(url, { method, headers, dispatcher: agent });
  return answerOf(res);
}

const tokenInfo = (token: string, headers?: Record<string, string>) =>
  call(`${emu.tokenInfoURL}?access_token=${encodeURIComponent(token)}`, headers);
const profile = (token: string) => call(emu.profileURL, { authorization: `Bearer ${token}` });

/** Sends raw bytes and returns everything the server wrote until it closed the connection. */
function raw(data: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(emu.url).port), '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('error', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.write(data, 'latin1');
  });
}

/** Resolves once the promise settles, recording its label in `order`. */
const settle = (order: string[], label: string, p: Promise<unknown>) =>
  p.then(
    () => order.push(label),
    () => order.push(`${label}:error`),
  );

describe('start and minting', () => {
  test('URLs', () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.tokenInfoURL).toBe(`${emu.url}/auth/o2/tokeninfo`);
    expect(emu.profileURL).toBe(`${emu.url}/user/profile`);
  });

  test('tokens look like Amazon access tokens', () => {
    const tokens = Array.from({ length: 50 }, () => emu.mintToken({ clientID: CLIENT }));
    for (const token of tokens) {
      expect(token).toMatch(/^Atza\|[A-Za-z0-9_-]+$/);
      expect(token.length).toBeGreaterThanOrEqual(380);
      expect(token.length).toBeLessThanOrEqual(500);
    }
    expect(new Set(tokens).size).toBe(50);
  });

  test('defaults: fresh user id, app id derived from the client, profile scope, one hour, sample customer', () => {
    const a = emu.tokenInfo(emu.mintToken({ clientID: CLIENT }))!;
    const b = emu.tokenInfo(emu.mintToken({ clientID: CLIENT }))!;
    const other = emu.tokenInfo(emu.mintToken({ clientID: 'amzn1.application-oa2-client.other' }))!;
    expect(a.userID).toMatch(/^amzn1\.account\.[A-Z0-9]{28}$/);
    expect(b.userID).not.toBe(a.userID);
    expect(a.appID).toMatch(/^amzn1\.application\.[0-9a-f]{32}$/);
    expect(b.appID).toBe(a.appID);
    expect(other.appID).not.toBe(a.appID);
    expect(a).toMatchObject({
      clientID: CLIENT,
      scopes: ['profile'],
      ...SAMPLE_CUSTOMER,
      legacyProfileShape: false,
      revoked: false,
      state: 'active',
    });
    expect(a.expiresAt - a.issuedAt).toBe(3_600_000);
  });

  test('tokenInfo(): undefined for a token it never minted', () => {
    expect(emu.tokenInfo('Atza|nope')).toBeUndefined();
    expect(emu.expire('Atza|nope')).toBe(false);
    expect(emu.revoke('Atza|nope')).toBe(false);
  });

  test('bad mint options throw a TypeError naming the option', () => {
    const mint = (o: unknown) => () => emu.mintToken(o as Parameters<LwaEmulator['mintToken']>[0]);
    expect(mint({})).toThrow(/clientID/);
    expect(mint({ clientID: '' })).toThrow(/clientID/);
    expect(mint({ clientID: CLIENT, scopes: ['email'] })).toThrow(/scopes/);
    expect(mint({ clientID: CLIENT, expiresIn: NaN })).toThrow(/expiresIn/);
    expect(mint({ clientID: CLIENT, userID: 7 })).toThrow(/userID/);
    expect(mint(null)).toThrow(TypeError);
  });

  test('the default clock is Date.now, read on each use', () => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue(1_000_000_000_000);
    try {
      const token = emu.mintToken({ clientID: CLIENT, expiresIn: 60 });
      expect(emu.tokenInfo(token)!.issuedAt).toBe(1_000_000_000_000);
      spy.mockReturnValue(1_000_000_060_000);
      expect(emu.tokenInfo(token)!.state).toBe('expired');
    } finally {
      spy.mockRestore();
    }
  });

  test('bad emulator options are refused', async () => {
    await expect(LwaEmulator.start({ latencyMs: -1 })).rejects.toThrow(TypeError);
    await expect(LwaEmulator.start({ maxRecordedRequests: 1.5 })).rejects.toThrow(TypeError);
    expect(() => emu.setLatency(Infinity)).toThrow(TypeError);
  });
});

describe('tokeninfo', () => {
  test('a valid token: Amazon fields and types', async () => {
    const token = emu.mintToken({ clientID: CLIENT, appID: 'amzn1.application.app', userID: 'amzn1.account.USER' });
    const before = Math.floor(Date.now() / 1000);
    const res = await tokenInfo(token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['iss', 'user_id', 'aud', 'app_id', 'exp', 'iat']);
    expect(body).toMatchObject({
      iss: 'https://www.amazon.com',
      user_id: 'amzn1.account.USER',
      aud: CLIENT,
      app_id: 'amzn1.application.app',
    });
    expect(Number.isInteger(body.exp)).toBe(true);
    expect(body.exp).toBeGreaterThan(0);
    expect(body.exp).toBeLessThanOrEqual(3600);
    expect(Number.isInteger(body.iat)).toBe(true);
    expect(body.iat).toBeGreaterThanOrEqual(before - 1);
    expect(body.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  test('the token may come in the x-amz-access-token header', async () => {
    const token = emu.mintToken({ clientID: CLIENT });
    const res = await call(emu.tokenInfoURL, { 'x-amz-access-token': token });
    expect(res.status).toBe(200);
    expect(res.json().aud).toBe(CLIENT);
    expect(emu.requests[0].tokenVia).toBe('x-amz-access-token');
  });

  test('tokeninfo answers whatever the scopes', async () => {
    expect((await tokenInfo(emu.mintToken({ clientID: CLIENT, scopes: [] }))).status).toBe(200);
  });

  test.each([
    ['no token', 'invalid_request', () => call(emu.tokenInfoURL)],
    ['an empty token', 'invalid_request', () => call(`${emu.tokenInfoURL}?access_token=`)],
    [
      'a bearer token (tokeninfo does not read Authorization)',
      'invalid_request',
      () => call(emu.tokenInfoURL, { authorization: `Bearer ${emu.mintToken({ clientID: CLIENT })}` }),
    ],
    ['two tokens', 'invalid_request', () => call(`${emu.tokenInfoURL}?access_token=a&access_token=b`)],
    [
      'the token twice, query and header',
      'invalid_request',
      () => {
        const t = emu.mintToken({ clientID: CLIENT });
        return tokenInfo(t, { 'x-amz-access-token': t });
      },
    ],
    ['an unknown token', 'invalid_token', () => tokenInfo(`Atza|${'x'.repeat(400)}`)],
    ['a malformed token', 'invalid_token', () => tokenInfo('not a token')],
    ['an expired token', 'invalid_token', () => tokenInfo(emu.mintToken({ clientID: CLIENT, expiresIn: 0 }))],
    [
      'an expire()d token',
      'invalid_token',
      () => {
        const t = emu.mintToken({ clientID: CLIENT });
        emu.expire(t);
        return tokenInfo(t);
      },
    ],
    [
      'a revoked token',
      'invalid_token',
      () => {
        const t = emu.mintToken({ clientID: CLIENT });
        emu.revoke(t);
        return tokenInfo(t);
      },
    ],
  ])('%s: 400 %s', async (_label, error, send) => {
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    const body = res.json();
    expect(body.error).toBe(error);
    if (error === 'invalid_token') {
      // Amazon's exact tokeninfo body, without request_id (test/emulator/amazon-fidelity.test.ts).
      expect(body).toEqual({
        error_description: 'The request has an invalid parameter : access_token',
        error: 'invalid_token',
      });
    } else {
      expect(body.request_id).toBe(res.headers['x-amzn-requestid']);
    }
  });

  test('expiry is real: exp counts down with the clock and the token dies at its end', async () => {
    let now = Date.UTC(2030, 0, 1);
    const timed = await LwaEmulator.start({ now: () => now });
    try {
      const token = timed.mintToken({ clientID: CLIENT, expiresIn: 3600 });
      const ask = async () => {
        const res = await request(`${timed.tokenInfoURL}?access_token=${encodeURIComponent(token)}`, {
          dispatcher: agent,
        });
        return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
      };
      expect((await ask()).body).toMatchObject({ exp: 3600, iat: Date.UTC(2030, 0, 1) / 1000 });
      now += 100_500;
      expect((await ask()).body.exp).toBe(3500);
      now += 3_499_000;
      expect((await ask()).body.exp).toBe(1);
      now += 500;
      expect(await ask()).toMatchObject({ status: 400, body: { error: 'invalid_token' } });
      expect(timed.tokenInfo(token)!.state).toBe('expired');
    } finally {
      await timed.close();
    }
  });

  test('expire() and revoke() show in the record', () => {
    const a = emu.mintToken({ clientID: CLIENT });
    const b = emu.mintToken({ clientID: CLIENT });
    expect(emu.expire(a)).toBe(true);
    expect(emu.revoke(b)).toBe(true);
    expect(emu.tokenInfo(a)!.state).toBe('expired');
    expect(emu.tokenInfo(b)).toMatchObject({ state: 'revoked', revoked: true });
  });
});

describe('profile', () => {
  const customer = {
    userID: 'amzn1.account.CUSTOMER',
    name: 'Ann Example',
    email: 'ann@example.com',
    postalCode: '10001',
  };

  test.each([
    [['profile'], { user_id: customer.userID, name: customer.name, email: customer.email }],
    [['profile:user_id'], { user_id: customer.userID }],
    [['postal_code'], { user_id: customer.userID, postal_code: customer.postalCode }],
    [
      ['profile', 'postal_code'],
      { user_id: customer.userID, name: customer.name, email: customer.email, postal_code: customer.postalCode },
    ],
    [['profile:user_id', 'postal_code'], { user_id: customer.userID, postal_code: customer.postalCode }],
  ] as const)('scopes %j', async (scopes, expected) => {
    const res = await profile(emu.mintToken({ clientID: CLIENT, scopes: [...scopes], ...customer }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['content-language']).toBe('en-US');
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    expect(res.json()).toStrictEqual(expected);
  });

  test('defaults to the sample customer', async () => {
    const res = await profile(emu.mintToken({ clientID: CLIENT }));
    expect(res.json()).toMatchObject({ name: SAMPLE_CUSTOMER.name, email: SAMPLE_CUSTOMER.email });
  });

  test('the older Profile shape', async () => {
    const full = await profile(
      emu.mintToken({ clientID: CLIENT, scopes: ['profile', 'postal_code'], legacyProfileShape: true, ...customer }),
    );
    expect(full.json()).toStrictEqual({
      Profile: {
        CustomerId: customer.userID,
        Name: customer.name,
        PrimaryEmail: customer.email,
        PostalCode: customer.postalCode,
      },
    });
    const idOnly = await profile(
      emu.mintToken({ clientID: CLIENT, scopes: ['profile:user_id'], legacyProfileShape: true, ...customer }),
    );
    expect(idOnly.json()).toStrictEqual({ Profile: { CustomerId: customer.userID } });
  });

  test.each([
    ['Authorization: Bearer', (t: string) => call(emu.profileURL, { authorization: `Bearer ${t}` }), 'authorization'],
    [
      'Authorization: bearer (scheme is case-insensitive)',
      (t: string) => call(emu.profileURL, { authorization: `bearer ${t}` }),
      'authorization',
    ],
    ['Authorization: BEARER', (t: string) => call(emu.profileURL, { authorization: `BEARER ${t}` }), 'authorization'],
    ['x-amz-access-token', (t: string) => call(emu.profileURL, { 'x-amz-access-token': t }), 'x-amz-access-token'],
    ['query', (t: string) => call(`${emu.profileURL}?access_token=${encodeURIComponent(t)}`), 'query'],
  ])('token via %s', async (_label, send, via) => {
    const token = emu.mintToken({ clientID: CLIENT, ...customer });
    const res = await send(token);
    expect(res.status).toBe(200);
    expect(res.json().user_id).toBe(customer.userID);
    expect(emu.requests[0].tokenVia).toBe(via);
  });

  test('a token without a profile scope: 401 insufficient_scope', async () => {
    const res = await profile(emu.mintToken({ clientID: CLIENT, scopes: [] }));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.json()).toMatchObject({ error: 'insufficient_scope', error_description: expect.any(String) });
  });

  test.each([
    ['no token', 'invalid_request', () => call(emu.profileURL)],
    ['a Basic credential', 'invalid_request', () => call(emu.profileURL, { authorization: 'Basic dXNlcjpwYXNz' })],
    ['an empty bearer', 'invalid_request', () => call(emu.profileURL, { authorization: 'Bearer ' })],
    [
      'header and query at once',
      'invalid_request',
      () => {
        const t = emu.mintToken({ clientID: CLIENT });
        return call(`${emu.profileURL}?access_token=${t}`, { authorization: `Bearer ${t}` });
      },
    ],
    ['an unknown token', 'invalid_token', () => profile('Atza|unknown')],
    ['an expired token', 'invalid_token', () => profile(emu.mintToken({ clientID: CLIENT, expiresIn: -10 }))],
    [
      'an expire()d token',
      'invalid_token',
      () => {
        const t = emu.mintToken({ clientID: CLIENT });
        emu.expire(t);
        return profile(t);
      },
    ],
    [
      'a revoked token',
      'invalid_token',
      () => {
        const t = emu.mintToken({ clientID: CLIENT });
        emu.revoke(t);
        return profile(t);
      },
    ],
  ])('%s: 400 %s', async (_label, error, send) => {
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.json().error).toBe(error);
  });
});

describe('routing', () => {
  test('other paths: 404 JSON', async () => {
    const res = await call(`${emu.url}/auth/o2/token`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.json().error).toBe('not_found');
    expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
    expect(emu.requests).toEqual([
      expect.objectContaining({ endpoint: 'other', path: '/auth/o2/token', tokenVia: null }),
    ]);
  });

  test.each(['POST', 'DELETE'] as const)('%s on an endpoint: 405 with Allow: GET', async (method) => {
    const token = emu.mintToken({ clientID: CLIENT });
    for (const url of [`${emu.tokenInfoURL}?access_token=${token}`, emu.profileURL]) {
      const res = await call(url, { authorization: `Bearer ${token}` }, method);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET');
    }
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });
});

describe('recording', () => {
  test('counters and requests, with no token in any recorded path', async () => {
    const token = emu.mintToken({ clientID: CLIENT });
    await tokenInfo(token, {
      'user-agent': 'passport-lwa-token/test',
      accept: 'application/json',
      'accept-language': 'en-US',
    });
    await profile(token);
    await profile(token);
    await call(`${emu.url}/elsewhere?access_token=${token}`);
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 2 });
    expect(emu.requests.map((r) => [r.endpoint, r.method, r.path, r.tokenVia])).toEqual([
      ['tokeninfo', 'GET', '/auth/o2/tokeninfo', 'query'],
      ['profile', 'GET', '/user/profile', 'authorization'],
      ['profile', 'GET', '/user/profile', 'authorization'],
      ['other', 'GET', '/elsewhere', null],
    ]);
    expect(emu.requests[0].headers).toMatchObject({
      'user-agent': 'passport-lwa-token/test',
      accept: 'application/json',
      'accept-language': 'en-US',
    });
    expect(emu.requests[1].headers.authorization).toBe(`Bearer ${token}`);
    for (const r of emu.requests) {
      expect(r.path).not.toContain(token);
      expect(r.path).not.toContain('?');
    }
  });

  test('calls is live; resetCalls() zeroes it and forgets the requests', async () => {
    const calls = emu.calls;
    await tokenInfo('Atza|x');
    expect(calls.tokeninfo).toBe(1);
    emu.resetCalls();
    expect(calls).toEqual({ tokeninfo: 0, profile: 0 });
    expect(emu.requests).toHaveLength(0);
  });

  test('concurrent requests are all counted', async () => {
    const token = emu.mintToken({ clientID: CLIENT });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? profile(token) : tokenInfo(token))));
    expect(emu.calls).toEqual({ tokeninfo: 20, profile: 20 });
    expect(emu.requests).toHaveLength(40);
  });

  test('a faulted request is recorded and counted', async () => {
    emu.fault('both', { kind: 'reset' });
    const token = emu.mintToken({ clientID: CLIENT });
    await expect(tokenInfo(token)).rejects.toThrow();
    await expect(profile(token)).rejects.toThrow();
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
    expect(emu.requests.map((r) => r.endpoint)).toEqual(['tokeninfo', 'profile']);
  });

  test('maxRecordedRequests keeps the newest', async () => {
    const small = await LwaEmulator.start({ maxRecordedRequests: 2 });
    try {
      for (const path of ['/a', '/b', '/c']) await (await request(small.url + path, { dispatcher: agent })).body.text();
      expect(small.requests.map((r) => r.path)).toEqual(['/b', '/c']);
    } finally {
      await small.close();
    }
  });

  test('nextRequest() resolves with the next matching request, before it is answered', async () => {
    emu.fault('profile', { kind: 'hang' });
    const seen = emu.nextRequest((r) => r.endpoint === 'profile');
    const order: string[] = [];
    const hung = settle(order, 'profile', profile('Atza|x'));
    await settle(order, 'tokeninfo', tokenInfo('Atza|x'));
    const request = await seen;
    expect(request).toMatchObject<Partial<RecordedRequest>>({ endpoint: 'profile', tokenVia: 'authorization' });
    expect(order).toEqual(['tokeninfo']);
    await emu.close();
    await hung;
    expect(order).toEqual(['tokeninfo', 'profile:error']);
    await expect(emu.nextRequest()).rejects.toThrow(/closed/);
  });
});

describe('latency', () => {
  test('setLatency() delays both endpoints but not other paths', async () => {
    const token = emu.mintToken({ clientID: CLIENT });
    emu.setLatency(60_000);
    const order: string[] = [];
    const arrived = Promise.all([
      emu.nextRequest((r) => r.endpoint === 'tokeninfo'),
      emu.nextRequest((r) => r.endpoint === 'profile'),
    ]);
    const slow = [settle(order, 'tokeninfo', tokenInfo(token)), settle(order, 'profile', profile(token))];
    await arrived;
    expect(emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
    await settle(order, 'other', call(`${emu.url}/other`));
    emu.setLatency(0);
    await settle(order, 'tokeninfo-after-reset', tokenInfo(token));
    expect(order).toEqual(['other', 'tokeninfo-after-reset']);
    await emu.close();
    await Promise.all(slow);
    expect(order.slice(2).sort()).toEqual(['profile:error', 'tokeninfo:error']);
  });

  test('the latencyMs option sets the initial latency', async () => {
    const slow = await LwaEmulator.start({ latencyMs: 60_000 });
    try {
      const order: string[] = [];
      const arrived = slow.nextRequest();
      const pending = settle(order, 'tokeninfo', request(slow.tokenInfoURL, { dispatcher: agent }));
      await arrived;
      expect(order).toEqual([]);
      await slow.close();
      await pending;
      expect(order).toEqual(['tokeninfo:error']);
    } finally {
      await slow.close();
    }
  });

  test('a delayed answer does arrive, intact', async () => {
    emu.setLatency(20);
    const token = emu.mintToken({ clientID: CLIENT });
    expect((await tokenInfo(token)).status).toBe(200);
    expect((await profile(token)).status).toBe(200);
  });

  test('a client that gives up during the delay does not disturb the server', async () => {
    emu.setLatency(60_000);
    const controller = new AbortController();
    const arrived = emu.nextRequest();
    const pending = request(emu.tokenInfoURL, { dispatcher: agent, signal: controller.signal });
    await arrived;
    controller.abort();
    await expect(pending).rejects.toThrow();
    emu.setLatency(0);
    expect((await tokenInfo(emu.mintToken({ clientID: CLIENT }))).status).toBe(200);
  });
});

describe('faults', () => {
  let token: string;
  beforeEach(() => {
    token = emu.mintToken({ clientID: CLIENT, scopes: ['profile', 'postal_code'] });
  });

  test('latency: delays only the faulted answer, for `times` answers', async () => {
    emu.fault('tokeninfo', { kind: 'latency', ms: 60_000 }, { times: 1 });
    const order: string[] = [];
    const arrived = emu.nextRequest();
    const slow = settle(order, 'first', tokenInfo(token));
    await arrived;
    await settle(order, 'second', tokenInfo(token));
    await settle(order, 'profile', profile(token));
    expect(order).toEqual(['second', 'profile']);
    await emu.close();
    await slow;
    expect(order).toEqual(['second', 'profile', 'first:error']);
  });

  test('latency: the answer still arrives', async () => {
    emu.fault('both', { kind: 'latency', ms: 10 });
    expect((await tokenInfo(token)).status).toBe(200);
    expect((await profile(token)).json().postal_code).toBe('98052');
  });

  test('status: Amazon ServerError JSON by default for 5xx', async () => {
    emu.fault('both', { kind: 'status', status: 503 });
    for (const res of [await tokenInfo(token), await profile(token)]) {
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
      expect(res.json()).toMatchObject({ error: 'ServerError' });
    }
  });

  test('status: custom body and content type', async () => {
    emu.fault('tokeninfo', { kind: 'status', status: 500, body: 'oops', contentType: 'text/plain' });
    const res = await tokenInfo(token);
    expect(res).toMatchObject({ status: 500, text: 'oops' });
    expect(res.headers['content-type']).toBe('text/plain');
  });

  test('status: a non-5xx status gets a generic JSON error', async () => {
    emu.fault('profile', { kind: 'status', status: 403 });
    const res = await profile(token);
    expect(res.status).toBe(403);
    expect(res.json().error).toBe('http_403');
  });

  test.each([
    [{ kind: 'rate-limit', retryAfter: 7 }, '7'],
    [{ kind: 'rate-limit', retryAfter: 'Wed, 21 Oct 2037 07:28:00 GMT' }, 'Wed, 21 Oct 2037 07:28:00 GMT'],
    [{ kind: 'rate-limit' }, undefined],
  ] as Array<[Fault, string | undefined]>)('rate-limit %j', async (fault, retryAfter) => {
    emu.fault('tokeninfo', fault);
    const res = await tokenInfo(token);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe(retryAfter);
    expect(res.json().error).toEqual(expect.any(String));
  });

  test('malformed-json: 200 application/json that does not parse', async () => {
    emu.fault('both', { kind: 'malformed-json' });
    for (const res of [await tokenInfo(token), await profile(token)]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.text.startsWith('{')).toBe(true);
      expect(() => res.json()).toThrow(SyntaxError);
    }
  });

  test('html: 502 text/html by default, or the given status', async () => {
    emu.fault('tokeninfo', { kind: 'html' }, { times: 1 });
    emu.fault('tokeninfo', { kind: 'html', status: 200 }, { times: 1 });
    const first = await tokenInfo(token);
    expect(first.status).toBe(502);
    expect(first.headers['content-type']).toMatch(/^text\/html/);
    expect(first.text).toContain('<html>');
    const second = await tokenInfo(token);
    expect(second.status).toBe(200);
    expect(second.headers['content-type']).toMatch(/^text\/html/);
  });

  test('content-type: the normal JSON under another type', async () => {
    emu.fault('tokeninfo', { kind: 'content-type', contentType: 'text/plain' });
    const res = await tokenInfo(token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.json()).toMatchObject({ aud: CLIENT });
  });

  test('oversized: a huge, streamed, still valid JSON answer', async () => {
    emu.fault('profile', { kind: 'oversized', bytes: 3_000_000 });
    const res = await profile(token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(Buffer.byteLength(res.text)).toBe(3_000_000);
    expect(res.json()).toMatchObject({ user_id: emu.tokenInfo(token)!.userID });
  });

  test('oversized: a client that stops reading does not disturb the server', async () => {
    emu.fault('profile', { kind: 'oversized', bytes: 50_000_000 }, { times: 1 });
    const res = await request(emu.profileURL, { headers: { authorization: `Bearer ${token}` }, dispatcher: agent });
    for await (const chunk of res.body) {
      expect((chunk as Buffer).length).toBeGreaterThan(0);
      break;
    }
    expect((await profile(token)).status).toBe(200);
  });

  test('reset: the connection dies before any response', async () => {
    emu.fault('tokeninfo', { kind: 'reset' }, { times: 1 });
    await expect(tokenInfo(token)).rejects.toThrow();
    expect((await tokenInfo(token)).status).toBe(200);
  });

  test('reset-mid-body: headers and part of the body, then the connection closes', async () => {
    emu.fault('tokeninfo', { kind: 'reset-mid-body' });
    await expect(tokenInfo(token)).rejects.toThrow();
    const wire = await raw(`GET /auth/o2/tokeninfo?access_token=${token} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const [head, body] = wire.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    const declared = Number(/content-length: (\d+)/i.exec(head)![1]);
    expect(body.length).toBeGreaterThan(0);
    expect(body.length).toBeLessThan(declared);
  });

  test('hang: never answers; close() ends it promptly', async () => {
    emu.fault('both', { kind: 'hang' });
    const arrived = Promise.all([
      emu.nextRequest((r) => r.endpoint === 'tokeninfo'),
      emu.nextRequest((r) => r.endpoint === 'profile'),
    ]);
    const order: string[] = [];
    const hung = [settle(order, 'tokeninfo', tokenInfo(token)), settle(order, 'profile', profile(token))];
    await arrived;
    await settle(order, 'other', call(`${emu.url}/other`));
    expect(order).toEqual(['other']);
    await emu.close();
    await Promise.all(hung);
    expect(order.slice(1).sort()).toEqual(['profile:error', 'tokeninfo:error']);
  });

  test('times: the fault applies that many answers, per endpoint with both', async () => {
    emu.fault('both', { kind: 'status', status: 502 }, { times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await tokenInfo(token)).status, (await profile(token)).status);
    expect(statuses).toEqual([502, 502, 502, 502, 200, 200]);
  });

  test('times: a call its client abandoned before the answer was due spends none', async () => {
    emu.fault('profile', { kind: 'status', status: 503 }, { times: 2 });
    emu.setLatency(60_000);
    const controller = new AbortController();
    const arrived = emu.nextRequest();
    const abandoned = request(emu.profileURL, {
      headers: { authorization: `Bearer ${token}` },
      dispatcher: agent,
      signal: controller.signal,
    });
    await arrived;
    controller.abort();
    await expect(abandoned).rejects.toThrow();
    emu.setLatency(0);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await profile(token)).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  test('faults apply in the order installed', async () => {
    emu.fault('tokeninfo', { kind: 'status', status: 500 }, { times: 1 });
    emu.fault('tokeninfo', { kind: 'rate-limit' }, { times: 1 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await tokenInfo(token)).status);
    expect(statuses).toEqual([500, 429, 200]);
  });

  test('without times, a fault stays until clearFaults()', async () => {
    emu.fault('profile', { kind: 'status', status: 500 });
    for (let i = 0; i < 3; i++) expect((await profile(token)).status).toBe(500);
    expect((await tokenInfo(token)).status).toBe(200);
    emu.clearFaults();
    expect((await profile(token)).status).toBe(200);
  });

  test('faults never touch other paths', async () => {
    emu.fault('both', { kind: 'reset' });
    expect((await call(`${emu.url}/other`)).status).toBe(404);
  });

  test.each([
    ['an unknown kind', { kind: 'explode' }],
    ['a negative latency', { kind: 'latency', ms: -1 }],
    ['a status out of range', { kind: 'status', status: 99 }],
    ['a non-integer status', { kind: 'status', status: 500.5 }],
    ['a content type with a newline', { kind: 'content-type', contentType: 'text/plain\r\nx: y' }],
    ['a Retry-After with a newline', { kind: 'rate-limit', retryAfter: '1\r\nx: y' }],
    ['a negative size', { kind: 'oversized', bytes: -1 }],
  ])('a bad fault is refused when installed: %s', (_label, fault) => {
    expect(() => emu.fault('tokeninfo', fault as Fault)).toThrow(TypeError);
  });

  test('bad targets and times are refused', () => {
    expect(() => emu.fault('everything' as 'both', { kind: 'hang' })).toThrow(TypeError);
    expect(() => emu.fault('both', { kind: 'hang' }, { times: 0 })).toThrow(TypeError);
    expect(() => emu.fault('both', { kind: 'hang' }, { times: 1.5 })).toThrow(TypeError);
  });
});

describe('connections', () => {
  test('keeps connections alive', async () => {
    const single = new Agent({ connections: 1 });
    try {
      const token = emu.mintToken({ clientID: CLIENT });
      for (let i = 0; i < 5; i++) {
        const res = await request(emu.profileURL, {
          headers: { authorization: `Bearer ${token}` },
          dispatcher: single,
        });
        expect(res.headers.connection).toBe('keep-alive');
        await res.body.text();
      }
      expect(emu.connections).toBe(1);
    } finally {
      await single.destroy();
    }
  });

  test('counts every accepted connection', async () => {
    await call(`${emu.url}/a`, { connection: 'close' });
    await call(`${emu.url}/b`, { connection: 'close' });
    expect(emu.connections).toBe(2);
  });

  test('close() is prompt with idle keep-alive connections and is idempotent', async () => {
    await profile('Atza|x');
    const closing = emu.close();
    expect(emu.close()).toBe(closing);
    await closing;
    await expect(call(emu.tokenInfoURL)).rejects.toThrow();
  });
});

describe('odd input', () => {
  const alive = async () => expect((await tokenInfo(emu.mintToken({ clientID: CLIENT }))).status).toBe(200);

  test('garbage instead of HTTP: 400, server still up', async () => {
    expect(await raw('\x00\x01 garbage \xff\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    await alive();
  });

  test('huge headers: 431, server still up', async () => {
    expect(await raw(`GET /user/profile HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 431/,
    );
    await alive();
  });

  test('odd request targets do not break the server', async () => {
    for (const target of [
      '*',
      '//user/profile',
      '/user/profile#frag',
      '/%',
      '/auth/o2/tokeninfo?access_token=%E0%A4%A&&=',
    ]) {
      expect(await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toMatch(
        /^HTTP\/1\.1 [45]\d\d/,
      );
    }
    await alive();
  });

  test('an absolute-form target is routed by its path', async () => {
    const token = emu.mintToken({ clientID: CLIENT });
    const wire = await raw(
      `GET http://api.amazon.com/auth/o2/tokeninfo?access_token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: api.amazon.com\r\nConnection: close\r\n\r\n`,
    );
    expect(wire).toMatch(/^HTTP\/1\.1 200/);
    expect(emu.requests[0]).toMatchObject({ endpoint: 'tokeninfo', path: '/auth/o2/tokeninfo', tokenVia: 'query' });
  });

  test('a token with an unencoded | in the query', async () => {
    const token = emu.mintToken({ clientID: CLIENT });
    expect(
      await raw(`GET /auth/o2/tokeninfo?access_token=${token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    ).toMatch(/^HTTP\/1\.1 200/);
  });

  test('non-ASCII bytes in a token header: invalid_token', async () => {
    const wire = await raw(
      'GET /user/profile HTTP/1.1\r\nHost: x\r\nx-amz-access-token: Atza|\xff\xfe\r\nConnection: close\r\n\r\n',
    );
    expect(wire).toMatch(/^HTTP\/1\.1 400/);
    expect(wire).toContain('invalid_token');
  });

  test('a body on a GET is ignored', async () => {
    const token = emu.mintToken({ clientID: CLIENT });
    const res = await request(emu.profileURL, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
      body: 'x'.repeat(100_000),
      dispatcher: agent,
    });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    await alive();
  });
});
