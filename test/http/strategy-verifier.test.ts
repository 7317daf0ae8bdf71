/**
 * `strategy.verifier`: the strategy's own verification core, for where Passport does not reach. It
 * shares the strategy's cache (one verification for a token, whichever door it came through), and
 * it cannot be swapped for another at run time.
 */
import { LwaVerifier } from '../../lib';
import { getMe, useEmulator } from '../support/fixture';

const lwa = useEmulator();

test('a token verified through passport.authenticate is then answered by strategy.verifier, no new call', async () => {
  const { app, strategy } = lwa.app();
  const userID = 'amzn1.account.SHAREDONE';
  const token = lwa.mint({ userID });
  expect((await getMe(app, token)).status).toBe(200);
  expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 1, profile: 1 });

  const result = await strategy.verifier.verify(token);
  expect(result).toMatchObject({ ok: true, profile: { id: userID }, tokenInfo: { userID } });
  expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 1, profile: 1 });
});

test('and the other way: strategy.verifier first, then passport.authenticate, no new call', async () => {
  const { app, strategy } = lwa.app();
  const userID = 'amzn1.account.SHAREDTWO';
  const token = lwa.mint({ userID });
  expect((await strategy.verifier.verify(token)).ok).toBe(true);
  expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 1, profile: 1 });

  const res = await getMe(app, token);
  expect([res.status, res.body.user]).toEqual([200, { id: userID, name: expect.any(String) }]);
  expect({ ...lwa.emu.calls }).toEqual({ tokeninfo: 1, profile: 1 });
  expect(strategy.verifier.cachedEntries).toBe(1);
});

test("a refusal kept through one door is the other's too", async () => {
  const { app, strategy } = lwa.app();
  const unknown = `Atza|${'u'.repeat(400)}`;
  expect((await getMe(app, unknown)).status).toBe(401);
  const calls = { ...lwa.emu.calls };
  expect(await strategy.verifier.verify(unknown)).toMatchObject({ ok: false, reason: 'token_rejected' });
  expect({ ...lwa.emu.calls }).toEqual(calls);
});

test('strategy.verifier is an LwaVerifier, the same one each time', () => {
  const strategy = lwa.strategy();
  expect(strategy.verifier).toBeInstanceOf(LwaVerifier);
  expect(strategy.verifier).toBe(strategy.verifier);
});

test('strategy.verifier cannot be replaced: assigning throws (strict mode), on the strategy and on its per-request copy', () => {
  const strategy = lwa.strategy();
  const own = strategy.verifier;
  const other = lwa.verifier({ clientID: 'amzn1.application-oa2-client.other' });
  const assign = (target: object) => () => {
    (target as { verifier: unknown }).verifier = other;
  };
  expect(assign(strategy)).toThrow(TypeError);
  // Passport runs each request on Object.create(strategy): an inherited read-only property cannot be shadowed by assignment.
  expect(assign(Object.create(strategy) as object)).toThrow(TypeError);
  expect(() => delete (strategy as { verifier?: unknown }).verifier).toThrow(TypeError);
  expect(strategy.verifier).toBe(own);
  return other.close();
});
