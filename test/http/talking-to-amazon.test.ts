/**
 * How the strategy talks to Amazon, seen from the emulator's side (docs/design.md, Talking to
 * Amazon): the requests' headers, the two calls at once, kept-alive connections, the caller's
 * `dispatcher`, the `region` hosts, and the one retry through the strategy (docs/design.md, Failure
 * behaviour). Retry timing and what is retried: test/unit/retry.test.ts.
 */
import request from 'supertest';
import { Agent, type Dispatcher } from 'undici';
import { Strategy } from '../../lib';
import { acceptAll, bearer, CLIENT_ID, mount, useEmulator, getMe } from '../support/fixture';

const lwa = useEmulator();

describe('talking to Amazon', () => {
  test('sends the documented headers, the token in x-amz-access-token to tokeninfo and as a bearer to profile', async () => {
    const { app } = lwa.app();
    const token = lwa.mint();
    expect((await getMe(app, token)).status).toBe(200);
    const ti = lwa.emu.requests.filter((r) => r.endpoint === 'tokeninfo').at(-1)!;
    const pr = lwa.emu.requests.filter((r) => r.endpoint === 'profile').at(-1)!;
    expect(ti.tokenVia).toBe('x-amz-access-token');
    expect(ti.headers['x-amz-access-token']).toBe(token);
    expect(pr.tokenVia).toBe('authorization');
    expect(pr.headers.authorization).toBe(`Bearer ${token}`);
    for (const r of [ti, pr]) {
      expect(r.method).toBe('GET');
      expect(r.headers.accept).toBe('application/json');
      expect(r.headers['accept-language']).toBe('en-US');
      expect(r.headers['user-agent']).toMatch(/^passport-lwa-token\/\d+\.\d+\.\d+/);
    }
  });

  test('the two calls are concurrent: profile is asked while tokeninfo has not answered', async () => {
    const { app } = lwa.app({ timeout: 300 });
    lwa.emu.fault('tokeninfo', { kind: 'hang' });
    const res = await getMe(app, lwa.mint());
    expect(res.status).toBe(504);
    // A sequential client would never have reached profile.
    expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('connections are kept alive and reused across requests', async () => {
    const { app, strategy } = lwa.app();
    const before = lwa.emu.connections;
    for (let i = 0; i < 10; i++) {
      expect((await getMe(app, lwa.mint())).status).toBe(200);
    }
    // Twenty calls, two at a time: a fresh connection each time would open twenty. Two in use, two
    // kept open ahead of the calls (and the two opened ahead of the first, if they were not ready
    // yet), and undici may open one beside those in use, hence the slack.
    expect(lwa.emu.connections - before).toBeLessThanOrEqual(7);
    await strategy.close();
  });

  test("the caller's dispatcher is used when given", async () => {
    let dispatched = 0;
    class CountingAgent extends Agent {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        dispatched++;
        return super.dispatch(opts, handler);
      }
    }
    const dispatcher = new CountingAgent();
    const { app, strategy } = lwa.app({ dispatcher });
    expect((await getMe(app, lwa.mint())).status).toBe(200);
    expect(dispatched).toBe(2);
    await strategy.close(); // must not close the caller's dispatcher
    expect((await getMe(app, lwa.mint())).status).toBe(200);
    await dispatcher.close();
  });

  test('a region maps to its Amazon host (seen through a dispatcher that records the origin)', async () => {
    const origins: string[] = [];
    class Recording extends Agent {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        origins.push(`${String(opts.origin)}${opts.path.split('?')[0]}`);
        // Never leave the machine: send the call to the emulator instead.
        return super.dispatch({ ...opts, origin: lwa.emu.url }, handler);
      }
    }
    const dispatcher = new Recording();
    for (const region of ['NA', 'EU', 'FE'] as const) {
      const s = new Strategy({ clientID: CLIENT_ID, region, dispatcher }, acceptAll);
      await request(mount(s)).get('/api/me').set(bearer(lwa.mint()));
    }
    await dispatcher.close();
    expect(origins.sort()).toEqual(
      [
        'https://api.amazon.co.jp/auth/o2/tokeninfo',
        'https://api.amazon.co.jp/user/profile',
        'https://api.amazon.co.uk/auth/o2/tokeninfo',
        'https://api.amazon.co.uk/user/profile',
        'https://api.amazon.com/auth/o2/tokeninfo',
        'https://api.amazon.com/user/profile',
      ].sort(),
    );
  });
});

describe('retries, through the strategy (one retry, when it fits in `timeout`)', () => {
  test('one retry: a passing 500 on tokeninfo is not seen by the client', async () => {
    const { app, strategy } = lwa.app();
    lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 }, { times: 1 });
    const res = await getMe(app, lwa.mint());
    expect(res.status).toBe(200);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 2, profile: 1 });
    await strategy.close();
  });

  test('only one: a second 500 in a row is a 502, after exactly two calls', async () => {
    const { app, strategy } = lwa.app();
    lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 }, { times: 2 });
    const res = await getMe(app, lwa.mint());
    expect([res.status, res.body.code]).toEqual([502, 'ERR_LWA_UPSTREAM_STATUS']);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 2, profile: 1 });
    await strategy.close();
  });

  test('a reset connection is retried: one reset is outlasted, two are a 502', async () => {
    const { app, strategy } = lwa.app({ circuitBreaker: false });
    lwa.emu.fault('profile', { kind: 'reset' }, { times: 1 });
    expect((await getMe(app, lwa.mint())).status).toBe(200);
    expect(lwa.emu.calls.profile).toBe(2);

    lwa.emu.resetCalls();
    lwa.emu.fault('profile', { kind: 'reset' }, { times: 2 });
    const res = await getMe(app, lwa.mint());
    expect([res.status, res.body.code]).toEqual([502, 'ERR_LWA_UPSTREAM_CONNECTION']);
    expect(lwa.emu.calls.profile).toBe(2);
    await strategy.close();
  });
});
