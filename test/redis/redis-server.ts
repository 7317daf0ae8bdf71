import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, type Tool } from '../support/fixture';

/** Where the fleet test finds Redis, and how a developer gets it. */
export const REDIS_SERVER: Tool = {
  name: 'redis-server',
  path: onPath('redis-server'),
  install: 'apt-get install redis-server',
};

/** A throw-away Redis for one test file. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM) and resolves when it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free loopback port, no persistence, and resolves once it accepts connections. */
export async function startRedis(): Promise<RedisServer> {
  const bin = REDIS_SERVER.path;
  if (bin === undefined) throw new Error('redis-server is not on PATH');
  // A port found free may be taken before Redis binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      return await launch(bin, await freePort());
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function launch(bin: string, port: number): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lwa-redis-'));
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--protected-mode',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // If the test process ends without stop() (a crash, a forced exit), Redis must not outlive it.
  const orphanGuard = (): void => void child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', orphanGuard);
      resolve();
    }),
  );
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    await ready(child);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    cleanup();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        cleanup();
      })()),
  };
}

/** Resolves when Redis logs that it accepts connections; rejects if it exits first. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        // Keep draining its output so a full pipe never blocks it.
        child.stdout?.resume();
        resolve();
      }
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${log.slice(-2000)}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.once('exit', onExit);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
