// The built package (dist/, run `npm run build` first) under another runtime: Bun (`bun
// test/runtimes/express-smoke.mjs`), and Node too (Deno: deno-smoke.mjs, with its permissions). No Jest: plain assertions, one line per check, a non-zero exit on the first failure.
//
// The emulator from `passport-lwa-token/testing` plays Amazon on loopback; an Express 5 app with
// Passport and the strategy must answer a valid token 200, a junk token 401 without calling
// Amazon, another app's token 401; `LwaVerifier.verifyRequest` must take a Fetch API Request.
import assert from 'node:assert/strict';
import express from 'express';
import passport from 'passport';
import { LwaVerifier, Strategy } from '../../dist/esm/index.mjs';
import { LwaEmulator } from '../../dist/esm/testing/index.mjs';

const runtime =
  typeof globalThis.Bun !== 'undefined'
    ? `Bun ${globalThis.Bun.version}`
    : typeof globalThis.Deno !== 'undefined'
      ? `Deno ${globalThis.Deno.version.deno}`
      : `Node ${process.versions.node}`;
const clientID = 'amzn1.application-oa2-client.runtimes';
const ok = (what) => console.log(`${runtime}: ${what}: ok`);

const emu = await LwaEmulator.start();
const urls = { tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL };
const strategy = new Strategy({ clientID, ...urls }, async (_accessToken, profile) => ({ id: profile.id }));
const authenticator = new passport.Passport();
authenticator.use(strategy);
const app = express();
app.get('/api/me', authenticator.authenticate('amazon-token', { session: false }), (req, res) => {
  res.json({ user: req.user });
});
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
const url = `http://127.0.0.1:${server.address().port}/api/me`;
const bearer = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const verifier = new LwaVerifier({ clientID, ...urls });

try {
  const good = await fetch(url, bearer(emu.mintToken({ clientID, userID: 'amzn1.account.RUNTIME' })));
  assert.equal(good.status, 200);
  assert.deepEqual(await good.json(), { user: { id: 'amzn1.account.RUNTIME' } });
  ok('Express, a valid token: 200');

  emu.resetCalls();
  const junk = await fetch(url, bearer('not-a-token'));
  assert.equal(junk.status, 401);
  assert.match(junk.headers.get('www-authenticate') ?? '', /^Bearer realm="Users", error="invalid_token"/);
  assert.deepEqual(emu.calls, { tokeninfo: 0, profile: 0 });
  ok('Express, a junk token: 401, Amazon not called');

  const other = await fetch(url, bearer(emu.mintToken({ clientID: `${clientID}.other` })));
  assert.equal(other.status, 401);
  assert.match(other.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  ok("Express, another app's token: 401");

  const token = emu.mintToken({ clientID, userID: 'amzn1.account.FETCH' });
  const viaFetch = await verifier.verifyRequest(new Request('http://localhost/api', bearer(token)));
  assert.equal(viaFetch.ok, true);
  assert.equal(viaFetch.profile.id, 'amzn1.account.FETCH');
  const refused = await verifier.verifyRequest(new Request('http://localhost/api'));
  assert.equal(refused.ok, false);
  assert.equal(refused.status, 401);
  ok('LwaVerifier.verifyRequest with a Fetch Request: the customer, and a refusal without a token');
} finally {
  await new Promise((resolve) => server.close(resolve));
  await Promise.all([verifier.close(), strategy.close()]);
  await emu.close();
}
console.log(`${runtime}: express-smoke passed`);
