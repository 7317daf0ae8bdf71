/**
 * The bad-day promises of docs/failure-behaviour.md, each tried against a hostile upstream (the
 * emulator's faults) over HTTP. No test sleeps to synchronize: each waits for the emulator to see
 * a request (`nextRequest`) or for an answer. Where a promise is about not waiting for `timeout`,
 * `timeout` is set far beyond the test's own time limit, so a broken promise fails the test by its
 * limit rather than by a timing assertion.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Pool } from 'undici';
import type { LwaError } from '../../lib';
import { AmazonClient } from '../../lib/amazon/client';
import { Deadline } from '../../lib/amazon/deadline';
import { DEFAULT_CONNECTIONS } from '../../lib/defaults';
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
    const { app } = lwa.app({ timeout: 20_000, cache: false, circuitBreaker: { threshold: 1, cooldown: 1000 } });
    lwa.emu.fault('both', { kind: 'status', status: 503 });
    expect((await getMe(app, lwa.mint())).status).toBe(502); // the circuit opens
    lwa.emu.clearFaults();
    lwa.emu.fault('both', { kind: 'hang' });
    advance(1000);
    const probe = getMe(app, lwa.mint()).then((res) => res);
    await lwa.emu.nextRequest();
    lwa.emu.clearFaults(); // Amazon is back; the probe's own calls stay hung
    const probed = await probe;
    expect(probed.status).toBe(504);
    expect((probed.body as { message?: string }).message).toMatch(/1000 ms/);
    advance(1000);
    expect((await getMe(app, lwa.mint())).status).toBe(200);
  }, 10_000);
});

describe('6. a call whose deadline has passed is never handed to the pool', () => {
  test('64 calls hold the pool against a hanging Amazon; 64 more time out waiting: none of those reaches undici or opens a connection', async () => {
    // The Amazon client itself, so that the two groups can have deadlines of their own.
    const client = new AmazonClient({
      tokenInfoURL: lwa.emu.tokenInfoURL,
      profileURL: lwa.emu.profileURL,
      timeout: 5000,
      dispatcher: undefined,
    });
    // Every request handed to undici is published here (undici's own diagnostics channel).
    let handedToUndici = 0;
    const count = (): void => void (handedToUndici += 1);
    diagnostics_channel.subscribe('undici:request:create', count);
    const holders = new Deadline(10_000);
    const release = new AbortController();
    try {
      lwa.emu.fault('tokeninfo', { kind: 'hang' });
      lwa.emu.resetCalls();
      const before = lwa.emu.connections;
      const holding = Array.from({ length: DEFAULT_CONNECTIONS }, () =>
        client.tokenInfo(lwa.mint(), holders, release.signal).catch(() => 'ended'),
      );
      while (lwa.emu.calls.tokeninfo < DEFAULT_CONNECTIONS) await lwa.emu.nextRequest();
      // Every connection is busy: these wait for one, and their deadline passes while they wait.
      const waiters = new Deadline(300);
      const waiting = await Promise.allSettled(
        Array.from({ length: DEFAULT_CONNECTIONS }, () => client.tokenInfo(lwa.mint(), waiters)),
      );
      waiters.dispose();
      expect(new Set(waiting.map((r) => (r.status === 'rejected' ? (r.reason as LwaError).code : 'ok')))).toEqual(
        new Set(['ERR_LWA_TIMEOUT']),
      );
      expect(lwa.emu.connections - before).toBe(DEFAULT_CONNECTIONS);
      // The pool frees up: had undici queued the dead calls, it would now dispatch them.
      release.abort();
      await Promise.all(holding);
      lwa.emu.clearFaults();
      expect((await client.tokenInfo(lwa.mint())).kind).toBe('answer');
      // The dead calls were never handed to undici (before: all 64 were, and it connected for them).
      expect(handedToUndici).toBe(DEFAULT_CONNECTIONS + 1);
      expect(lwa.emu.calls.tokeninfo).toBe(DEFAULT_CONNECTIONS + 1);
      // undici 7 opens a connection again after each request aborted in flight (it re-queues the
      // aborted request before dropping it); that connection idles in the pool for later calls.
      // The holders' 64 and those 64, and the last call's: nothing for the dead calls.
      expect(lwa.emu.connections - before).toBeLessThanOrEqual(2 * DEFAULT_CONNECTIONS + 1);
    } finally {
      diagnostics_channel.unsubscribe('undici:request:create', count);
      release.abort();
      holders.dispose();
      await client.close();
    }
  }, 20_000);
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
