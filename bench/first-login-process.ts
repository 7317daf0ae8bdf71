/**
 * The first login's cost, in a process that trusts the bench's own certificate (NODE_EXTRA_CA_CERTS):
 * the verifier talks TLS to a loopback stand-in for Amazon that is `rttMs` away. Chain: the verifier
 * → a TCP proxy that delays each direction by half the round trip (and a connection's first bytes by
 * one more round trip: the TCP handshake's) → a TLS terminator → the emulator.
 */
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer as createTlsServer } from 'node:tls';
import { Agent } from 'undici';
import { LwaVerifier } from '../lib';
import { LwaEmulator } from '../lib/testing';
import { serve } from './ipc';

const CLIENT_ID = 'amzn1.application-oa2-client.bench';

/** Writes each chunk to `to` once its time has come, in order. */
function delayedPipe(from: Socket, to: Socket, delayMs: number, firstAt: number): void {
  const queue: Array<{ at: number; chunk: Buffer }> = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    while (queue.length > 0 && queue[0].at <= performance.now()) to.write(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(flush, queue[0].at - performance.now());
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ at: Math.max(performance.now() + delayMs, firstAt), chunk });
    timer ??= setTimeout(flush, Math.max(0, queue[0].at - performance.now()));
  });
  from.on('close', () => clearTimeout(timer));
}

/** Pairs two sockets' ends: either closing closes both. */
function tie(a: Socket, b: Socket): void {
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('close', end).on('error', end);
  b.on('close', end).on('error', end);
}

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

serve(async (type, args) => {
  if (type !== 'run') throw new Error(`unknown request ${type}`);
  const rttMs = Number(args.rttMs);
  const rounds = Number(args.rounds);
  const emu = await LwaEmulator.start();
  const emuPort = Number(new URL(emu.url).port);
  const terminator = createTlsServer(
    { key: readFileSync(String(args.keyPath)), cert: readFileSync(String(args.certPath)) },
    (tls) => {
      const plain = connect(emuPort, '127.0.0.1');
      tls.pipe(plain).pipe(tls);
      tie(tls, plain);
    },
  );
  const tlsPort = await listen(terminator);
  const clients = new Set<Socket>();
  const delay = createTcpServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    const upstream = connect(tlsPort, '127.0.0.1');
    delayedPipe(client, upstream, rttMs / 2, performance.now() + 1.5 * rttMs);
    delayedPipe(upstream, client, rttMs / 2, 0);
    tie(client, upstream);
  });
  const base = `https://127.0.0.1:${await listen(delay)}`;
  const urls = { tokenInfoURL: `${base}/auth/o2/tokeninfo`, profileURL: `${base}/user/profile` };

  /** One new token's verification, in round trips. */
  const timed = async (verifier: LwaVerifier): Promise<number> => {
    const token = emu.mintToken({ clientID: CLIENT_ID });
    const started = performance.now();
    const result = await verifier.verify(token);
    if (!result.ok) throw new Error(`verification failed: ${result.status}`);
    return (performance.now() - started) / rttMs;
  };

  const results = {
    start: [] as number[],
    idle: [] as number[],
    warm: [] as number[],
    coldStart: [] as number[],
    coldIdle: [] as number[],
  };
  try {
    // A fresh process pays for JIT compilation on its first verifications: one first, not measured.
    const warmUp = new LwaVerifier({ clientID: CLIENT_ID, ...urls });
    await timed(warmUp);
    await warmUp.close();
    for (let round = 0; round < rounds; round += 1) {
      const ours = new LwaVerifier({ clientID: CLIENT_ID, ...urls });
      // A dispatcher passed in is not warmed: today's cost, for comparison.
      const agent = new Agent();
      const cold = new LwaVerifier({ clientID: CLIENT_ID, ...urls, dispatcher: agent });
      await sleep(2000);
      results.start.push(await timed(ours));
      results.coldStart.push(await timed(cold));
      results.warm.push(await timed(ours));
      // The server closes idle connections (as Amazon's does after a quiet spell); the next login a second later.
      await sleep(1200);
      for (const client of clients) client.destroy();
      await sleep(1000);
      results.idle.push(await timed(ours));
      results.coldIdle.push(await timed(cold));
      await Promise.all([ours.close(), cold.close()]);
      await agent.close();
    }
  } finally {
    delay.close();
    terminator.close();
    for (const client of clients) client.destroy();
    await emu.close();
  }
  return results;
});
