/**
 * The order of the two calls (lib/amazon/recent-refusals.ts): while refusals are rare, tokeninfo and
 * the profile go at once; once at least 9 of tokeninfo's last 10 answers were refusals (a flood of
 * junk), tokeninfo goes first and the profile only for a token it accepts. Against the emulator,
 * with its call counts and the order its requests arrive in; no timings.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { CHANNELS, type ChannelMessages, type LwaVerifier } from '../../lib';
import { useEmulator } from '../support/fixture';

const lwa = useEmulator();
const junk = (i: number) => `Atza|order${String(i).padStart(400, '0')}`;

/** How long tokeninfo's answer is held back: long beside two calls sent at once, short beside `timeout`. */
const HELD_MS = 1000;

/**
 * Whether the profile call reaches the emulator before tokeninfo, held back `HELD_MS` by a `latency`
 * fault, has answered. Told by the order of two events, not by a clock: when the profile waits for
 * tokeninfo, tokeninfo's upstream event is published before the profile call is sent.
 */
async function profileBeforeTokenInfoAnswers(verifier: LwaVerifier, token: string): Promise<boolean> {
  lwa.emu.fault('tokeninfo', { kind: 'latency', ms: HELD_MS }, { times: 1 });
  let tokenInfoAnswered = false;
  const onUpstream = (message: unknown): void => {
    if ((message as ChannelMessages['upstream']).endpoint === 'tokeninfo') tokenInfoAnswered = true;
  };
  diagnostics_channel.subscribe(CHANNELS.upstream, onUpstream);
  try {
    const profile = lwa.emu.nextRequest((r) => r.endpoint === 'profile').then(() => !tokenInfoAnswered);
    expect((await verifier.verify(token)).ok).toBe(true);
    // A valid token's verification asked for the profile: settled by now.
    return await profile;
  } finally {
    diagnostics_channel.unsubscribe(CHANNELS.upstream, onUpstream);
  }
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

test('refusals rare: tokeninfo and the profile go at once (the profile arrives before tokeninfo answers)', async () => {
  const verifier = lwa.verifier({ circuitBreaker: false });
  for (let i = 0; i < 10; i += 1) expect((await verifier.verify(lwa.mint())).ok).toBe(true);
  expect(await profileBeforeTokenInfoAnswers(verifier, lwa.mint())).toBe(true);
  await verifier.close();
});

test('a junk flood costs at most 1.1 calls a token; a customer during it gets tokeninfo first, then the profile', async () => {
  const verifier = lwa.verifier({ circuitBreaker: false });
  const calls = await flood(verifier, 500, 20);
  expect(calls / 500).toBeLessThanOrEqual(1.1);
  // Refusals dominate now: the profile is not asked before tokeninfo accepts the token...
  expect(await profileBeforeTokenInfoAnswers(verifier, lwa.mint())).toBe(false);
  // ...and a customer is still verified, with both calls (two round trips).
  expect(lwa.emu.calls.profile).toBe(calls - 500 + 1);
  await verifier.close();
});

test('once the flood ends and customers return, both go at once again', async () => {
  const verifier = lwa.verifier({ circuitBreaker: false });
  await flood(verifier, 50, 1);
  expect(await profileBeforeTokenInfoAnswers(verifier, lwa.mint())).toBe(false);
  // That customer and one more make two accepted among the last ten answers: below nine refusals in ten.
  expect((await verifier.verify(lwa.mint())).ok).toBe(true);
  expect(await profileBeforeTokenInfoAnswers(verifier, lwa.mint())).toBe(true);
  await verifier.close();
});
