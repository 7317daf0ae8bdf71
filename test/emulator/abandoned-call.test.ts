/**
 * The emulator's fault accounting as a suite meets it (docs/testing.md): a token refused early
 * (another app's) leaves its profile call waiting at the emulator until the verifier abandons it; a
 * `{ times: 2 }` fault must then hit the next two real calls, not that abandoned one. Two emulators,
 * so that tokeninfo answers at once while the profile call waits out a latency.
 */
import { LwaError, LwaVerifier } from '../../lib';
import { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, OTHER_CLIENT_ID } from '../support/fixture';

let amazon: LwaEmulator; // tokeninfo: mints the tokens, answers at once
let profiles: LwaEmulator; // profile: knows none of those tokens (400) unless a fault answers
let verifier: LwaVerifier;

beforeAll(async () => {
  [amazon, profiles] = await Promise.all([LwaEmulator.start(), LwaEmulator.start()]);
  verifier = new LwaVerifier({
    clientID: CLIENT_ID,
    tokenInfoURL: amazon.tokenInfoURL,
    profileURL: profiles.profileURL,
    cache: false,
    circuitBreaker: false,
    timeout: 2000,
  });
});
afterAll(async () => {
  await verifier.close();
  await Promise.all([amazon.close(), profiles.close()]);
});

test('the profile call of a token refused early spends no fault: { times: 2 } hits the next two calls', async () => {
  profiles.fault('profile', { kind: 'malformed-json' }, { times: 2 }); // an outage, not retried
  profiles.setLatency(60_000);
  const arrived = profiles.nextRequest();
  const refused = await verifier.verify(amazon.mintToken({ clientID: OTHER_CLIENT_ID }));
  expect(refused).toMatchObject({ ok: false, status: 401 });
  await arrived; // the abandoned profile call waits out its minute at the emulator
  profiles.setLatency(0);

  const token = () => amazon.mintToken({ clientID: CLIENT_ID });
  await expect(verifier.verify(token())).rejects.toBeInstanceOf(LwaError);
  await expect(verifier.verify(token())).rejects.toBeInstanceOf(LwaError);
  expect(await verifier.verify(token())).toMatchObject({ ok: false }); // spent: the profile endpoint's 400
});
