/**
 * Filling the places over HTTP: at most MAX_RUNNING (32) verifications call Amazon at once (not an
 * option), so a test that needs them all taken sends 32 requests with distinct tokens while
 * tokeninfo hangs; the next ones wait their turn in the queue (lib/gate/admission.ts).
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { MAX_RUNNING } from '../../lib/defaults';
import type { LwaEmulator } from '../../lib/testing';

export { MAX_RUNNING };

/** `app` on one loopback server for the whole flood (supertest would start one per request). */
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GET /api/me with `token` as a bearer, on `target` (an app, a server or a URL). */
export const getMe = (target: Parameters<typeof request>[0], token: string): Promise<request.Response> =>
  request(target)
    .get('/api/me')
    .set('Authorization', `Bearer ${token}`)
    .then((res) => res);

/**
 * Installs a `hang` fault on the next `tokens.length` tokeninfo calls, sends a request for each
 * token, and resolves once Amazon holds a tokeninfo call of each: every one of these verifications
 * then holds a place (a verification calls Amazon only once it holds one), and once each one's
 * profile call has arrived too. Only tokeninfo hangs: the profile calls' connections are given back. The answers come at the strategy's `timeout`
 * (504s).
 */
export async function holdAtTokenInfo(
  emu: LwaEmulator,
  target: Parameters<typeof request>[0],
  tokens: readonly string[],
): Promise<Array<Promise<request.Response>>> {
  emu.fault('tokeninfo', { kind: 'hang' }, { times: tokens.length });
  const expected = emu.calls.tokeninfo + tokens.length;
  const profiles = emu.calls.profile + tokens.length;
  const answers = tokens.map((token) => getMe(target, token));
  // The count and the wait are taken in one synchronous step: no arrival can fall between them.
  while (emu.calls.tokeninfo < expected) await emu.nextRequest((r) => r.endpoint === 'tokeninfo');
  // Each one's profile call (sent beside tokeninfo) too, so that the caller's counts are final.
  while (emu.calls.profile < profiles) await emu.nextRequest((r) => r.endpoint === 'profile');
  return answers;
}
