/**
 * The example's entry point, example/server.ts, as `npm run example` runs it (tsx): with no
 * configuration it starts the emulator beside itself and prints the URL and a curl line that works;
 * with AMAZON_CLIENT_ID it is set up for Amazon.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { startExample } from '../../example/server';
import { AMAZON_SDK_URL } from '../../example/config';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** The example's data folder for these tests: a temporary one, not example/data/. */
const DATA_DIR = mkdtempSync(path.join(tmpdir(), 'example-data-'));
afterAll(() => rmSync(DATA_DIR, { recursive: true, force: true }));

/** The environment without any setting the example reads, plus a temporary DATA_DIR and `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of [
    'AMAZON_CLIENT_ID',
    'AMAZON_REGION',
    'AMAZON_APP_ID',
    'DATA_DIR',
    'HOST',
    'PORT',
    'SESSION_SECRET',
    'TRUST_PROXY',
  ])
    delete env[key];
  return { ...env, DATA_DIR, ...extra };
}

/** Resolves with the lines printed up to and including the first that matches `last`. */
function linesUntil(child: ChildProcessWithoutNullStreams, last: RegExp): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      lines.push(line);
      if (last.test(line)) {
        rl.close();
        resolve(lines);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`example exited (${code}) before printing ${last}:\n${lines.join('\n')}\n${stderr}`)),
    );
  });
}

test('npm run example: offline, prints the URL and a curl line that works; SIGTERM stops it', async () => {
  const child = spawn(process.execPath, [TSX, 'example/server.ts'], { cwd: ROOT, env: cleanEnv({ PORT: '0' }) });
  try {
    const lines = await linesUntil(child, /^\s+curl /);
    const url = /^Example app: (http:\/\/127\.0\.0\.1:\d+)/.exec(lines[0])?.[1];
    expect(url).toBeDefined();
    expect(lines.join('\n')).toContain('Login with Amazon emulator: http://127.0.0.1:');
    // The database, created on first start in the data folder.
    expect(lines).toContain(`Accounts and sessions: ${path.join(DATA_DIR, 'example.sqlite')}`);
    expect(existsSync(path.join(DATA_DIR, 'example.sqlite'))).toBe(true);
    const curl = /^\s+curl -s -H 'Authorization: Bearer (Atza\|[^']+)' (\S+)$/.exec(lines.at(-1)!);
    expect(curl?.[2]).toBe(`${url}/api/me`);

    const me = await request(curl![2], { headers: { authorization: `Bearer ${curl![1]}` } });
    expect(me.statusCode).toBe(200);
    expect(((await me.body.json()) as { account: { name: string } }).account.name).toBe('Mork Hashimoto');
    const page = await request(`${url}/`);
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('Login with Amazon');

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}, 30_000);

test('with AMAZON_CLIENT_ID: set up for Amazon (its SDK, no emulator), the appID route only with AMAZON_APP_ID', async () => {
  const lines: string[] = [];
  const running = await startExample(
    cleanEnv({ AMAZON_CLIENT_ID: 'amzn1.application-oa2-client.real', AMAZON_REGION: 'eu', PORT: '0' }),
    (line) => lines.push(line),
  );
  try {
    expect(running.emulator).toBeUndefined();
    expect(lines.join('\n')).toContain('Talking to Amazon (region EU) for client amzn1.application-oa2-client.real.');
    expect(lines.join('\n')).toContain('set AMAZON_APP_ID');
    const config = await request(`${running.url}/config.json`);
    expect(await config.body.json()).toEqual({
      mode: 'amazon',
      clientID: 'amzn1.application-oa2-client.real',
      sdkURL: AMAZON_SDK_URL,
      appRoute: false,
      protections: false,
    });
    // The protection controls do not exist against Amazon.
    const demo = await request(`${running.url}/demo/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'other-app' }),
    });
    expect(demo.statusCode).toBe(404);
    await demo.body.dump();
  } finally {
    await running.close();
  }
});

test('a bad AMAZON_REGION or a taken port: a clear error', async () => {
  await expect(
    startExample(cleanEnv({ AMAZON_CLIENT_ID: 'c', AMAZON_REGION: 'MARS', PORT: '0' }), () => undefined),
  ).rejects.toThrow('AMAZON_REGION must be one of NA, EU, FE');
  const first = await startExample(cleanEnv({ PORT: '0' }), () => undefined);
  try {
    const port = new URL(first.url).port;
    await expect(startExample(cleanEnv({ PORT: port }), () => undefined)).rejects.toThrow(
      `Port ${port} on 127.0.0.1 is in use`,
    );
  } finally {
    await first.close();
  }
});
