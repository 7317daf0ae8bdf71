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
import type { LwaEmulator } from '../../lib/testing';
import { useEmulator } from '../support/emulator';

const CLIENT_ID = 'amzn1.application-oa2-client.test';
const root = join(__dirname, '..', '..');

let emu: LwaEmulator;
useEmulator((started) => {
  emu = started;
});

let child: ChildProcess;
let base: string;
beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'nest', 'app.mts')], {
    cwd: root,
    env: { ...process.env, LWA_TOKENINFO_URL: emu.tokenInfoURL, LWA_PROFILE_URL: emu.profileURL },
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

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('behind the RFC 6750 guard (README recipe)', () => {
  test('a valid token: 200, validate() gives req.user', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID, userId: 'amzn1.account.NEST', name: 'Ann' });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: 'amzn1.account.NEST', name: 'Ann' } });
  });

  test('no token: 401 with the bare challenge', async () => {
    const res = await request(base).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users"');
  });

  test('a token Amazon does not know: 401 invalid_token', async () => {
    const res = await request(base)
      .get('/api/me')
      .set(bearer(`Atza|${'q'.repeat(400)}`));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_token"/);
  });

  test('a token in two places: 400 invalid_request', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const res = await request(base).get('/api/me').query({ access_token: token }).set(bearer(token));
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="invalid_request"/);
  });

  test('a token without the profile scope: 403 insufficient_scope', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID, scopes: [] });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users", error="insufficient_scope"/);
  });

  test("Amazon down: Nest's exception filter answers the LwaError's 502, no challenge", async () => {
    emu.fault('profile', { kind: 'status', status: 500 });
    const token = emu.mintToken({ clientId: CLIENT_ID });
    const res = await request(base).get('/api/me').set(bearer(token));
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ statusCode: 502, message: 'Bad Gateway' });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});

describe("behind Nest's default AuthGuard (what the recipe guard fixes)", () => {
  test('a valid token: 200', async () => {
    const token = emu.mintToken({ clientId: CLIENT_ID });
    await request(base).get('/api/plain/me').set(bearer(token)).expect(200);
  });

  test('every refusal becomes a bare 401, without the challenge', async () => {
    const res = await request(base)
      .get('/api/plain/me')
      .set(bearer(`Atza|${'q'.repeat(400)}`));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBeUndefined();
    const token = emu.mintToken({ clientId: CLIENT_ID, scopes: [] });
    expect((await request(base).get('/api/plain/me').set(bearer(token))).status).toBe(401);
  });

  test('an Amazon outage is still a 502 (errors pass through either guard)', async () => {
    emu.fault('tokeninfo', { kind: 'status', status: 500 });
    const token = emu.mintToken({ clientId: CLIENT_ID });
    expect((await request(base).get('/api/plain/me').set(bearer(token))).status).toBe(502);
  });
});
