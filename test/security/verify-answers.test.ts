/**
 * A `verify` whose arity says nothing (a rest parameter) over HTTP: never a success that `done`
 * contradicts, and never a silent hang (docs/design.md, Outcomes: "A verify that can reach done").
 */
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { request as undiciRequest } from 'undici';
import type { AmazonProfile, VerifyFunction } from '../../lib';
import { VERIFY_NO_ANSWER_WARNING_CODE } from '../../lib/adapters/passport/verify-callback';
import { VERIFY_NO_ANSWER_WARNING_MS } from '../../lib/defaults';
import { bearer, useEmulator, type TestUser } from '../support/fixture';

const lwa = useEmulator();

type Done = (err: unknown, user?: unknown) => void;
const lastArg = (args: unknown[]) => args[args.length - 1] as Done;
const profileOf = (args: unknown[]) => args[1] as AmazonProfile;
const call = (verify: (...args: unknown[]) => unknown) => {
  const { app } = lwa.app({}, verify as unknown as VerifyFunction<TestUser>);
  return request(app).get('/api/me').set(bearer(lwa.mint()));
};

test('a rest-parameter verify that returns true and later calls done(null, false): 401, never 200', async () => {
  const res = await call((...args) => {
    setTimeout(() => lastArg(args)(null, false), 50);
    return true;
  });
  expect(res.status).toBe(401);
});

test("a rest-parameter verify's plain return value is not the user: done's user is", async () => {
  const res = await call((...args) => {
    setImmediate(() => lastArg(args)(null, { id: `from done ${profileOf(args).id}` }));
    return { id: 'returned, not the answer' };
  });
  expect(res.status).toBe(200);
  expect(res.body.user.id).toMatch(/^from done amzn1\.account\./);
});

test('a rest-parameter verify that returns a promise answers with it', async () => {
  const res = await call(async (...args) => ({ id: profileOf(args).id }));
  expect(res.status).toBe(200);
});

test('a function that cannot reach done (no parameters at all): its value answers, undefined is a 500, not a hang', async () => {
  expect((await call(() => false)).status).toBe(401);
  const silent = await call(() => undefined);
  expect(silent.status).toBe(500);
  expect(silent.body.message).toMatch(/declares no `done` parameter/);
});

test(
  `a rest-parameter verify that never answers: one process warning after ${VERIFY_NO_ANSWER_WARNING_MS / 1000} s naming the mistake`,
  async () => {
    let warned: (message: string) => void = () => undefined;
    const warning = new Promise<string>((resolve) => (warned = resolve));
    const ours = (options: unknown) =>
      typeof options === 'object' &&
      options !== null &&
      (options as { code?: string }).code === VERIFY_NO_ANSWER_WARNING_CODE;
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation((message, options) => {
      if (ours(options)) warned(String(message));
    });
    const { app } = lwa.app({}, (..._args: unknown[]) => undefined);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const stop = new AbortController();
    const hanging = undiciRequest(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/me`, {
      headers: bearer(lwa.mint()),
      signal: stop.signal,
    }).then(
      () => 'answered',
      () => 'aborted',
    );
    try {
      const message = await warning;
      expect(message).toMatch(/has not answered a request in 10 s/);
      expect(message).toMatch(/rest parameter/);
      expect(message).toMatch(/done\(null, user\)/);
      expect(spy.mock.calls.filter(([, options]) => ours(options))).toHaveLength(1);
      // Still waiting, as documented: the request was not answered.
      stop.abort();
      expect(await hanging).toBe('aborted');
    } finally {
      stop.abort();
      spy.mockRestore();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  },
  VERIFY_NO_ANSWER_WARNING_MS + 10_000,
);
