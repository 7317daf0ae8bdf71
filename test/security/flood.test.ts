/**
 * A flood of distinct, well-formed junk tokens (each one needs Amazon): pending work stays bounded
 * by the library's fixed limit (64 verifications waiting on Amazon), the rest is refused at once
 * without a call, and a user the cache knows is not held up. Over HTTP against an emulator of its
 * own whose Amazon never answers, so that exactly that many verifications are held while the flood
 * runs.
 */
import type { AddressInfo } from 'node:net';
import { Agent, Pool } from 'undici';
import { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, mount } from '../support/fixture';
import { Strategy } from '../../lib';
import { MAX_PENDING } from '../../lib/defaults';

const FLOOD = 2_000;
const junk = (i: number) => `Atza|flood${String(i).padStart(400, '0')}`;

test(`${FLOOD} junk tokens at once: ${MAX_PENDING} reach Amazon, the rest get a 503 at once, a cached user still gets in`, async () => {
  const emu = await LwaEmulator.start({ maxRecordedRequests: 0 });
  // Room on the wire for both calls of every held verification, so that each one's tokeninfo call
  // reaches the emulator (the default pool has as many connections as the limit: half would queue).
  const toAmazon = new Agent({ connections: 2 * MAX_PENDING });
  const strategy = new Strategy(
    {
      clientID: CLIENT_ID,
      tokenInfoURL: emu.tokenInfoURL,
      profileURL: emu.profileURL,
      dispatcher: toAmazon,
      timeout: 60_000,
      circuitBreaker: false,
    },
    async (_token, profile) => ({ id: profile.id }),
  );
  const app = mount(strategy);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  // More connections to the app than verifications it holds: the refused ones and the cached user
  // must not queue behind the held ones on the client's side.
  const client = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    connections: 2 * MAX_PENDING,
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
    await toAmazon.close();
    await new Promise((resolve) => server.close(resolve));
  }
}, 60_000);
