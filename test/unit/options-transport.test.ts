/** `tokenInfoTransport`, and `http:` Amazon URLs only on loopback: the token never crosses a network in clear. */
import { resolveOptions } from '../../lib/options';

const clientID = 'amzn1.application-oa2-client.test';

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

describe('tokenInfoTransport', () => {
  test("defaults to 'header'", () => {
    expect(resolveOptions({ clientID }).tokenInfoTransport).toBe('header');
  });

  test.each(['header', 'query'] as const)("'%s' is accepted", (transport) => {
    expect(resolveOptions({ clientID, tokenInfoTransport: transport }).tokenInfoTransport).toBe(transport);
  });

  test.each(['Header', 'body', 'url', true, 1])('%p is refused, naming the option', (value) => {
    expect(() => resolveOptions({ clientID, tokenInfoTransport: value })).toThrow(
      "option `tokenInfoTransport` must be 'header' or 'query'",
    );
  });
});
