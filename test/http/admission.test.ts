/**
 * Admission by deadline (lib/gate/admission.ts): at most MAX_RUNNING verifications call Amazon at
 * once, the others wait their turn, and one is refused (a 503 `ERR_LWA_OVERLOADED`, no call) only
 * when, at Amazon's current pace, it could not be answered within `timeout`. Against the emulator:
 * a burst of valid new tokens is served whole; a slow Amazon splits it into verified and refused
 * early, nobody timing out; a hanging Amazon gets its running ones timed out and the rest refused
 * before them. Counts, statuses and the order answers come in; no timings.
 */
import { LwaError, LwaUnavailableError, type LwaVerifier, Strategy } from '../../lib';
import { Deadline } from '../../lib/amazon/deadline';
import { MAX_RUNNING, MAX_WAITING } from '../../lib/defaults';
import { overloaded } from '../../lib/errors';
import { Admission } from '../../lib/gate/admission';
import { acceptAll, CLIENT_ID, useEmulator } from '../support/fixture';
import { getMe as get, holdAtTokenInfo, listen } from '../support/hold-pending';

const lwa = useEmulator();
const mintMany = (n: number) => Array.from({ length: n }, () => lwa.mint());

/** Verifies every token at once; each answer as `200`, `401` or its error's status and code, in the order they came. */
async function burst(verifier: LwaVerifier, tokens: readonly string[]): Promise<string[]> {
  const order: string[] = [];
  await Promise.all(
    tokens.map((token) =>
      verifier.verify(token).then(
        (result) => order.push(result.ok ? '200' : String(result.status)),
        (err: unknown) => order.push(err instanceof LwaError ? `${err.status} ${err.code}` : 'bug'),
      ),
    ),
  );
  return order;
}

const count = (answers: readonly string[], answer: string) => answers.filter((a) => a === answer).length;

describe('a burst of valid new tokens', () => {
  test.each([
    ['cold start', false],
    ['warm pool', true],
  ])(
    '1,000 at once, Amazon at 20 ms (%s): every one verified',
    async (_name, warm) => {
      lwa.emu.setLatency(20);
      try {
        // A long timeout: this process plays Amazon and the app on a shared machine, and a burst of
        // 1,000 takes it seconds; served whole means no fixed count (the rule's figures: npm run bench).
        const verifier = lwa.verifier({ timeout: 60_000 });
        if (warm) expect(count(await burst(verifier, mintMany(100)), '200')).toBe(100);
        const answers = await burst(verifier, mintMany(1000));
        expect(count(answers, '200')).toBe(1000);
        await verifier.close();
      } finally {
        lwa.emu.setLatency(0);
      }
    },
    60_000,
  );
});

test('Amazon slow (400 ms, timeout 5000): more verified than the running places, the rest refused early, none timed out', async () => {
  lwa.emu.setLatency(400);
  try {
    const verifier = lwa.verifier({ timeout: 5000, circuitBreaker: false });
    const answers = await burst(verifier, mintMany(1000));
    const verified = count(answers, '200');
    const refused = count(answers, '503 ERR_LWA_OVERLOADED');
    expect(verified + refused).toBe(1000);
    // Rounds of 400 ms fit in 5 s many times over; a fixed count of places would serve one or two.
    expect(verified).toBeGreaterThan(2 * MAX_RUNNING);
    expect(refused).toBeGreaterThan(0);
    expect(lwa.emu.calls.tokeninfo).toBe(verified);
    await verifier.close();
  } finally {
    lwa.emu.setLatency(0);
  }
}, 30_000);

test('Amazon hanging: the running ones time out, every other one is refused first, without a call, and nothing is a 401', async () => {
  const verifier = lwa.verifier({ timeout: 3000, circuitBreaker: false });
  const user = lwa.mint();
  expect((await verifier.verify(user)).ok).toBe(true);
  lwa.emu.resetCalls();
  lwa.emu.fault('both', { kind: 'hang' });
  const pending = burst(verifier, mintMany(500));
  // A user the cache knows is answered meanwhile, without a call.
  while (lwa.emu.calls.tokeninfo < MAX_RUNNING) await lwa.emu.nextRequest((r) => r.endpoint === 'tokeninfo');
  expect((await verifier.verify(user)).ok).toBe(true);
  const answers = await pending;
  expect(count(answers, '504 ERR_LWA_TIMEOUT')).toBe(MAX_RUNNING);
  expect(count(answers, '503 ERR_LWA_OVERLOADED')).toBe(500 - MAX_RUNNING);
  // Refused before the first timeout: told early, not at `timeout`.
  expect(answers.slice(0, 500 - MAX_RUNNING)).toEqual(Array(500 - MAX_RUNNING).fill('503 ERR_LWA_OVERLOADED'));
  expect(lwa.emu.calls.tokeninfo).toBe(MAX_RUNNING);
  await verifier.close();
}, 30_000);

test('joining a verification of the same token in flight takes no place and never waits in the queue', async () => {
  const { app, strategy } = lwa.app({ timeout: 3000, circuitBreaker: false });
  const server = await listen(app);
  const held = await holdAtTokenInfo(lwa.emu, server.url, mintMany(MAX_RUNNING - 1));
  // The last place: a token whose tokeninfo answers late, so that others can join it meanwhile.
  const token = lwa.mint();
  lwa.emu.fault('tokeninfo', { kind: 'latency', ms: 1000 }, { times: 1 });
  const reached = lwa.emu.nextRequest((r) => r.endpoint === 'tokeninfo');
  const first = get(server.url, token);
  await reached;
  const joined = await Promise.all(Array.from({ length: 10 }, () => get(server.url, token)));
  expect(joined.map((r) => r.status)).toEqual(Array(10).fill(200));
  expect((await first).status).toBe(200);
  expect(lwa.emu.calls.tokeninfo).toBe(MAX_RUNNING);
  for (const res of await Promise.all(held)) expect(res.status).toBe(504);
  await server.close();
  await strategy.close();
}, 30_000);

describe('the queue', () => {
  test('the memory backstop: past maxWaiting, refused at once whatever the prediction', async () => {
    const admission = new Admission({ running: 1, maxWaiting: 2 });
    const leave = admission.tryEnter();
    expect(leave).toBeDefined();
    const deadline = new Deadline(60_000);
    const waiting = [admission.wait(deadline), admission.wait(deadline)];
    await expect(admission.wait(deadline)).rejects.toMatchObject({ code: 'ERR_LWA_OVERLOADED' });
    expect([admission.inFlight, admission.queued]).toEqual([1, 2]);
    // Places go in order of arrival.
    leave!();
    (await waiting[0])();
    (await waiting[1])();
    expect([admission.inFlight, admission.queued]).toEqual([0, 0]);
    deadline.dispose();
  });

  test('while refusals dominate (a junk flood), one round waits at most; otherwise the backstop', async () => {
    let flooded = true;
    const admission = new Admission({ running: 2, maxWaiting: 100, flooded: () => flooded });
    const leaves = [admission.tryEnter()!, admission.tryEnter()!];
    const deadline = new Deadline(60_000);
    const waiting = [admission.wait(deadline), admission.wait(deadline)];
    // Refused at once: before a turn of the event loop, not by a later judgement.
    const turn = new Promise((resolve) => setImmediate(resolve, 'queued'));
    await expect(Promise.race([admission.wait(deadline), turn])).rejects.toMatchObject({ code: 'ERR_LWA_OVERLOADED' });
    flooded = false;
    waiting.push(admission.wait(deadline));
    expect(admission.queued).toBe(3);
    for (const leave of leaves) leave();
    for (const place of waiting.slice(0, 2)) (await place)();
    (await waiting[2])();
    expect([admission.inFlight, admission.queued]).toEqual([0, 0]);
    deadline.dispose();
  });

  test('a generous backstop: more than the pool answers within the default timeout at 25 ms a call', () => {
    expect(MAX_WAITING).toBe(12_800);
    expect(MAX_RUNNING).toBe(32);
  });

  test('the error: a 503 LwaUnavailableError with its code, no endpoint (Amazon was not called)', () => {
    const err = overloaded(7);
    expect(err).toBeInstanceOf(LwaUnavailableError);
    expect([err.status, err.code, err.endpoint, err.name, err.retryAfterSeconds]).toEqual([
      503,
      'ERR_LWA_OVERLOADED',
      undefined,
      'LwaUnavailableError',
      undefined,
    ]);
    expect(err.message).toContain('within timeout');
  });

  test.each([
    ['1', 1],
    ['64', 64],
    ['a string', '8'],
  ])('maxPending %s is refused: the option was removed', (_name, maxPending) => {
    const attempt = () => new Strategy({ clientID: CLIENT_ID, maxPending } as never, acceptAll);
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(/`maxPending` was removed: a verification waits its turn/);
  });
});
