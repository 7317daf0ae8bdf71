/**
 * What the Fetch-API doors of docs/doors.md (Hono, a plain Fetch handler) must all do, served on Node
 * by @hono/node-server: one suite, run by each door's test file on its own recipe.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import request from 'supertest';
import type { LwaVerifier, LwaVerifierOptions } from '../../lib';
import type { Fault, FaultTarget } from '../../lib/testing';
import {
  acceptedCases,
  bearer,
  expectNoSliceOf,
  expectRefused,
  refusalCases,
  useEmulator,
  type EmulatorFixture,
} from '../support/fixture';

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

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

/** A Fetch handler made from a verifier: what each door's recipe builds. */
export type FetchDoor = (verifier: LwaVerifier<Request>) => (req: Request) => Response | Promise<Response>;

/**
 * The requests every Fetch door must answer as the library does, the door served on a real Node
 * HTTP server: accepted tokens, each refusal with its challenge, a body never read, and an Amazon
 * outage as 502, 503 or 504. Returns the test file's emulator.
 */
export function describeFetchDoor(title: string, handlerOf: FetchDoor): EmulatorFixture {
  const lwa = useEmulator();
  const fetchVerifier = (options: Partial<LwaVerifierOptions<Request>> = {}) => lwa.verifier<Request>(options);
  describe(title, () => {
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
  return lwa;
}
