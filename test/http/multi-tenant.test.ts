/**
 * One strategy, several tenants (docs/recipes-multi-tenant.md): `clientID` and `appID` as functions
 * of the request, here of an `x-tenant` header. A token is good only for the tenant it was issued
 * for, whatever the cache or a verification in flight holds for another; a function that fails is
 * the app's error, one that gives an empty list refuses every token and says why. What such a
 * function may return, and the memo of its rules: test/unit/audience.test.ts. Two tenants on one
 * Redis: test/redis/tenants.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import type express from 'express';
import request from 'supertest';
import { CHANNELS, Strategy, type ChannelMessages } from '../../lib';
import {
  bearer,
  CLIENT_ID,
  expectRefused,
  getMe,
  mount,
  OTHER_CLIENT_ID,
  recordEvents,
  useEmulator,
  type MeBody,
  type TestUser,
} from '../support/fixture';

const lwa = useEmulator();
const outcomes = recordEvents<ChannelMessages['outcome']>(CHANNELS.outcome);
const calls = () => ({ ...lwa.emu.calls });
const NO_CALLS = { tokeninfo: 0, profile: 0 };

/** Each tenant's client IDs; `both` serves the apps of both, `closed` none. */
const TENANTS: Readonly<Record<string, readonly string[]>> = {
  a: [CLIENT_ID],
  b: [OTHER_CLIENT_ID],
  both: [CLIENT_ID, OTHER_CLIENT_ID],
  closed: [],
};
const tenantOf = (req: IncomingMessage): string => String(req.headers['x-tenant']);
const clientIDsOf = (req: IncomingMessage): readonly string[] => TENANTS[tenantOf(req)] ?? [];

const asTenant = (app: express.Express, tenant: string, token: string) => getMe(app, token).set('x-tenant', tenant);
const mintFor = (clientID: string) => lwa.emu.mintToken({ clientID });

describe('tenants apart, by the x-tenant header', () => {
  test.each([
    ['a synchronous function', (req: IncomingMessage) => clientIDsOf(req)],
    ['an async function', async (req: IncomingMessage) => clientIDsOf(req)],
  ])("%s: A's token is accepted on A, refused on B though A's verdict is cached", async (_name, clientID) => {
    const { app } = lwa.app({ clientID });
    const token = lwa.mint();
    const onA = await asTenant(app, 'a', token);
    expect(onA.status).toBe(200);
    expect((onA.body as MeBody).authInfo.tokenInfo.clientID).toBe(CLIENT_ID);
    expect(calls()).toEqual({ tokeninfo: 1, profile: 1 });

    lwa.emu.resetCalls();
    expectRefused(await asTenant(app, 'b', token), 401, 'invalid_token');
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'fail', reason: 'audience_mismatch' });
    // B's own verification, not A's cached verdict.
    expect(calls().tokeninfo).toBe(1);

    lwa.emu.resetCalls();
    await asTenant(app, 'a', token).expect(200);
    await asTenant(app, 'both', token).expect(200);
    expect(calls().tokeninfo).toBe(1); // A's verdict still cached; `both` has rules of its own
    await asTenant(app, 'b', mintFor(OTHER_CLIENT_ID)).expect(200);
  });

  test("a refusal cached for A does not refuse B's own token", async () => {
    const { app } = lwa.app({ clientID: clientIDsOf });
    const tokenOfB = mintFor(OTHER_CLIENT_ID);
    expectRefused(await asTenant(app, 'a', tokenOfB), 401, 'invalid_token');
    await asTenant(app, 'b', tokenOfB).expect(200);
    expectRefused(await asTenant(app, 'a', tokenOfB), 401, 'invalid_token');
    expect(calls().tokeninfo).toBe(2);
  });

  test('requests of two tenants with one token at once: each gets its own verdict, never a shared flight', async () => {
    const { app } = lwa.app({ clientID: clientIDsOf });
    const token = lwa.mint();
    lwa.emu.setLatency(50); // so that both are likely in flight together; the verdicts hold either way
    const [onA, onB] = await Promise.all([asTenant(app, 'a', token), asTenant(app, 'b', token)]);
    lwa.emu.setLatency(0);
    expect(onA.status).toBe(200);
    expectRefused(onB, 401, 'invalid_token');
    expect(calls().tokeninfo).toBe(2);
  });

  test('appID as a function too: each tenant its own app', async () => {
    const appIDs: Record<string, string> = { a: 'amzn1.application.a', b: 'amzn1.application.b' };
    const { app } = lwa.app({ clientID: CLIENT_ID, appID: (req) => appIDs[tenantOf(req)] ?? [] });
    const token = lwa.mint({ appID: 'amzn1.application.a' });
    await asTenant(app, 'a', token).expect(200);
    expectRefused(await asTenant(app, 'b', token), 401, 'invalid_token');
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'fail', reason: 'app_id_mismatch' });
  });

  test('a request without a token is refused before the function is called', async () => {
    const clientID = jest.fn(clientIDsOf);
    const { app } = lwa.app({ clientID });
    expectRefused(await request(app).get('/api/me').set('x-tenant', 'a'), 401);
    expect(clientID).not.toHaveBeenCalled();
  });
});

describe('an empty list accepts no token', () => {
  test('401 invalid_token, no call to Amazon, and the outcome event says no_client_ids', async () => {
    const { app } = lwa.app({ clientID: clientIDsOf });
    for (const tenant of ['closed', 'unknown']) {
      expectRefused(await asTenant(app, tenant, lwa.mint()), 401, 'invalid_token');
    }
    expect(calls()).toEqual(NO_CALLS);
    expect(outcomes).toEqual([
      { outcome: 'fail', status: 401, reason: 'no_client_ids', origin: 'authorization' },
      { outcome: 'fail', status: 401, reason: 'no_client_ids', origin: 'authorization' },
    ]);
  });

  test('an empty appID list: no_app_ids', async () => {
    const { app } = lwa.app({ appID: async () => [] });
    expectRefused(await getMe(app, lwa.mint()), 401, 'invalid_token');
    expect(calls()).toEqual(NO_CALLS);
    expect(outcomes).toEqual([{ outcome: 'fail', status: 401, reason: 'no_app_ids', origin: 'authorization' }]);
  });
});

describe("a function that fails is the app's error: the error handler, no call to Amazon", () => {
  const storeDown = () => new Error('tenant store down');
  test.each([
    [
      'throws',
      () => {
        throw storeDown();
      },
    ],
    ['rejects', () => Promise.reject(storeDown())],
  ])('%s: 500 with its own error', async (_name, clientID) => {
    const { app } = lwa.app({ clientID });
    const res = await getMe(app, lwa.mint());
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 'app_error', message: 'tenant store down' });
    expect(calls()).toEqual(NO_CALLS);
    expect(outcomes).toEqual([{ outcome: 'error', status: 500, origin: 'authorization' }]);
  });

  test.each([
    ['clientID', undefined],
    ['clientID', ''],
    ['clientID', ['ok', 3]],
    ['appID', null],
  ])('%s returning %p: a 500 TypeError naming the option', async (option, value) => {
    const bad = () => value as never;
    const { app } = lwa.app(option === 'appID' ? { appID: bad } : { clientID: bad });
    const res = await getMe(app, lwa.mint());
    expect(res.status).toBe(500);
    expect((res.body as { message: string }).message).toContain(`option \`${option}\` is a function that returned`);
    expect(calls()).toEqual(NO_CALLS);
  });
});

describe('with passReqToCallback', () => {
  /** The tenant the function looked up, kept on the request for verify. */
  type TenantRequest = express.Request & { tenant?: string };
  let strategy: Strategy<TestUser, TenantRequest>;
  afterAll(() => strategy.close());

  test('the function and verify see the same request: what the first looked up, the second reads', async () => {
    strategy = new Strategy<TestUser, TenantRequest>(
      {
        clientID: async (req) => {
          req.tenant = req.get('x-tenant');
          return clientIDsOf(req);
        },
        tokenInfoURL: lwa.emu.tokenInfoURL,
        profileURL: lwa.emu.profileURL,
        passReqToCallback: true,
      },
      async (req, _token, profile) => ({ id: profile.id, name: `tenant ${req.tenant}` }),
    );
    const app = mount(strategy);
    const token = lwa.mint();
    const res = await request(app).get('/api/me').set(bearer(token)).set('x-tenant', 'a').expect(200);
    expect((res.body as MeBody).user.name).toBe('tenant a');
    const cached = await request(app).get('/api/me').set(bearer(token)).set('x-tenant', 'both').expect(200);
    expect((cached.body as MeBody).user.name).toBe('tenant both');
    expectRefused(await request(app).get('/api/me').set(bearer(token)).set('x-tenant', 'b'), 401, 'invalid_token');
  });
});
