/**
 * docs/doors.md, "Fetch-API servers": `verifier.verifyRequest(c.req.raw)` in a Hono middleware, the
 * app served on Node by @hono/node-server on an ephemeral port. The recipe block below is the
 * document's, verbatim but for the package's import (test/doors/docs-match.test.ts checks).
 */

// recipe: Hono
import { Hono } from 'hono';
import { LwaError, type AmazonProfile, type LwaVerifier } from '../../lib';

/** A Hono app whose `/api` routes need an Amazon customer, there as `c.get('customer')`. */
export function honoApp(verifier: LwaVerifier<Request>): Hono<{ Variables: { customer: AmazonProfile } }> {
  const app = new Hono<{ Variables: { customer: AmazonProfile } }>();
  app.use('/api/*', async (c, next) => {
    const result = await verifier.verifyRequest(c.req.raw);
    if (!result.ok) return c.body(null, result.status, { 'WWW-Authenticate': result.challenge });
    c.set('customer', result.profile);
    return next();
  });
  app.get('/api/me', (c) => c.json({ user: { id: c.get('customer').id, name: c.get('customer').displayName } }));
  app.onError((err, c) => {
    // Amazon unreachable: 502, 503 or 504, no challenge. A 401 would sign the client out.
    if (err instanceof LwaError) return c.json({ error: err.code }, err.status as 502 | 503 | 504);
    console.error(err); // anything else: as Hono's default handler does
    return c.text('Internal Server Error', 500);
  });
  return app;
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

describe('Hono on @hono/node-server', () => {
  const handlerOf = (verifier: Verifier<Request>) => honoApp(verifier).fetch;
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
