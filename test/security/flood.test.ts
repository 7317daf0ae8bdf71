/**
 * A flood of distinct, well-formed junk tokens (each one needs Amazon): pending work stays bounded
 * by `maxPending`, the rest is refused at once without a call, and a user the cache knows is not
 * held up. Over HTTP against an emulator of its own whose Amazon never answers, so that exactly
 * `maxPending` verifications are held while the flood runs.
 */
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, mount } from '../support/fixture';
import { Strategy } from '../../lib';

const FLOOD = 2_000;
const MAX_PENDING = 16;
const junk = (i: number) => `Atza|flood${String(i).padStart(400, '0')}`;

test(`${FLOOD} junk tokens at once: ${MAX_PENDING} reach Amazon, the rest get a 503 at once, a cached user still gets in`, async () => {
  const emu = await LwaEmulator.start({ maxRecordedRequests: 0 });
  const strategy = new Strategy(
    {
      clientID: CLIENT_ID,
      tokenInfoURL: emu.tokenInfoURL,
      profileURL: emu.profileURL,
      maxPending: MAX_PENDING,
      timeout: 60_000,
      circuitBreaker: false,
    },
    async (_token, profile) => ({ id: profile.id }),
  );
  const app = mount(strategy);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const client = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 64 });
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

    const refused: string[] = [];
    let allRefused: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allRefused = resolve));
    flood = Array.from({ length: FLOOD }, (_, i) =>
      get(junk(i)).then((answer) => {
        refused.push(answer);
        if (refused.length === FLOOD - MAX_PENDING) allRefused();
        return answer;
      }),
    );
    await done;
    while (emu.calls.tokeninfo < MAX_PENDING) await emu.nextRequest();

    expect(new Set(refused)).toEqual(new Set(['503 ERR_LWA_OVERLOADED']));
    expect(emu.calls.tokeninfo).toBe(MAX_PENDING);
    // A cached user is answered from the cache meanwhile, without a call.
    expect(await get(user)).toBe('200');
    expect(emu.calls.tokeninfo).toBe(MAX_PENDING);
  } finally {
    // Amazon goes away: the held verifications end (connection errors), nothing is left behind.
    await emu.close();
    await Promise.allSettled(flood);
    await client.close();
    await strategy.close();
    await new Promise((resolve) => server.close(resolve));
  }
}, 60_000);
