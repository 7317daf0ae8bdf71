/**
 * A NestJS test app run in a child process under tsx (NestJS 12 is ES modules only), pointed at the
 * emulator through LWA_TOKENINFO_URL and LWA_PROFILE_URL; the app prints `LISTENING <port>` once up
 * and exits when its standard input ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { LwaEmulator } from '../../lib/testing';

const root = join(__dirname, '..', '..');

/** Starts `appFile` on `platform`; `base` resolves to its URL once it listens. */
export function startNestApp(
  appFile: string,
  platform: 'express' | 'fastify',
  emu: LwaEmulator,
): { child: ChildProcess; base: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', appFile, platform], {
    cwd: root,
    env: { ...process.env, LWA_TOKENINFO_URL: emu.tokenInfoURL, LWA_PROFILE_URL: emu.profileURL },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /LISTENING (\d+)/.exec(stdout)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.once('exit', (code) => reject(new Error(`the Nest app exited (${code}) before listening:\n${stderr}`)));
  });
  return { child, base };
}

/** Ends the app (its standard input closes), killing it if it has not exited within 5 s. */
export async function stopNestApp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin!.end();
  const timer = setTimeout(() => child.kill(), 5000);
  await exited;
  clearTimeout(timer);
}
