/**
 * `extractToken` returning a promise (a token looked up elsewhere: a session store, a signed
 * cookie to check first). Its token goes through the same checks as any; a promise of two tokens
 * is a 400; a rejection (or a throw) is an error, never a refusal, and Amazon is not asked.
 * Through the strategy and through `verifyRequest` (a Node request and a Fetch API `Request`).
 */
import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import { CHANNELS, LwaVerifier, type ChannelMessages, type LwaVerifierOptions } from '../../lib';
import { CLIENT_ID, bearer, expectRefused, recordEvents, useEmulator } from '../support/fixture';
import { routeApp, type RouteBody } from '../support/route-app';

const lwa = useEmulator();
const outcomes = recordEvents<ChannelMessages['outcome']>(CHANNELS.outcome);
const calls = () => ({ ...lwa.emu.calls });

/** Sessions the app keeps: `x-session` names one, whose token is read asynchronously. */
const sessions = new Map<string, string | string[]>();
const fromSession = async (req: { headers: IncomingMessage['headers'] }): Promise<string | string[] | undefined> => {
  await new Promise<void>((resolve) => setImmediate(resolve)); // a real lookup's turn of the event loop
  const id = req.headers['x-session'];
  if (id === 'broken') throw new Error('session store unavailable');
  return typeof id === 'string' ? sessions.get(id) : undefined;
};

function app(extractToken: LwaVerifierOptions['extractToken'] = fromSession) {
  return routeApp(lwa.strategy({ extractToken }), { '/me': {}, '/feed': { optional: true } });
}

describe('through the strategy', () => {
  test('a promise of a token: verified like any other, origin `custom`', async () => {
    const token = lwa.mint({ userID: 'amzn1.account.SESSION' });
    sessions.set('s1', token);
    const res = await request(app()).get('/me').set('x-session', 's1');
    expect([res.status, (res.body as RouteBody).user?.id]).toEqual([200, 'amzn1.account.SESSION']);
    expect(outcomes).toEqual([{ outcome: 'success', status: 200, origin: 'custom' }]);
  });

  test('a promise of undefined: no token (401, or a pass on an optional route)', async () => {
    const server = app();
    expectRefused(await request(server).get('/me'), 401);
    expect((await request(server).get('/feed')).status).toBe(200);
  });

  test('a promise of two tokens: a 400, and Amazon is not asked', async () => {
    sessions.set('two', [lwa.mint(), lwa.mint()]);
    expectRefused(await request(app()).get('/me').set('x-session', 'two'), 400, 'invalid_request');
    expect(calls()).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('its token and a header token: two places, a 400', async () => {
    const token = lwa.mint();
    sessions.set('s2', token);
    expectRefused(await request(app()).get('/me').set('x-session', 's2').set(bearer(token)), 400, 'invalid_request');
  });

  test('a promise of a malformed token: a 401, without asking Amazon', async () => {
    sessions.set('junk', 'not a token');
    expectRefused(await request(app()).get('/me').set('x-session', 'junk'), 401, 'invalid_token');
    expect(calls()).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('a rejecting promise: an error (500 from the app’s handler), not a refusal; Amazon is not asked', async () => {
    const res = await request(app()).get('/me').set('x-session', 'broken');
    expect([res.status, res.body]).toEqual([500, { code: 'app_error', name: 'Error' }]);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(calls()).toEqual({ tokeninfo: 0, profile: 0 });
    expect(outcomes).toEqual([{ outcome: 'error', status: 500 }]);
  });

  test('a rejection is an error on an optional route too', async () => {
    const res = await request(app()).get('/feed').set('x-session', 'broken');
    expect(res.status).toBe(500);
  });
});

describe('through verifyRequest', () => {
  const verifiers: Array<LwaVerifier<never>> = [];
  afterAll(() => Promise.allSettled(verifiers.map((v) => v.close())));
  function verifierFor<TRequest>(extractToken: LwaVerifierOptions<TRequest>['extractToken']): LwaVerifier<TRequest> {
    const verifier = new LwaVerifier<TRequest>({
      clientID: CLIENT_ID,
      tokenInfoURL: lwa.emu.tokenInfoURL,
      profileURL: lwa.emu.profileURL,
      tokenSources: [],
      extractToken,
    });
    verifiers.push(verifier);
    return verifier;
  }
  const nodeRequest = (session: string): IncomingMessage =>
    ({ headers: { 'x-session': session }, url: '/' }) as unknown as IncomingMessage;

  test('a Node request: ok, origin `custom`', async () => {
    const token = lwa.mint({ userID: 'amzn1.account.SESSION' });
    sessions.set('s3', token);
    await expect(verifierFor(fromSession).verifyRequest(nodeRequest('s3'))).resolves.toMatchObject({
      ok: true,
      origin: 'custom',
      profile: { id: 'amzn1.account.SESSION' },
    });
  });

  test('a Fetch API Request: the function gets the Request itself', async () => {
    const token = lwa.mint();
    const verifier = verifierFor<Request>(async (req) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return req.headers.get('x-token') ?? undefined;
    });
    const req = new Request('http://127.0.0.1/', { headers: { 'x-token': token } });
    await expect(verifier.verifyRequest(req)).resolves.toMatchObject({ ok: true, origin: 'custom' });
  });

  test('a promise of two tokens: ok false, 400 multiple_tokens', async () => {
    sessions.set('two', [lwa.mint(), lwa.mint()]);
    await expect(verifierFor(fromSession).verifyRequest(nodeRequest('two'))).resolves.toMatchObject({
      ok: false,
      status: 400,
      reason: 'multiple_tokens',
    });
    expect(calls()).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('a rejecting promise rejects verifyRequest with the app’s error', async () => {
    await expect(verifierFor(fromSession).verifyRequest(nodeRequest('broken'))).rejects.toThrow(
      'session store unavailable',
    );
  });

  test('a function that throws at once: verifyRequest rejects too (it does not throw)', async () => {
    const verifier = verifierFor(() => {
      throw new Error('no sessions here');
    });
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = verifier.verifyRequest(nodeRequest('s3'));
    }).not.toThrow();
    await expect(pending).rejects.toThrow('no sessions here');
  });
});
