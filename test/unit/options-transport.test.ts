/**
 * How the token reaches Amazon: `http:` Amazon URLs only on loopback (the token never crosses a
 * network in clear), and to tokeninfo always in the `x-amz-access-token` header, never in a URL
 * (HTTP clients publish every URL they request, and proxies log it): the `tokenInfoTransport`
 * option that allowed the query form is gone.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { LwaVerifier } from '../../lib';
import { resolveOptions } from '../../lib/options';
import { CLIENT_ID, expectNoSliceOf, useEmulator } from '../support/fixture';

const clientID = CLIENT_ID;

describe('tokenInfoURL / profileURL over http:', () => {
  test.each([
    'http://api.amazon.com/auth/o2/tokeninfo',
    'http://lwa-proxy.internal:8080/auth/o2/tokeninfo',
    'http://10.0.0.7/auth/o2/tokeninfo',
    'http://localhost.example.com/auth/o2/tokeninfo',
    'http://127.0.0.1.nip.io/auth/o2/tokeninfo',
    'http://0.0.0.0:8080/auth/o2/tokeninfo',
  ])('%s is refused with a TypeError naming the option', (url) => {
    for (const option of ['tokenInfoURL', 'profileURL']) {
      const attempt = () => resolveOptions({ clientID, [option]: url });
      expect(attempt).toThrow(TypeError);
      expect(attempt).toThrow(`option \`${option}\` must be an https: URL`);
      expect(attempt).toThrow(/loopback/);
    }
  });

  test.each([
    ['http://localhost:3000/auth/o2/tokeninfo', 'http://localhost:3000/auth/o2/tokeninfo'],
    ['http://LOCALHOST/x', 'http://localhost/x'],
    ['http://127.0.0.1:41234/auth/o2/tokeninfo', 'http://127.0.0.1:41234/auth/o2/tokeninfo'],
    ['http://127.8.9.10/x', 'http://127.8.9.10/x'],
    ['http://127.1/x', 'http://127.0.0.1/x'],
    ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
    ['http://[0:0:0:0:0:0:0:1]/x', 'http://[::1]/x'],
  ])('%s is a loopback host: accepted', (url, normalised) => {
    const o = resolveOptions({ clientID, tokenInfoURL: url, profileURL: url });
    expect([o.tokenInfoURL, o.profileURL]).toEqual([normalised, normalised]);
  });

  test('https: is accepted for any host', () => {
    const o = resolveOptions({
      clientID,
      tokenInfoURL: 'https://lwa-proxy.internal/ti',
      profileURL: 'https://10.0.0.7/p',
    });
    expect([o.tokenInfoURL, o.profileURL]).toEqual(['https://lwa-proxy.internal/ti', 'https://10.0.0.7/p']);
  });
});

describe('how the token travels to tokeninfo (the `tokenInfoTransport` option was removed)', () => {
  test('the option is refused, saying the token always goes in the x-amz-access-token header', () => {
    for (const value of ['header', 'query']) {
      const attempt = () => resolveOptions({ clientID, tokenInfoTransport: value });
      expect(attempt).toThrow(TypeError);
      expect(attempt).toThrow('option `tokenInfoTransport` was removed');
      expect(attempt).toThrow('`x-amz-access-token` header');
    }
  });

  describe('on the wire', () => {
    const lwa = useEmulator();
    /** Every URL undici was asked for while a test ran (what HTTP tracing would record as `url.full`). */
    const urls: string[] = [];
    const onCreate = (message: unknown): void => {
      const { request } = message as { request: { origin?: unknown; path?: unknown } };
      urls.push(`${String(request.origin)}${String(request.path)}`);
    };
    let verifier: LwaVerifier;
    beforeAll(() => {
      diagnostics_channel.subscribe('undici:request:create', onCreate);
      verifier = new LwaVerifier({
        clientID: CLIENT_ID,
        tokenInfoURL: lwa.emu.tokenInfoURL,
        profileURL: lwa.emu.profileURL,
        timeout: 2000,
        cache: false,
      });
    });
    afterAll(async () => {
      diagnostics_channel.unsubscribe('undici:request:create', onCreate);
      await verifier.close();
    });
    beforeEach(() => {
      urls.length = 0;
    });

    /** Tokeninfo got `token` in x-amz-access-token, every time, and no URL requested held a slice of it. */
    function expectHeaderOnly(token: string, tokenInfoCalls: number): void {
      const tokenInfo = lwa.emu.requests.filter((r) => r.endpoint === 'tokeninfo');
      expect(tokenInfo).toHaveLength(tokenInfoCalls);
      for (const r of tokenInfo) {
        expect(r.tokenVia).toBe('x-amz-access-token');
        expect(r.headers['x-amz-access-token'] === token).toBe(true);
      }
      // The listener heard every tokeninfo call, so an empty list cannot pass for a clean one. (The
      // profile call is not counted: after a refusal it may still be on its way, and arrive later.)
      expect(urls.filter((url) => url.startsWith(lwa.emu.tokenInfoURL))).toHaveLength(tokenInfoCalls);
      expectNoSliceOf(token, urls);
    }

    test('a verified token', async () => {
      const token = lwa.mint();
      await expect(verifier.verify(token)).resolves.toMatchObject({ ok: true });
      expectHeaderOnly(token, 1);
    });

    test('a token Amazon refuses', async () => {
      const token = `Atza|${'q'.repeat(400)}`;
      await expect(verifier.verify(token)).resolves.toMatchObject({ ok: false, status: 401 });
      expectHeaderOnly(token, 1);
    });

    test('the retry after a 5xx', async () => {
      lwa.emu.fault('tokeninfo', { kind: 'status', status: 503 }, { times: 1 });
      const token = lwa.mint();
      await expect(verifier.verify(token)).resolves.toMatchObject({ ok: true });
      expectHeaderOnly(token, 2);
    });
  });
});
