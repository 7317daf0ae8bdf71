/**
 * The order of the two calls (lib/amazon/recent-refusals.ts): while refusals are rare, tokeninfo and
 * the profile go at once; once at least 9 of tokeninfo's last 10 answers were refusals (a flood of
 * junk), tokeninfo goes first and the profile only for a token it accepts. Against the emulator,
 * with its call counts and the order its requests arrive in; no timings.
 */
import type { LwaVerifier } from '../../lib';
import { useEmulator } from '../support/fixture';

const lwa = useEmulator();
const junk = (i: number) => `Atza|order${String(i).padStart(400, '0')}`;

/** Whether the profile call arrives while tokeninfo, held by a `hang` fault, has not answered. */
async function profileWhileTokenInfoHangs(verifier: LwaVerifier, token: string): Promise<boolean> {
  lwa.emu.fault('tokeninfo', { kind: 'hang' }, { times: 1 });
  const profile = lwa.emu.nextRequest((r) => r.endpoint === 'profile').then(() => true);
  // Settles at `timeout` (504): tokeninfo never answers.
  const verification = verifier.verify(token).then(
    () => false,
    () => false,
  );
  const first = await Promise.race([profile, verification]);
  await verification;
  return first;
}

/** `count` distinct junk tokens, `atOnce` at a time; resolves with the emulator's calls they cost. */
async function flood(verifier: LwaVerifier, count: number, atOnce: number, from = 0): Promise<number> {
  const before = lwa.emu.calls.tokeninfo + lwa.emu.calls.profile;
  let next = from;
  await Promise.all(
    Array.from({ length: atOnce }, async () => {
      while (next < from + count) {
        const result = await verifier.verify(junk(next++));
        expect(result.ok).toBe(false);
      }
    }),
  );
  return lwa.emu.calls.tokeninfo + lwa.emu.calls.profile - before;
}

test('refusals rare: tokeninfo and the profile go at once (the profile arrives while tokeninfo hangs)', async () => {
  const verifier = lwa.verifier({ timeout: 1000, circuitBreaker: false });
  for (let i = 0; i < 10; i += 1) expect((await verifier.verify(lwa.mint())).ok).toBe(true);
  expect(await profileWhileTokenInfoHangs(verifier, lwa.mint())).toBe(true);
  await verifier.close();
});

test('a junk flood costs at most 1.1 calls a token; a customer during it gets tokeninfo first, then the profile', async () => {
  const verifier = lwa.verifier({ timeout: 1000, circuitBreaker: false });
  const calls = await flood(verifier, 500, 20);
  expect(calls / 500).toBeLessThanOrEqual(1.1);
  // Refusals dominate now: the profile is not asked before tokeninfo accepts the token...
  expect(await profileWhileTokenInfoHangs(verifier, lwa.mint())).toBe(false);
  expect(lwa.emu.calls.profile).toBe(calls - 500);
  // ...and a customer is still verified, with both calls (two round trips).
  lwa.emu.resetCalls();
  expect((await verifier.verify(lwa.mint())).ok).toBe(true);
  expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  await verifier.close();
});

test('once the flood ends and customers return, both go at once again', async () => {
  const verifier = lwa.verifier({ timeout: 1000, circuitBreaker: false });
  await flood(verifier, 50, 1);
  expect(await profileWhileTokenInfoHangs(verifier, lwa.mint())).toBe(false);
  // Two accepted among the last ten answers: back below nine refusals in ten.
  for (let i = 0; i < 2; i += 1) expect((await verifier.verify(lwa.mint())).ok).toBe(true);
  expect(await profileWhileTokenInfoHangs(verifier, lwa.mint())).toBe(true);
  await verifier.close();
});
