/**
 * A flood of distinct, well-formed junk tokens (each one needs Amazon) against an Amazon that never
 * answers: at most MAX_RUNNING verifications call Amazon at once, the rest wait their turn and are refused
 * (503, no call) once Amazon's silence shows their turn would come too late; a user the cache knows
 * is not held up. Over HTTP against
 * an emulator of its own.
 */
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, mount } from '../support/fixture';
import { Strategy } from '../../lib';
import { MAX_RUNNING } from '../../lib/defaults';

const FLOOD = 2_000;
const junk = (i: number) => `Atza|flood${String(i).padStart(400, '0')}`;

test(`${FLOOD} junk tokens at once: at most ${MAX_RUNNING} at a time reach Amazon, the rest get a 503 without a call, a cached user still gets in`, async () => {
  const emu = await LwaEmulator.start({ maxRecordedRequests: 0 });
  const strategy = new Strategy(
    {
      clientID: CLIENT_ID,
      tokenInfoURL: emu.tokenInfoURL,
      profileURL: emu.profileURL,
      timeout: 5000,
      circuitBreaker: false,
    },
    async (_token, profile) => ({ id: profile.id }),
  );
  const app = mount(strategy);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  // More connections to the app than verifications it runs: the cached user is not stuck behind
  // them on the client's side (a connection each would overflow the listen backlog).
  const client = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    connections: 8 * MAX_RUNNING,
  });
  const get = async (token: string) => {
    const res = await client.request({ method: 'GET', path: '/api/me', headers: { authorization: `Bearer ${token}` } });
    const body = (await res.body.json()) as { code?: string };
    return `${res.statusCode} ${body.code ?? ''}`.trim();
  };
  let flood: Array<Promise<string>> = [];
  try {
    const user = emu.mintToken({ clientID: CLIENT_ID });
    expect(await get(user)).toBe('200');
    emu.resetCalls();
    emu.fault('both', { kind: 'hang' });

    flood = Array.from({ length: FLOOD }, (_, i) => get(junk(i)));
    while (emu.calls.tokeninfo < MAX_RUNNING) await emu.nextRequest();
    // A cached user is answered from the cache meanwhile, without a call.
    expect(await get(user)).toBe('200');
    // Refused without a call, or (those running) timed out: nothing else, and no call without its
    // timeout. A place freed by a timeout is taken by the next one to arrive (Amazon is asked again:
    // how recovery is seen), so the client's late arrivals may make a second round.
    const answers = await Promise.all(flood);
    const timedOut = answers.filter((a) => a === '504 ERR_LWA_TIMEOUT').length;
    expect(answers.filter((a) => a === '503 ERR_LWA_OVERLOADED')).toHaveLength(FLOOD - timedOut);
    expect(emu.calls.tokeninfo).toBe(timedOut);
    expect(timedOut).toBeLessThanOrEqual(4 * MAX_RUNNING);
  } finally {
    await emu.close();
    await Promise.allSettled(flood);
    await client.close();
    await strategy.close();
    await new Promise((resolve) => server.close(resolve));
  }
}, 60_000);
