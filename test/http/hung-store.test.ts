/**
 * A store that never answers costs each verification at most its limit (100 ms), in a process with
 * nothing else to do as in a busy one (docs/failure-behaviour.md, Redis): the verifications run in
 * a child process of their own (./hung-store-child.ts), where nothing but the verifier's own timers
 * wakes the event loop, one child a test (started before it). The verifier's `timeout` is 10 s and
 * each test's limit below it: a verification that waited for its deadline (a 504), or for a lease
 * its leader never released, fails the test. On the old guard (an unref'd immediate after the
 * limit) the four hung-store tests fail; the last two pass there too (the Amazon calls of the one,
 * the Redis client's own work in the other, wake the loop), and guard those paths from here on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { useEmulator } from '../support/fixture';
import type { HungCase, HungRequest, HungResults } from './hung-store-child';

const lwa = useEmulator();
/** Below the child's `timeout` (10 s) and its lease (5 s). */
const LIMIT_MS = 4000;

/**
 * A child process that has verified nothing yet (one that has keeps waking up for a while, on
 * undici's timers), started before the test so that its start-up is not in the test's limit.
 */
function quietChild(): { child: ChildProcess; ready: Promise<unknown> } {
  const child = fork(join(__dirname, 'hung-store-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, TOKENINFO_URL: lwa.emu.tokenInfoURL, PROFILE_URL: lwa.emu.profileURL },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return { child, ready: once(child, 'message') };
}

/** Runs `cases` in `child`, together. */
async function inChild(child: ChildProcess, cases: HungCase[], nx: boolean, port?: number): Promise<HungResults> {
  const pair = (): [string, string] => [lwa.mint(), lwa.mint()];
  const same = lwa.mint();
  const tokens = {
    lookup: pair(),
    lease: pair(),
    revoke: pair(),
    write: [same, same] as [string, string],
    keyv: pair(),
  };
  const answer = once(child, 'message') as Promise<[HungResults]>;
  child.send({ cases, nx, tokens, port } satisfies HungRequest);
  return (await answer)[0];
}

let child: ChildProcess;
beforeEach(async () => {
  const started = quietChild();
  child = started.child;
  await started.ready;
}, 30_000);
afterEach(() => child.kill());

let peer: Server;
const sockets = new Set<Socket>();
beforeAll(async () => {
  // A hung Redis: accepts connections, reads, never replies.
  peer = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  peer.listen(0, '127.0.0.1');
  await once(peer, 'listening');
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  peer.close();
  await once(peer, 'close');
});

const both: Array<true | string> = [true, true];

// One case a child: a case's own store timers would wake the loop for another's.
test.each<[string, HungCase, boolean]>([
  ['every call (the lookup): two verifications succeed', 'lookup', false],
  ['every call: revoke() resolves, twice', 'revoke', false],
  ['the lease’s write (get/set/delete only): two verifications succeed', 'lease', false],
  ['the lease’s setIfAbsent: two verifications succeed', 'lease', true],
])(
  'a store whose calls never settle, in a quiet process: %s',
  async (_name, hung, nx) => {
    expect(await inChild(child, [hung], nx)).toEqual({ [hung]: both });
  },
  LIMIT_MS,
);

test(
  'the verdict’s write hangs: another verifier on the same token is not held back by the lease',
  async () => {
    expect(await inChild(child, ['write'], false)).toEqual({ write: both });
  },
  LIMIT_MS,
);

test(
  'a real @keyv/redis client against a peer that accepts connections and never replies: two verifications 5 s apart succeed',
  async () => {
    const address = peer.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    expect(await inChild(child, ['keyv'], false, port)).toEqual({ keyv: both });
    expect(sockets.size).toBeGreaterThan(0); // the client did connect, and was never answered
  },
  LIMIT_MS,
);
