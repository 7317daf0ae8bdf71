/** The emulator's `trickle` fault: headers at once, then the body a byte at a time. */
import { request } from 'undici';
import { LwaEmulator } from '../../../lib/testing';

let emu: LwaEmulator;
beforeAll(async () => {
  emu = await LwaEmulator.start();
});
afterAll(() => emu.close());
beforeEach(() => emu.clearFaults());

test('with a status: that status, its full Content-Length, Amazon’s error body, a byte at a time', async () => {
  emu.fault('tokeninfo', { kind: 'trickle', status: 503, intervalMs: 1 });
  const res = await request(`${emu.tokenInfoURL}?access_token=x`);
  expect(res.statusCode).toBe(503);
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString();
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(body));
  expect(JSON.parse(body)).toMatchObject({ error: 'ServerError' });
  expect(chunks.length).toBeGreaterThan(1);
});

test('without: the normal answer, trickled', async () => {
  const token = emu.mintToken({ clientID: 'amzn1.application-oa2-client.t', userID: 'amzn1.account.T' });
  emu.fault('profile', { kind: 'trickle', intervalMs: 0 });
  const res = await request(emu.profileURL, { headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode).toBe(200);
  expect(await res.body.json()).toMatchObject({ user_id: 'amzn1.account.T' });
});

test('a client that gives up, or close(), ends it', async () => {
  emu.fault('tokeninfo', { kind: 'trickle', status: 503, intervalMs: 60_000 });
  const res = await request(`${emu.tokenInfoURL}?access_token=x`);
  expect(res.statusCode).toBe(503);
  res.body.destroy();
  const other = await LwaEmulator.start();
  other.fault('tokeninfo', { kind: 'trickle', status: 500, intervalMs: 60_000 });
  const pending = await request(`${other.tokenInfoURL}?access_token=x`);
  const read = pending.body.text().catch((err: unknown) => err);
  await other.close();
  expect(await read).toBeInstanceOf(Error);
});

test.each([
  ['a status under 200', { kind: 'trickle', status: 100 }],
  ['a negative interval', { kind: 'trickle', intervalMs: -1 }],
  ['an interval that is not a number', { kind: 'trickle', intervalMs: '5' }],
])('%s is refused', (_name, fault) => {
  expect(() => emu.fault('both', fault as never)).toThrow(TypeError);
});
