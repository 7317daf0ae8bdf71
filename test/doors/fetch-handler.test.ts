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

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import request from 'supertest';
import { LwaVerifier as Verifier, type LwaVerifierOptions } from '../../lib';
import type { Fault, FaultTarget } from '../../lib/testing';
import {
  acceptedCases,
  bearer,
  CLIENT_ID,
  expectNoSliceOf,
  expectRefused,
  refusalCases,
  useEmulator,
} from '../support/fixture';

const lwa = useEmulator();

const verifiers: Verifier<Request>[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await Promise.allSettled(verifiers.map((v) => v.close()));
});

/** A verifier of Fetch requests pointed at the emulator. */
function fetchVerifier(options: Partial<LwaVerifierOptions<Request>> = {}): Verifier<Request> {
  const verifier = new Verifier<Request>({
    clientID: CLIENT_ID,
    tokenInfoURL: lwa.emu.tokenInfoURL,
    profileURL: lwa.emu.profileURL,
    timeout: 2000,
    ...options,
  });
  verifiers.push(verifier);
  return verifier;
}

/** A Fetch handler on a real Node HTTP server on an ephemeral loopback port: its URL. */
async function serveFetch(fetch: (req: Request) => Response | Promise<Response>): Promise<string> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  servers.push(server);
  if (!server.listening) await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Outages of Amazon, and what the client must get instead of a 401. */
const outages: Array<{ name: string; target: FaultTarget; fault: Fault; status: number; code: string }> = [
  {
    name: 'tokeninfo answers 500',
    target: 'tokeninfo',
    fault: { kind: 'status', status: 500 },
    status: 502,
    code: 'ERR_LWA_UPSTREAM_STATUS',
  },
  {
    name: 'profile resets the connection',
    target: 'profile',
    fault: { kind: 'reset' },
    status: 502,
    code: 'ERR_LWA_UPSTREAM_CONNECTION',
  },
  {
    name: 'tokeninfo answers 429',
    target: 'tokeninfo',
    fault: { kind: 'rate-limit', retryAfter: 30 },
    status: 503,
    code: 'ERR_LWA_RATE_LIMITED',
  },
  { name: 'Amazon hangs', target: 'both', fault: { kind: 'hang' }, status: 504, code: 'ERR_LWA_TIMEOUT' },
];

describe('the Fetch handler on @hono/node-server', () => {
  const handlerOf = meHandler;
  let url: string;
  beforeAll(async () => {
    url = await serveFetch(handlerOf(fetchVerifier()));
  });

  test('a token in the Authorization header: 200 with the user', async () => {
    const { send, user } = acceptedCases(lwa)[0];
    const res = await send(url, '/api/me');
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { user } });
    expect(lwa.emu.calls).toEqual({ tokeninfo: 1, profile: 1 });
  });

  test('a token in the query: 200', async () => {
    const res = await request(url)
      .get('/api/me')
      .query({ access_token: lwa.mint({ name: 'Q' }) });
    expect({ status: res.status, name: res.body.user?.name }).toEqual({ status: 200, name: 'Q' });
  });

  test.each(refusalCases(lwa))('$name: $status with the challenge', async ({ send, status, error }) => {
    const res = await send(url, '/api/me');
    expectRefused(res, status, error);
  });

  test('a token in the body is not read (the body is the app’s stream): 401, no call to Amazon', async () => {
    const res = await request(url).post('/api/me').send({ access_token: lwa.mint() });
    expectRefused(res, 401);
    expect(lwa.emu.calls).toEqual({ tokeninfo: 0, profile: 0 });
  });

  describe('Amazon down: 502, 503 or 504 (LwaError.status), never a 401', () => {
    let outageURL: string;
    beforeAll(async () => {
      // A short deadline for the hang; no circuit breaker, so each row meets Amazon's own fault.
      outageURL = await serveFetch(handlerOf(fetchVerifier({ timeout: 300, circuitBreaker: false })));
    });

    test.each(outages)('$name: $status $code', async ({ target, fault, status, code }) => {
      lwa.emu.fault(target, fault);
      const token = lwa.mint();
      const res = await request(outageURL).get('/api/me').set(bearer(token));
      expect({ status: res.status, body: res.body, challenge: res.headers['www-authenticate'] }).toEqual({
        status,
        body: { error: code },
        challenge: undefined,
      });
      expectNoSliceOf(token, [res.headers, res.text]);
    });
  });
});

describe('the plain Fetch handler called with Request objects (no server)', () => {
  let handler: (req: Request) => Promise<Response>;
  beforeAll(() => {
    handler = meHandler(fetchVerifier());
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
