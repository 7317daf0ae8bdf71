// Deno, with exactly the permissions docs/doors.md names, on the package as npm installs it: `.ci/run`
// packs it, installs the tarball beside Deno, and runs this file there with
// `deno run --allow-net=127.0.0.1 --allow-env=JEST_WORKER_ID,UNDICI_NO_WASM_SIMD deno-smoke.mjs`.
// No Jest: plain assertions, one line per check, a non-zero exit on the first failure.
//
// The emulator plays Amazon on loopback; docs/doors.md's Fetch handler, under `Deno.serve`, must
// answer a valid token 200, a junk token 401 without calling Amazon, and an outage 502, not 401.
/* global Deno */
import assert from 'node:assert/strict';
import { LwaError, LwaVerifier } from 'passport-lwa-token';
import { LwaEmulator } from 'passport-lwa-token/testing';

const clientID = 'amzn1.application-oa2-client.runtimes';
const ok = (what) => console.log(`Deno ${Deno.version.deno}: ${what}: ok`);

const emu = await LwaEmulator.start();
const verifier = new LwaVerifier({ clientID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL });
const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => undefined }, async (req) => {
  try {
    const result = await verifier.verifyRequest(req);
    if (!result.ok)
      return new Response(null, { status: result.status, headers: { 'WWW-Authenticate': result.challenge } });
    return Response.json({ user: { id: result.profile.id } });
  } catch (err) {
    if (err instanceof LwaError) return Response.json({ error: err.code }, { status: err.status });
    throw err;
  }
});
const url = `http://127.0.0.1:${server.addr.port}/api/me`;
const bearer = (token) => ({ headers: { authorization: `Bearer ${token}` } });

try {
  const good = await fetch(url, bearer(emu.mintToken({ clientID, userID: 'amzn1.account.DENO' })));
  assert.equal(good.status, 200);
  assert.deepEqual(await good.json(), { user: { id: 'amzn1.account.DENO' } });
  ok('a valid token: 200');

  emu.resetCalls();
  const junk = await fetch(url, bearer('not-a-token'));
  await junk.body?.cancel();
  assert.equal(junk.status, 401);
  assert.deepEqual(emu.calls, { tokeninfo: 0, profile: 0 });
  ok('a junk token: 401, Amazon not called');

  emu.fault('both', { kind: 'status', status: 503 });
  const down = await fetch(url, bearer(emu.mintToken({ clientID })));
  assert.equal(down.status, 502);
  assert.deepEqual(await down.json(), { error: 'ERR_LWA_UPSTREAM_STATUS' });
  ok('Amazon down: 502, not 401');
} finally {
  await server.shutdown();
  await verifier.close();
  await emu.close();
}
console.log(`Deno ${Deno.version.deno}: deno-smoke passed`);
