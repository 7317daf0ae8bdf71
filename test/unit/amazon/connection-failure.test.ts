/**
 * A call that reaches no Amazon is a 502 `ERR_LWA_UPSTREAM_CONNECTION` whose message names what
 * failed and whose `cause` is the underlying error, without the token (docs/failure-behaviour.md).
 */
import { inspect } from 'node:util';
import { LwaUpstreamError } from '../../../lib';
import { connectionFailure, failureName } from '../../../lib/amazon/connection-failure';
import { expectNoSliceOf, useEmulator } from '../../support/fixture';
import { unusedPort } from '../../support/ports';

const lwa = useEmulator();

async function rejection(promise: Promise<unknown>): Promise<LwaUpstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LwaUpstreamError);
  return err as LwaUpstreamError;
}

test('a refused connection: its cause is the ECONNREFUSED, named in the message', async () => {
  const port = await unusedPort();
  const verifier = lwa.verifier({ tokenInfoURL: `http://127.0.0.1:${port}/auth/o2/tokeninfo`, circuitBreaker: false });
  const token = lwa.mint();
  const err = await rejection(verifier.verify(token));
  expect(err.code).toBe('ERR_LWA_UPSTREAM_CONNECTION');
  expect(err.message).toBe('Login with Amazon tokeninfo: connection failed (ECONNREFUSED)');
  expect(err.cause).toBeInstanceOf(Error);
  expect((err.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  expectNoSliceOf(token, inspect(err, { depth: null }));
});

test('an unresolvable host: its cause is the DNS error', async () => {
  const verifier = lwa.verifier({ profileURL: 'https://lwa-profile.invalid/user/profile', circuitBreaker: false });
  const err = await rejection(verifier.verify(lwa.mint()));
  expect((err.cause as NodeJS.ErrnoException).code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  expect(err.message).toContain(`connection failed (${(err.cause as NodeJS.ErrnoException).code})`);
});

test("an error with no code is named by its class (Deno's missing permission), never 'unknown'", () => {
  class NotCapable extends Error {
    override name = 'NotCapable';
  }
  const denied = new NotCapable('Requires env access to "UNDICI_NO_WASM_SIMD", run again with the --allow-env flag');
  const err = connectionFailure('tokeninfo', denied, lwa.mint());
  expect(err.message).toBe('Login with Amazon tokeninfo: connection failed (NotCapable)');
  expect(err.cause).toMatchObject({ name: 'NotCapable', message: denied.message });
  expect(failureName(new Error('no code'))).toBe('unknown');
  expect(failureName('a string')).toBe('unknown');
});

test('a cause that would carry the token keeps only its name and code', () => {
  const token = lwa.mint();
  const carrier = Object.assign(new Error(`request to /?access_token=${token.slice(0, 40)} failed`), {
    code: 'UND_ERR_SOCKET',
    request: { headers: { authorization: `Bearer ${token}` } },
  });
  const err = connectionFailure('profile', carrier, token);
  expect(err.message).toBe('Login with Amazon profile: connection failed (UND_ERR_SOCKET)');
  expect(err.cause).toMatchObject({ code: 'UND_ERR_SOCKET', message: 'UND_ERR_SOCKET' });
  expectNoSliceOf(token, inspect(err, { depth: null }));
});
