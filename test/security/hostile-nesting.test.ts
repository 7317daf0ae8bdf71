/**
 * Hostile nesting: an answer within the 64 KiB body cap but nested thousands of levels deep must end
 * in an LwaUpstreamError (a 502), never in a RangeError from a recursive walk (a 500 that is not an
 * LwaError). Over HTTP against the emulator, whose 200 answers the test writes; fast-check picks
 * the shapes.
 */
import fc from 'fast-check';
import request from 'supertest';
import type { Endpoint, LwaEmulator } from '../../lib/testing';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../../lib/defaults';
import { CLIENT_ID, useEmulator } from '../support/fixture';

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

const USER = 'amzn1.account.NESTED';
const json = (body: string) => ({ kind: 'status', status: 200, body, contentType: 'application/json' }) as const;
/** `depth` levels of arrays and objects (by `pattern`), innermost `null`. */
function nest(depth: number, pattern: 'arrays' | 'objects' | 'mixed'): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const array = pattern === 'arrays' || (pattern === 'mixed' && i % 2 === 0);
    open += array ? '[' : '{"k":';
    close = (array ? ']' : '}') + close;
  }
  return `${open}null${close}`;
}
const profileWith = (nested: string) => `{"user_id":"${USER}","name":"Ann","x":${nested}}`;
const tokenInfoWith = (nested: string) =>
  `{"iss":"https://www.amazon.com","user_id":"${USER}","aud":"${CLIENT_ID}","exp":3600,"x":${nested}}`;

const send = (app: Parameters<typeof request>[0]) =>
  request(app)
    .get('/api/me')
    .set('Authorization', `Bearer ${emu.mintToken({ clientID: CLIENT_ID, userID: USER })}`);

describe('deep answers are 502s, never RangeErrors', () => {
  test.each<[Endpoint, number]>([
    ['profile', 20_000],
    ['tokeninfo', 20_000],
    ['profile', MAX_JSON_DEPTH],
  ])('%s nesting %i arrays: 502 ERR_LWA_RESPONSE_SHAPE', async (endpoint, depth) => {
    const { app, strategy } = lwa.app();
    const body = endpoint === 'profile' ? profileWith(nest(depth, 'arrays')) : tokenInfoWith(nest(depth, 'arrays'));
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_BODY_BYTES);
    emu.fault(endpoint, json(body));
    const res = await send(app);
    expect([res.status, res.body.code]).toEqual([502, 'ERR_LWA_RESPONSE_SHAPE']);
    await strategy.close();
  });

  test('an extra field nested as deep as the limit allows is still an answer (200)', async () => {
    const { app, strategy } = lwa.app();
    emu.fault('profile', json(profileWith(nest(MAX_JSON_DEPTH - 1, 'arrays'))));
    const res = await send(app);
    expect(res.status).toBe(200);
    await strategy.close();
  });

  test('any depth, any mix, on either endpoint: a 200 or a 502 with an LwaError code, nothing else', async () => {
    const { app, strategy } = lwa.app({ circuitBreaker: false });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Endpoint>('tokeninfo', 'profile'),
        fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 40, max: 12_000 })),
        fc.constantFrom('arrays' as const, 'objects' as const, 'mixed' as const),
        async (endpoint, depth, pattern) => {
          const nested = nest(depth, pattern);
          const body = endpoint === 'profile' ? profileWith(nested) : tokenInfoWith(nested);
          emu.clearFaults();
          emu.fault(endpoint, json(body), { times: 1 });
          const res = await send(app);
          if (depth < MAX_JSON_DEPTH) expect(res.status).toBe(200);
          else if (Buffer.byteLength(body) > MAX_BODY_BYTES)
            expect([res.status, res.body.code]).toEqual([502, 'ERR_LWA_RESPONSE_TOO_LARGE']);
          else expect([res.status, res.body.code]).toEqual([502, 'ERR_LWA_RESPONSE_SHAPE']);
        },
      ),
      { numRuns: 40 },
    );
    await strategy.close();
  });
});
