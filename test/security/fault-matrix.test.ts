/**
 * The fault matrix (docs/design.md, Failure behaviour): each upstream fault on tokeninfo and on
 * profile separately, over HTTP through Express and Passport, with its documented outcome (the 502,
 * 503 and 504 rows of docs/design.md, Outcomes); the app stays up after each. The scenarios and
 * their outcomes live in ./fault-scenarios.ts (README "Hardening").
 */
import request from 'supertest';
import { CHANNELS, type ChannelMessages } from '../../lib';
import type { Endpoint } from '../../lib/testing';
import { CLIENT_ID, json200, recordEvents, useEmulator, getMe } from '../support/fixture';
import { ENDPOINTS, FAULT_SCENARIOS, SHORT_TIMEOUT_MS, unresolvableURL, type FaultScenario } from './fault-scenarios';

const lwa = useEmulator();

const upstream = recordEvents<ChannelMessages['upstream']>(CHANNELS.upstream);
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

const other = (endpoint: Endpoint): Endpoint => (endpoint === 'tokeninfo' ? 'profile' : 'tokeninfo');
// Calls only: a connection opened ahead of the calls (attempt 0) is not one.
const attemptsOn = (endpoint: Endpoint) => upstream.filter((e) => e.endpoint === endpoint && e.attempt > 0).length;

/** The app for a scenario: the test helper's, a short-timeout one, or one whose endpoint does not resolve. */
function appFor(scenario: FaultScenario, endpoint: Endpoint) {
  const timeout = scenario.slow ? { timeout: SHORT_TIMEOUT_MS } : {};
  if (scenario.fault !== 'dns') return lwa.app(timeout);
  return lwa.app({
    ...timeout,
    [endpoint === 'tokeninfo' ? 'tokenInfoURL' : 'profileURL']: unresolvableURL(endpoint),
  });
}

const matrix = FAULT_SCENARIOS.flatMap((s) =>
  ENDPOINTS.map((endpoint) => [s.name, endpoint, s.status, s.code, s] as const),
);

describe('fault matrix: each fault on each endpoint, through the strategy', () => {
  test.each(matrix)('%s on %s: %i %s', async (_name, endpoint, status, code, scenario) => {
    const { app, strategy } = appFor(scenario, endpoint);
    if (scenario.fault !== 'dns') lwa.emu.fault(endpoint, scenario.fault);

    const res = await getMe(app, lwa.mint());
    expect([res.status, res.body.code]).toEqual([status, code]);
    // An outage is never a refusal: no challenge, nothing that would make a client drop its token.
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(attemptsOn(endpoint)).toBe(scenario.attempts);
    expect(attemptsOn(other(endpoint))).toBe(1);
    if (scenario.fault !== 'dns') expect(lwa.emu.calls[endpoint]).toBe(scenario.attempts);

    // The app stays up: with the fault gone it answers the next request as usual.
    lwa.emu.clearFaults();
    const next = await getMe(app, lwa.mint());
    expect(next.status).toBe(scenario.fault === 'dns' ? 502 : 200);
    expect((await request(app).get('/api/me')).status).toBe(401);
    await strategy.close();
  });

  const passing = matrix.filter(([, , , , s]) => s.attempts === 2 && s.fault !== 'dns');
  test.each(passing)('%s on %s, once: the retry hides it (200)', async (_name, endpoint, _status, _code, scenario) => {
    const { app, strategy } = appFor(scenario, endpoint);
    lwa.emu.fault(endpoint, scenario.fault as Exclude<FaultScenario['fault'], 'dns'>, { times: 1 });
    const res = await getMe(app, lwa.mint());
    expect(res.status).toBe(200);
    expect(lwa.emu.calls[endpoint]).toBe(2);
    await strategy.close();
  });

  test('both endpoints down at once: one error, the app stays up', async () => {
    const { app, strategy } = lwa.app();
    lwa.emu.fault('both', { kind: 'status', status: 500 });
    const res = await getMe(app, lwa.mint());
    expect([res.status, res.body.code]).toEqual([502, 'ERR_LWA_UPSTREAM_STATUS']);
    lwa.emu.clearFaults();
    expect((await getMe(app, lwa.mint())).status).toBe(200);
    await strategy.close();
  });

  test('a burst under a mix of faults: every answer is as documented, and nothing is left unhandled', async () => {
    // No circuit breaker: ten failures in a row would open it, and this test is about each fault's own answer.
    // Both faults answer at once: the usual timeout, so that a loaded machine does not turn them into 504s.
    const { app, strategy } = lwa.app({ circuitBreaker: false });
    lwa.emu.fault('tokeninfo', { kind: 'reset' }, { times: 10 });
    lwa.emu.fault('profile', { kind: 'malformed-json' }, { times: 10 });
    const answers = await Promise.all(Array.from({ length: 40 }, () => getMe(app, lwa.mint())));
    for (const res of answers) {
      expect([200, 502]).toContain(res.status);
      if (res.status === 502) expect(['ERR_LWA_UPSTREAM_CONNECTION', 'ERR_LWA_RESPONSE_JSON']).toContain(res.body.code);
    }
    lwa.emu.clearFaults();
    expect((await getMe(app, lwa.mint())).status).toBe(200);
    expect(unhandled).toEqual([]);
    await strategy.close();
  });
});

describe('response validation: an answer of the wrong shape is a 502 with its own code, never a 401', () => {
  const info = (fields: Record<string, unknown>) =>
    JSON.stringify({
      iss: 'https://www.amazon.com',
      user_id: 'amzn1.account.A',
      aud: CLIENT_ID,
      app_id: 'amzn1.application.a',
      exp: 3600,
      iat: 1700000000,
      ...fields,
    });

  test.each([
    ['tokeninfo', 'exp as an epoch time', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ exp: 1_900_000_000 }))],
    ['tokeninfo', 'exp 0', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ exp: 0 }))],
    ['tokeninfo', 'exp negative', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ exp: -5 }))],
    ['tokeninfo', 'exp a string', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ exp: '3600' }))],
    ['tokeninfo', 'no exp', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ exp: undefined }))],
    ['tokeninfo', 'aud a number', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ aud: 42 }))],
    ['tokeninfo', 'aud empty', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ aud: '' }))],
    ['tokeninfo', 'no user_id', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ user_id: undefined }))],
    ['tokeninfo', 'app_id an object', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ app_id: {} }))],
    ['tokeninfo', 'iat a string', 'ERR_LWA_RESPONSE_SHAPE', json200(info({ iat: 'yesterday' }))],
    [
      'tokeninfo',
      'aud only inherited (__proto__)',
      'ERR_LWA_RESPONSE_SHAPE',
      json200(`{"__proto__":{"aud":"${CLIENT_ID}"},"user_id":"amzn1.account.A","exp":3600}`),
    ],
    ['tokeninfo', 'error an empty string', 'ERR_LWA_RESPONSE_SHAPE', json200('{"error":""}')],
    ['tokeninfo', 'an empty body', 'ERR_LWA_RESPONSE_JSON', json200('')],
    ['tokeninfo', 'JSON null', 'ERR_LWA_RESPONSE_SHAPE', json200('null')],
    [
      'tokeninfo',
      'a Latin-1 charset',
      'ERR_LWA_RESPONSE_CONTENT_TYPE',
      json200(info({}), 'application/json; charset=iso-8859-1'),
    ],
    [
      'tokeninfo',
      'application/problem+json',
      'ERR_LWA_RESPONSE_CONTENT_TYPE',
      json200(info({}), 'application/problem+json'),
    ],
    ['profile', 'no user_id', 'ERR_LWA_RESPONSE_SHAPE', json200('{"name":"Ann"}')],
    ['profile', 'user_id a number', 'ERR_LWA_RESPONSE_SHAPE', json200('{"user_id":42}')],
    ['profile', 'the older shape without CustomerId', 'ERR_LWA_RESPONSE_SHAPE', json200('{"Profile":{"Name":"Ann"}}')],
    [
      'profile',
      'a 401 that is not JSON',
      'ERR_LWA_RESPONSE_CONTENT_TYPE',
      { kind: 'status', status: 401, body: 'Unauthorized', contentType: 'text/plain' },
    ],
  ] as const)('%s: %s -> 502 %s', async (endpoint, _name, code, fault) => {
    const { app, strategy } = lwa.app();
    lwa.emu.fault(endpoint, fault);
    const res = await getMe(app, lwa.mint());
    expect([res.status, res.body.code]).toEqual([502, code]);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(lwa.emu.calls[endpoint]).toBe(1);
    await strategy.close();
  });

  test('optional tokeninfo fields given as null are absent, not errors', async () => {
    const { app, strategy } = lwa.app();
    const token = lwa.mint({ userID: 'amzn1.account.A' });
    lwa.emu.fault('tokeninfo', json200(info({ app_id: null, iat: null })));
    const res = await getMe(app, token);
    expect(res.status).toBe(200);
    expect(res.body.authInfo.tokenInfo).not.toHaveProperty('appID');
    await strategy.close();
  });
});
