/**
 * docs/doors.md, "Fetch-API servers": a plain Fetch handler of the shape Bun.serve and Deno.serve
 * take, served on Node by @hono/node-server and called with `new Request(...)` objects (Bun and Deno
 * themselves are not run here). The recipe block below is the document's, verbatim but for the
 * package's import (test/doors/docs-match.test.ts checks).
 */

// recipe: Fetch handler
import { LwaError, type LwaVerifier } from '../../lib';

/** GET /api/me as a Fetch handler: `Bun.serve({ fetch: handler })`, `Deno.serve(handler)`. */
export function meHandler(verifier: LwaVerifier<Request>): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      const result = await verifier.verifyRequest(req);
      if (!result.ok) {
        return new Response(null, { status: result.status, headers: { 'WWW-Authenticate': result.challenge } });
      }
      return Response.json({ user: { id: result.profile.id, name: result.profile.displayName } });
    } catch (err) {
      // Amazon unreachable: 502, 503 or 504, no challenge. A 401 would sign the client out.
      if (err instanceof LwaError) return Response.json({ error: err.code }, { status: err.status });
      throw err;
    }
  };
}
// end of recipe

import { bearer, expectRefused } from '../support/fixture';
import { describeFetchDoor } from './fetch-door';

const lwa = describeFetchDoor('the Fetch handler on @hono/node-server', meHandler);

describe('the plain Fetch handler called with Request objects (no server)', () => {
  let handler: (req: Request) => Promise<Response>;
  beforeAll(() => {
    handler = meHandler(lwa.verifier<Request>());
  });

  test('a valid token: 200 with the user', async () => {
    const token = lwa.mint({ userID: 'amzn1.account.FETCHUSER', name: 'Fay' });
    const res = await handler(new Request('https://api.example/api/me', { headers: bearer(token) }));
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 200,
      body: { user: { id: 'amzn1.account.FETCHUSER', name: 'Fay' } },
    });
  });

  test('the same token again: answered from the cache, no second call to Amazon', async () => {
    const token = lwa.mint();
    const get = () => handler(new Request('https://api.example/api/me', { headers: bearer(token) }));
    expect([(await get()).status, (await get()).status]).toEqual([200, 200]);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('a repeated Authorization header (Headers joins it): 400 invalid_request', async () => {
    const headers = new Headers();
    headers.append('Authorization', `Bearer ${lwa.mint()}`);
    headers.append('Authorization', `Bearer ${lwa.mint()}`);
    const res = await handler(new Request('https://api.example/api/me', { headers }));
    expectRefused({ status: res.status, headers: Object.fromEntries(res.headers) }, 400, 'invalid_request');
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  test('a revoked token: 401 invalid_token', async () => {
    const token = lwa.mint();
    lwa.emu.revoke(token);
    const res = await handler(new Request('https://api.example/api/me', { headers: bearer(token) }));
    expectRefused({ status: res.status, headers: Object.fromEntries(res.headers) }, 401, 'invalid_token');
  });
});
