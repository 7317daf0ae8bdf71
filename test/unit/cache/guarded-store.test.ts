/**
 * The store guard's limit after a stall of this process's own (a busy CPU): an answer that arrived
 * during the stall wins over the limit that expired meanwhile. Timers run before I/O in a turn of
 * the event loop, so a limit decided in its timer would lose that answer and leave the store alone
 * for 5 s. The store here answers over a loopback socket, like a Redis client.
 */
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { CHANNELS, type ChannelMessages } from '../../../lib';
import { GuardedStoreCache, UNREACHABLE } from '../../../lib/cache/guarded-store';
import { recordEvents } from '../../support/fixture';

const events = recordEvents<ChannelMessages['cache']>(CHANNELS.cache);

let server: Server;
let client: Socket;
let peer: Socket;
beforeAll(async () => {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const accepted = once(server, 'connection');
  client = connect(typeof address === 'object' && address !== null ? address.port : 0, '127.0.0.1');
  [peer] = (await accepted) as [Socket];
  await once(client, 'connect');
});
afterAll(async () => {
  client.destroy();
  peer.destroy();
  server.close();
  await once(server, 'close');
});

/** Keeps this process busy for `ms`, as a CPU-bound request or a loaded machine would. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('an answer that arrived while this process was stalled past the limit is taken, not a store-error', async () => {
  const store = {
    get: () => new Promise<unknown>((resolve) => client.once('data', () => resolve({ v: 1 }))),
    set: async () => true,
    delete: async () => true,
  };
  const guard = new GuardedStoreCache(store, 20, Date.now);
  const reading = guard.read('k');
  peer.write('x'); // the answer is in this process's socket buffer from now on
  stall(100); // past the 20 ms limit
  expect(await reading).toEqual({ v: 1 });
  expect(events.filter((e) => e.type === 'store-error')).toEqual([]);
});

test('an answer that has not arrived when the limit is up is still an overrun', async () => {
  const store = { get: () => new Promise<unknown>(() => undefined), set: async () => true, delete: async () => true };
  const guard = new GuardedStoreCache(store, 20, Date.now);
  expect(await guard.read('k')).toBe(UNREACHABLE);
  expect(events).toEqual([expect.objectContaining({ type: 'store-error', operation: 'get', reason: 'timeout' })]);
});
