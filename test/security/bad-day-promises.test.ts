/**
 * The bad-day promises of docs/failure-behaviour.md, each tried against a hostile upstream (the
 * emulator's faults) over HTTP. No test sleeps to synchronize: each waits for the emulator to see
 * a request (`nextRequest`) or for an answer. Where a promise is about not waiting for `timeout`,
 * `timeout` is set far beyond the test's own time limit, so a broken promise fails the test by its
 * limit rather than by a timing assertion.
 */
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Pool } from 'undici';
import type { LwaError } from '../../lib';
import { MAX_PENDING } from '../../lib/defaults';
import { expectRefused, getMe, OTHER_CLIENT_ID, useEmulator, useMovableClock } from '../support/fixture';

const lwa = useEmulator();

/** Blocks this process's event loop: what a synchronous stall in the app does. Not a sleep. */
function blockEventLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: no timer, no I/O callback runs meanwhile
  }
}

/** The app on a port of its own, with a client pool large enough for a burst. */
async function serve(app: Express) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const client = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 128 });
  const get = async (token: string): Promise<number> => {
    const res = await client.request({ method: 'GET', path: '/api/me', headers: { authorization: `Bearer ${token}` } });
    await res.body.dump();
    return res.statusCode;
  };
  const close = async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { get, close };
}

describe("1. the app's own stall is not an Amazon outage", () => {
  test('Amazon answers in 40 ms, timeout 300, six in flight, the loop blocked 700 ms: answers used, circuit closed', async () => {
    const { app, strategy } = lwa.app({ timeout: 300, circuitBreaker: { threshold: 3, cooldown: 60_000 } });
    const { get, close } = await serve(app);
    lwa.emu.setLatency(40);
    try {
      const inFlight = Array.from({ length: 6 }, () => get(lwa.mint()));
      while (lwa.emu.calls.tokeninfo < 6 || lwa.emu.calls.profile < 6) await lwa.emu.nextRequest();
      // Amazon has all twelve calls; its answers come 40 ms later, while this process is stuck.
      blockEventLoop(700);
      // The answers were waiting in the sockets when the deadlines' timers ran (late): they win.
      expect(await Promise.all(inFlight)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(strategy.verifier).toBeDefined();
      // Whatever the stall did, the circuit is closed: the next new token is verified.
      expect(await get(lwa.mint())).toBe(200);
    } finally {
      lwa.emu.setLatency(0);
      await close();
    }
  });

  test('a stall before the calls even left: 504s, yet no outage counted (the next new token succeeds)', async () => {
    const { app } = lwa.app({ timeout: 300, circuitBreaker: { threshold: 3, cooldown: 60_000 } });
    const { get, close } = await serve(app);
    // Amazon never answers these: only the stall can end them, and it is ours, not Amazon's.
    lwa.emu.fault('both', { kind: 'hang' }, { times: 6 });
    try {
      const inFlight = Array.from({ length: 6 }, () => get(lwa.mint()));
      while (lwa.emu.calls.tokeninfo < 6 || lwa.emu.calls.profile < 6) await lwa.emu.nextRequest();
      blockEventLoop(700);
      expect(await Promise.all(inFlight)).toEqual([504, 504, 504, 504, 504, 504]);
      // Six timeouts with threshold 3 would have opened the circuit (a 503 here) had they counted.
      expect(await get(lwa.mint())).toBe(200);
    } finally {
      await close();
    }
  });
});

describe('2. a refusal whose body trickles is still a refusal', () => {
  test('a JSON 400 from tokeninfo sent one byte every 300 ms: 401 within the discard grace, not a 504', async () => {
    // The body would take about 15 s; `timeout` is 3 s. Before, the 400 became a 504 at `timeout`.
    const { app } = lwa.app({ timeout: 3000 });
    lwa.emu.fault('tokeninfo', { kind: 'trickle', status: 400, intervalMs: 300 });
    expectRefused(await getMe(app, lwa.mint()), 401, 'invalid_token');
  });
});

describe('3. a retry never turns a 502 into a 504', () => {
  test('Amazon answers 500 after 1000 ms, timeout 1500: the 502, and no retry that cannot finish', async () => {
    const { app } = lwa.app({ timeout: 1500, cache: false });
    lwa.emu.setLatency(1000);
    lwa.emu.fault('both', { kind: 'status', status: 500 });
    try {
      const res = await getMe(app, lwa.mint());
      expect({ status: res.status, code: (res.body as { code?: string }).code }).toEqual({
        status: 502,
        code: 'ERR_LWA_UPSTREAM_STATUS',
      });
      // A retry as long as the first attempt would not fit in the 500 ms left: none was made.
      expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 1, profile: 1 });
    } finally {
      lwa.emu.setLatency(0);
    }
  });

  test('a retry cut off by the deadline leaves the first attempt’s 502 as the answer', async () => {
    const { app } = lwa.app({ timeout: 1000, cache: false });
    lwa.emu.fault('both', { kind: 'status', status: 500 }, { times: 1 });
    lwa.emu.fault('both', { kind: 'hang' }); // the retry never gets an answer
    const res = await getMe(app, lwa.mint());
    expect({ status: res.status, code: (res.body as { code?: string }).code }).toEqual({
      status: 502,
      code: 'ERR_LWA_UPSTREAM_STATUS',
    });
    expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 2, profile: 2 });
  });
});

describe('5. after Amazon returns, new users are served again within one cooldown, even with timeout > cooldown', () => {
  const advance = useMovableClock();

  test('a probe sent while Amazon hangs ends at the cooldown, not at its `timeout`', async () => {
    // `timeout` (20 s) is far past this test's limit: a probe bounded by it alone fails the test.
    const { app } = lwa.app({ timeout: 20_000, cache: false, circuitBreaker: { threshold: 1, cooldown: 300 } });
    lwa.emu.fault('both', { kind: 'status', status: 503 });
    expect((await getMe(app, lwa.mint())).status).toBe(502); // the circuit opens
    lwa.emu.clearFaults();
    lwa.emu.fault('both', { kind: 'hang' });
    advance(300);
    const probe = getMe(app, lwa.mint()).then((res) => res);
    await lwa.emu.nextRequest();
    lwa.emu.clearFaults(); // Amazon is back; the probe's own calls stay hung
    const probed = await probe;
    expect(probed.status).toBe(504);
    expect((probed.body as { message?: string }).message).toMatch(/300 ms/);
    advance(300);
    expect((await getMe(app, lwa.mint())).status).toBe(200);
  }, 10_000);
});

describe('6. a call whose deadline has passed opens no connection', () => {
  test(`${MAX_PENDING} new tokens against a hanging Amazon, timeout 300: the calls that waited for a connection open none`, async () => {
    // Straight through the verifier, so that all of them start together: half their calls get one
    // of the pool's 64 connections, the other half wait for one, and all time out together.
    const strategy = lwa.strategy({ timeout: 300, cache: false, circuitBreaker: false });
    lwa.emu.fault('both', { kind: 'hang' });
    lwa.emu.resetCalls();
    const before = lwa.emu.connections;
    const results = await Promise.allSettled(
      Array.from({ length: MAX_PENDING }, () => strategy.verifier.verify(lwa.mint())),
    );
    expect(new Set(results.map((r) => (r.status === 'rejected' ? (r.reason as LwaError).code : 'ok')))).toEqual(
      new Set(['ERR_LWA_TIMEOUT']),
    );
    const sentInBurst = lwa.emu.calls.tokeninfo + lwa.emu.calls.profile;
    lwa.emu.clearFaults();
    // A verification after the burst goes through the same pool: anything the pool still had to
    // do for the dead calls (connecting for them, as undici does for a request aborted in its
    // queue) is done by the time it is answered.
    expect((await strategy.verifier.verify(lwa.mint())).ok).toBe(true);
    const opened = lwa.emu.connections - before;
    // The 64 calls that waited in the client's own queue past their deadline were never handed to
    // undici, so they opened nothing. What remains: the pool's 64, the last verification's (at
    // most 2), and a few for calls handed to undici with time left that undici still connected for
    // after they were dropped (measured: 2 to 26 more). Before, undici connected for every call it
    // had queued: 129 to 146 connections in this burst.
    expect(sentInBurst).toBeLessThan(64 + 32);
    expect(opened).toBeLessThan(64 + 2 + 32);
  }, 15_000);
});

describe('7. a refusal does not wait for the slower call', () => {
  test('a token for another app whose profile call hangs: 401 at once, not at `timeout`', async () => {
    const { app } = lwa.app({ timeout: 30_000 });
    lwa.emu.fault('profile', { kind: 'hang' });
    const res = await getMe(app, lwa.emu.mintToken({ clientID: OTHER_CLIENT_ID }));
    expectRefused(res, 401, 'invalid_token');
  });

  test('profile says invalid_token while tokeninfo hangs: 401 at once', async () => {
    const { app } = lwa.app({ timeout: 30_000 });
    lwa.emu.fault('tokeninfo', { kind: 'hang' });
    expectRefused(await getMe(app, `Atza|${'n'.repeat(400)}`), 401, 'invalid_token');
  });

  test('tokeninfo refuses while the profile hangs: 401 at once, and the circuit counts an answer', async () => {
    const { app } = lwa.app({ timeout: 30_000, circuitBreaker: { threshold: 1, cooldown: 60_000 } });
    lwa.emu.fault('profile', { kind: 'hang' });
    expectRefused(await getMe(app, `Atza|${'m'.repeat(400)}`), 401, 'invalid_token');
    lwa.emu.clearFaults();
    expect((await getMe(app, lwa.mint())).status).toBe(200);
  });
});
