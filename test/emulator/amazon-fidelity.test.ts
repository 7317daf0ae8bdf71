/**
 * The emulator against what public code records of Amazon's wire (docs/design.md, Amazon's API:
 * the Amazon Pay SDKs' tests, python-social-auth's and django-allauth's Amazon tests): tokeninfo's
 * refusal byte for byte, the older profile endpoint and shape, and the caching headers of errors.
 */
import { Agent, request } from 'undici';
import { LwaEmulator } from '../../lib/testing';

const CLIENT = 'amzn1.application-oa2-client.fidelity';
let emu: LwaEmulator;
const agent = new Agent();

beforeAll(async () => {
  emu = await LwaEmulator.start();
});
afterAll(async () => {
  await agent.close();
  await emu.close();
});
beforeEach(() => emu.clearFaults());

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers, dispatcher: agent });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test("tokeninfo refuses an unknown token with Amazon's exact body, and no request_id", async () => {
  const res = await get(emu.tokenInfoURL, { 'x-amz-access-token': `Atza|${'u'.repeat(400)}` });
  expect(res.status).toBe(400);
  expect(res.text).toBe(
    '{"error_description":"The request has an invalid parameter : access_token","error":"invalid_token"}',
  );
  expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
});

test('an expired token gets the same refusal from tokeninfo', async () => {
  const token = emu.mintToken({ clientID: CLIENT, expiresIn: 0 });
  const res = await get(emu.tokenInfoURL, { 'x-amz-access-token': token });
  expect(JSON.parse(res.text)).toEqual({
    error_description: 'The request has an invalid parameter : access_token',
    error: 'invalid_token',
  });
});

test('error answers say not to cache them: Cache-Control and Pragma', async () => {
  const unknown = `Atza|${'c'.repeat(400)}`;
  const answers = [
    await get(emu.tokenInfoURL, { 'x-amz-access-token': unknown }),
    await get(emu.profileURL, { authorization: `Bearer ${unknown}` }),
    await get(emu.tokenInfoURL), // no token: invalid_request
    await get(emu.profileURL, { authorization: `Bearer ${emu.mintToken({ clientID: CLIENT, scopes: [] })}` }),
  ];
  emu.fault('tokeninfo', { kind: 'status', status: 500 }, { times: 1 });
  answers.push(await get(emu.tokenInfoURL));
  emu.fault('tokeninfo', { kind: 'rate-limit', retryAfter: 1 }, { times: 1 });
  answers.push(await get(emu.tokenInfoURL));
  expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 401, 500, 429]);
  for (const answer of answers) {
    expect(answer.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
    expect(answer.headers.pragma).toBe('no-cache');
  }
  // A good answer carries neither.
  const ok = await get(emu.tokenInfoURL, { 'x-amz-access-token': emu.mintToken({ clientID: CLIENT }) });
  expect(ok.status).toBe(200);
  expect(ok.headers.pragma).toBeUndefined();
});

test('/ap/user/profile answers the older shape, with the Request-Id python-social-auth records', async () => {
  const token = emu.mintToken({
    clientID: CLIENT,
    userID: 'amzn1.account.FIDELITY',
    name: 'Foo Bar',
    email: 'foo@bar.com',
    scopes: ['profile'],
  });
  emu.resetCalls();
  const res = await get(emu.legacyProfileURL, { authorization: `Bearer ${token}` });
  expect(res.status).toBe(200);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body).toEqual({
    'Request-Id': res.headers['x-amzn-requestid'],
    Profile: { CustomerId: 'amzn1.account.FIDELITY', Name: 'Foo Bar', PrimaryEmail: 'foo@bar.com' },
  });
  expect(emu.legacyProfileURL).toBe(`${emu.url}/ap/user/profile`);
  expect(emu.calls.profile).toBe(1);
  // The current endpoint still answers the current shape for the same token.
  const current = await get(emu.profileURL, { authorization: `Bearer ${token}` });
  expect(JSON.parse(current.text)).toEqual({
    user_id: 'amzn1.account.FIDELITY',
    name: 'Foo Bar',
    email: 'foo@bar.com',
  });
});

test('the older endpoint refuses as the current one does', async () => {
  const res = await get(emu.legacyProfileURL, { authorization: `Bearer Atza|${'z'.repeat(400)}` });
  expect(res.status).toBe(400);
  expect(JSON.parse(res.text)).toMatchObject({ error: 'invalid_token' });
});
