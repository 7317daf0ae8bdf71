/**
 * The emulator's pages for a person with a browser, over HTTP: the index at `/` (what the example
 * prints as the emulator's URL), the favicon, and the browser SDK stand-in served from its file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { LwaEmulator } from '../../lib/testing';
import { answerOf, type Answer } from '../support/answer';

const SDK_FILE = path.join(__dirname, '..', '..', 'lib', 'testing', 'browser-sdk.js');

let agent: Agent;
beforeAll(() => {
  agent = new Agent();
});
afterAll(async () => {
  await agent.destroy();
});

async function call(method: 'GET' | 'HEAD' | 'POST', url: string): Promise<Answer> {
  return answerOf(await request(url, { method, dispatcher: agent }));
}

/** Runs `body` against an emulator started with `customers` (or without), closing it after. */
async function withEmulator(
  customers: Array<{ name: string; email: string }> | undefined,
  body: (emu: LwaEmulator) => Promise<void>,
): Promise<void> {
  const emu = await LwaEmulator.start(customers === undefined ? {} : { customers });
  try {
    await body(emu);
  } finally {
    await emu.close();
  }
}

describe('the index at /', () => {
  test('with sign-in: an HTML page naming every endpoint, the SDK linked, the customers listed', () =>
    withEmulator([{ name: 'Ann <Example>', email: 'ann@example.com' }], async (emu) => {
      const res = await call('GET', `${emu.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-frame-options']).toBe('DENY');
      for (const endpoint of ['/auth/o2/tokeninfo', '/user/profile', '/ap/oa', '/auth/o2/token', '/ap/handoff'])
        expect(res.text).toContain(endpoint);
      expect(res.text).toContain('<a href="/sdk/na/login1.js">');
      // Customer names are escaped like every other value on the emulator's pages.
      expect(res.text).toContain('Ann &#60;Example&#62;');
      expect(res.text).not.toContain('<Example>');
    }));

  test('without sign-in: the token endpoints, and how to turn sign-in on', () =>
    withEmulator(undefined, async (emu) => {
      const res = await call('GET', emu.url);
      expect(res.status).toBe(200);
      expect(res.text).toContain('/auth/o2/tokeninfo');
      expect(res.text).toContain('/user/profile');
      expect(res.text).toContain('<code>customers</code>');
      expect(res.text).not.toContain('href="/sdk/na/login1.js"');
    }));

  test('HEAD has the headers and no body; another method is 405', () =>
    withEmulator(undefined, async (emu) => {
      const head = await call('HEAD', `${emu.url}/`);
      expect([head.status, head.headers['content-type'], head.text]).toEqual([200, 'text/html; charset=utf-8', '']);
      const post = await call('POST', `${emu.url}/`);
      expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    }));

  test('recorded as an "other" request; the endpoint counters do not move', () =>
    withEmulator(undefined, async (emu) => {
      await call('GET', `${emu.url}/?access_token=not-kept`);
      expect(emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
      expect(emu.requests).toEqual([expect.objectContaining({ endpoint: 'other', method: 'GET', path: '/' })]);
    }));

  test('other unknown paths are still 404 JSON', () =>
    withEmulator(undefined, async (emu) => {
      const res = await call('GET', `${emu.url}/index.html`);
      expect([res.status, res.json().error]).toEqual([404, 'not_found']);
    }));
});

describe('the favicon', () => {
  test.each([
    ['with sign-in', [{ name: 'Ann', email: 'ann@example.com' }]],
    ['without', undefined],
  ])('%s: 204, cacheable, no 404 for the browser to log', (_label, customers) =>
    withEmulator(customers, async (emu) => {
      const res = await call('GET', `${emu.url}/favicon.ico`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers['cache-control']).toBe('public, max-age=86400');
      expect(emu.requests.at(-1)).toEqual(expect.objectContaining({ endpoint: 'other', path: '/favicon.ico' }));
    }),
  );
});

describe('the browser SDK stand-in', () => {
  test('served as lib/testing/browser-sdk.js holds it, and naming the sign-in paths it drives', () =>
    withEmulator([{ name: 'Ann', email: 'ann@example.com' }], async (emu) => {
      const res = await call('GET', emu.sdkURL);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
      expect(res.text).toBe(readFileSync(SDK_FILE, 'utf8'));
      // The script spells the paths out itself (it is plain JavaScript): they must be the emulator's.
      for (const url of [emu.authorizeURL, emu.tokenURL, emu.sdkURL, `${emu.url}/ap/handoff`])
        expect(res.text).toContain(`'${new URL(url).pathname}'`);
    }));
});
