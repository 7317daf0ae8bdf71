/**
 * NestJS 12 (Express platform) with @nestjs/passport: `PassportStrategy(Strategy, 'amazon-token')`
 * with `validate()`, behind the README's RFC 6750 guard and behind Nest's default `AuthGuard`.
 *
 * NestJS 12 is ESM-only and Jest can `require` ESM only from Node 24.9, so the app
 * (nest/app.mts) runs in a child process under tsx; the emulator stays here, in the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import request from 'supertest';
import { acceptedCases, bearer, expectRefused, refusalCases, useEmulator, getMe } from '../support/fixture';

const root = join(__dirname, '..', '..');

const lwa = useEmulator();

let child: ChildProcess;
let base: string;
beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'nest', 'app.mts')], {
    cwd: root,
    env: { ...process.env, LWA_TOKENINFO_URL: lwa.emu.tokenInfoURL, LWA_PROFILE_URL: lwa.emu.profileURL },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  base = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /LISTENING (\d+)/.exec(stdout)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.once('exit', (code) => reject(new Error(`the Nest app exited (${code}) before listening:\n${stderr}`)));
  });
}, 30_000);
afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin!.end();
  const timer = setTimeout(() => child.kill(), 5000);
  await exited;
  clearTimeout(timer);
});

describe('behind the RFC 6750 guard (README recipe)', () => {
  // The Nest app has GET routes only.
  const accepted = acceptedCases(lwa).filter((c) => c.method === 'GET');
  test.each(accepted)('$name: 200, validate() gives req.user', async ({ send, user }) => {
    const res = await send(base, '/api/me');
    expect([res.status, res.body]).toEqual([200, { user }]);
  });

  test.each(refusalCases(lwa))('$name: $status, with its challenge', async ({ send, status, error }) => {
    expectRefused(await send(base, '/api/me'), status, error);
  });

  test("Amazon down: Nest's exception filter answers the LwaError's 502, no challenge", async () => {
    lwa.emu.fault('profile', { kind: 'status', status: 500 });
    const token = lwa.mint();
    const res = await getMe(base, token);
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ statusCode: 502, message: 'Bad Gateway' });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});

describe("behind Nest's default AuthGuard (what the recipe guard fixes)", () => {
  test('a valid token: 200', async () => {
    const token = lwa.mint();
    await request(base).get('/api/plain/me').set(bearer(token)).expect(200);
  });

  // Every refusal becomes a 401. The challenge is lost too, but for the one the strategy writes on
  // req.res itself for a 400 or a 403, which then rides on the guard's 401.
  test.each(refusalCases(lwa))('$name: 401, whatever the refusal', async ({ send, status, error }) => {
    const res = await send(base, '/api/plain/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toEqual(
      status === 401 ? undefined : expect.stringContaining(`error="${error}"`),
    );
  });

  test('an Amazon outage is still a 502 (errors pass through either guard)', async () => {
    lwa.emu.fault('tokeninfo', { kind: 'status', status: 500 });
    const token = lwa.mint();
    expect((await request(base).get('/api/plain/me').set(bearer(token))).status).toBe(502);
  });
});
