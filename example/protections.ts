/**
 * The page's "What the API refuses" card, offline only: `POST /demo/token { kind }` mints a token
 * the emulator issues (or sets one of its faults) for the page to present to the API itself, with
 * the sentence that says why the API answers as it does; `POST /demo/faults/clear` ends the fault.
 * Mounted only when the app's verifiers talk to this very emulator, so it cannot exist against Amazon.
 */
import { Router } from 'express';
import type { LwaEmulator } from '../lib/testing';
import type { ExampleConfig } from './config';

/** Each control: the token it presents (as the emulator's first customer, who has an account), where, and why the answer. */
const KINDS = {
  'other-app': {
    path: '/api/me',
    why: 'Amazon vouches for this token, but it was issued to another app (its client ID is not ours): accepting it would let any app that got a customer’s token sign in as them here (the confused deputy), so the strategy compares tokeninfo’s aud with clientID.',
  },
  expired: {
    path: '/api/me',
    why: 'Amazon says this token is no longer valid (an access token lasts an hour): 401 invalid_token, which tells the client to get a new one.',
  },
  revoked: {
    path: '/api/me',
    why: 'This token was signed out here, as Sign out does: Amazon would still accept it until it expires, so the verifiers refuse it themselves, without asking Amazon.',
  },
  'no-postal-code': {
    path: '/api/shipping',
    why: 'The token is good, but its customer granted only the profile scope and this route needs postal_code: 403 insufficient_scope, since the same token will never do.',
  },
  outage: {
    path: '/api/me',
    why: 'Amazon answered 503 (the emulator’s fault): the token may be fine, so this is a 5xx to retry later, never a 401 that would sign the person out.',
  },
  slow: {
    path: '/api/me',
    why: 'Amazon did not answer (the emulator hangs): the strategy gives up at its timeout, 5 seconds by default, with a 504, rather than holding the request forever.',
  },
} as const;

export type ProtectionKind = keyof typeof KINDS;

/** The client ID the "another app's token" control mints for. */
export const OTHER_APP_CLIENT_ID = 'amzn1.application-oa2-client.another-app';

/**
 * The routes, or `undefined` unless `config`'s endpoints are `emulator`'s: the controls mint tokens
 * and break Amazon on purpose, which only the emulator can do.
 */
export function protectionRoutes(
  config: ExampleConfig,
  emulator: LwaEmulator | undefined,
  revoke: (token: string) => Promise<void>,
): Router | undefined {
  if (emulator === undefined || config.mode !== 'emulator' || config.tokenInfoURL !== emulator.tokenInfoURL)
    return undefined;
  const router = Router();

  router.post('/token', async (req, res) => {
    const { kind } = (req.body ?? {}) as { kind?: unknown };
    if (typeof kind !== 'string' || !Object.hasOwn(KINDS, kind))
      return void res.status(400).json({ error: 'invalid_input', message: 'Say which protection to show.' });
    const customer = emulator.customers[0];
    const mint = (extra: { clientID?: string; expiresIn?: number; scopes?: ['profile'] } = {}): string =>
      emulator.mintToken({
        clientID: config.clientID,
        userID: customer.userID,
        name: customer.name,
        email: customer.email,
        ...extra,
      });
    emulator.clearFaults();
    let token: string;
    switch (kind as ProtectionKind) {
      case 'other-app':
        token = mint({ clientID: OTHER_APP_CLIENT_ID });
        break;
      case 'expired':
        token = mint({ expiresIn: 0 });
        break;
      case 'revoked':
        token = mint();
        await revoke(token);
        break;
      case 'no-postal-code':
        token = mint({ scopes: ['profile'] });
        break;
      case 'outage':
        token = mint();
        emulator.fault('tokeninfo', { kind: 'status', status: 503 });
        break;
      case 'slow':
        token = mint();
        emulator.fault('tokeninfo', { kind: 'hang' });
        break;
    }
    const { path, why } = KINDS[kind as ProtectionKind];
    res.json({ token, path, why });
  });

  router.post('/faults/clear', (_req, res) => {
    emulator.clearFaults();
    res.status(204).end();
  });
  return router;
}
