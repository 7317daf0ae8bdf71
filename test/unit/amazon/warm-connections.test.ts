/**
 * Connections opened ahead of the calls (docs/caching-and-scale.md, "The first login"): the
 * handshakes only, re-opened when the server hangs up while calls are recent, closed by `close()`,
 * and an unreachable host costs an upstream event. Counts only: the times are in `npm run bench`.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { CHANNELS, type ChannelMessages } from '../../../lib';
import { AmazonClient } from '../../../lib/amazon/client';
import { WARM_FOR_MS } from '../../../lib/defaults';
import { useEmulator } from '../../support/fixture';
import { unusedPort } from '../../support/ports';
import { PROXY_UPSTREAMS, TcpProxy } from '../../support/tcp-proxy';

const lwa = useEmulator();
let proxy: TcpProxy;
beforeEach(async () => {
  proxy = await TcpProxy.start(Number(new URL(lwa.emu.url).port));
});
afterEach(() => proxy.close());

const urls = (base: string) => ({ tokenInfoURL: `${base}/auth/o2/tokeninfo`, profileURL: `${base}/user/profile` });

/** Every client socket this process dials (node:net's own channel), while the test runs. */
const dials: Socket[] = [];
const onDial = (message: unknown): void => {
  const { socket } = message as { socket: Socket };
  if (!PROXY_UPSTREAMS.has(socket)) dials.push(socket);
};
beforeAll(() => diagnostics_channel.subscribe('net.client.socket', onDial));
afterAll(() => diagnostics_channel.unsubscribe('net.client.socket', onDial));
beforeEach(() => {
  dials.length = 0;
});

test('a verifier, once built, connects to each endpoint without sending a request; the first verification uses those connections', async () => {
  const verifier = lwa.verifier(urls(proxy.url));
  await proxy.accepted(2);
  expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  expect(lwa.emu.requests).toHaveLength(0);
  expect(proxy.connections.map((c) => c.sent)).toEqual([0, 0]);

  expect((await verifier.verify(lwa.mint())).ok).toBe(true);
  expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  // Both calls went over the two connections opened ahead (new spares replace them, unused).
  expect(proxy.connections.slice(0, 2).every((c) => c.sent > 0)).toBe(true);
  expect(proxy.connections.slice(2).every((c) => c.sent === 0)).toBe(true);
  await verifier.close();
});

test('close() closes the connections opened ahead: none is left open', async () => {
  const verifier = lwa.verifier(urls(proxy.url));
  await proxy.accepted(2);
  await verifier.close();
  await Promise.all(proxy.connections.map((c) => c.closed));
  expect(proxy.open).toBe(0);
  expect(dials).toHaveLength(2);
});

/**
 * The proxy hangs up on every connection once the dials so far are all accepted; resolves, once the
 * client has seen each close, with how many connections the client dialled in answer.
 */
async function dialsOnHangUp(): Promise<number> {
  await proxy.accepted(dials.length);
  const open = dials.filter((socket) => !socket.destroyed);
  const before = dials.length;
  await proxy.hangUp();
  // Not events.once: a socket undici holds closes with an 'error' first (the other side closed).
  await Promise.all(
    open.map(
      (socket) =>
        new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve()))),
    ),
  );
  await new Promise((resolve) => setImmediate(resolve)); // the turn after which spares are re-opened
  return dials.length - before;
}

test('the server hangs up: re-opened while calls are recent, not before the first call nor after a quiet spell', async () => {
  const clock = { now: 1_000_000 };
  const client = new AmazonClient({
    ...urls(proxy.url),
    timeout: 2000,
    dispatcher: undefined,
    timing: { now: () => clock.now },
  });
  try {
    client.warm();
    await proxy.accepted(2);
    // Never used yet (a verifier built and dropped, say): a hang-up is left alone.
    clock.now += 60_000;
    expect(await dialsOnHangUp()).toBe(0);
    expect(await client.tokenInfo(lwa.mint())).toMatchObject({ kind: 'answer' });

    // Idle for a while, the server closes every connection: new ones are opened at once.
    clock.now += 60_000;
    expect(await dialsOnHangUp()).toBe(2);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 0 });

    // No call for the quiet time: the server's hang-up is left alone.
    clock.now += WARM_FOR_MS;
    expect(await dialsOnHangUp()).toBe(0);

    // The next call opens its own connection, and the two spares again.
    const dialled = dials.length;
    expect(await client.tokenInfo(lwa.mint())).toMatchObject({ kind: 'answer' });
    expect(dials.length - dialled).toBeGreaterThanOrEqual(3);
  } finally {
    await client.close();
  }
});

test('an unreachable host costs an upstream event (attempt 0), never a rejection', async () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  const failed = new Promise<ChannelMessages['upstream']>((resolve) => {
    const onEvent = (message: unknown): void => {
      diagnostics_channel.unsubscribe(CHANNELS.upstream, onEvent);
      resolve(message as ChannelMessages['upstream']);
    };
    diagnostics_channel.subscribe(CHANNELS.upstream, onEvent);
  });
  try {
    const port = await unusedPort();
    const verifier = lwa.verifier({ tokenInfoURL: `http://127.0.0.1:${port}/auth/o2/tokeninfo` });
    expect(await failed).toMatchObject({
      endpoint: 'tokeninfo',
      attempt: 0,
      code: 'ERR_LWA_UPSTREAM_CONNECTION',
      cause: 'ECONNREFUSED',
    });
    await verifier.close();
    // A turn of the event loop, for a rejection to be reported had there been one.
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejections).toEqual([]);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
});
