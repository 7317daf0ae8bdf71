/**
 * Challenges (lib/refusal.ts; RFC 6750 §3), as properties: every refusal a verifier gives, for any
 * token sent any way to any route, carries a `WWW-Authenticate` value of RFC 6750's syntax whose
 * `error` matches its status, with no error code when no token was sent, and no part of the token.
 */
import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import type { LwaScope, Verification } from '../../lib';
import { REALM } from '../../lib/defaults';
import { bearerChallenge, refusals, withScope } from '../../lib/refusal';
import { expectNoSliceOf, OTHER_CLIENT_ID, useEmulator } from '../support/fixture';
import { formedToken, junkToken, runs } from './settings';

const lwa = useEmulator();

// RFC 6750 §3: quoted values of %x20-21 / %x23-5B / %x5D-7E; a scope is scope-tokens joined by spaces.
const QCHAR = '[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]';
const PARAM = `(realm|scope|error|error_description|error_uri)="(${QCHAR}*)"`;
const SYNTAX = new RegExp(`^Bearer(?: ${PARAM}(?:, ${PARAM})*)?$`);
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;
const ERROR_FOR_STATUS = { 400: 'invalid_request', 401: 'invalid_token', 403: 'insufficient_scope' } as const;

/** Checks one challenge against RFC 6750 §3 and the status it goes with. */
function expectRfc6750(challenge: string, status: 400 | 401 | 403, tokenSent: boolean): void {
  expect(challenge).toMatch(SYNTAX);
  expect(() => validateHeaderValue('WWW-Authenticate', challenge)).not.toThrow();
  const params = new Map<string, string>();
  for (const [, name, value] of challenge.matchAll(new RegExp(PARAM, 'g'))) {
    expect(params.has(name)).toBe(false);
    params.set(name, value);
  }
  expect(params.get('realm')).toBe(REALM);
  // §3.1: a request without any token gets no error code.
  if (tokenSent) expect(params.get('error')).toBe(ERROR_FOR_STATUS[status]);
  else expect([...params.keys()]).toEqual(['realm']);
  const scope = params.get('scope');
  if (scope !== undefined) {
    expect(scope).toMatch(SCOPE);
    expect(params.get('error')).toBe('insufficient_scope');
  }
}

const scopes: readonly LwaScope[] = ['profile', 'profile:user_id', 'postal_code'];

test('every refusal, with any scopes named: the challenge is RFC 6750 syntax', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.values(refusals)),
      fc.option(fc.uniqueArray(fc.constantFrom(...scopes), { minLength: 1 })),
      (refusal, named) => {
        const r = named && refusal.error === 'insufficient_scope' ? withScope(refusal, named.join(' ')) : refusal;
        expectRfc6750(bearerChallenge(REALM, r), r.status, r.reason !== 'no_token');
      },
    ),
    runs(200),
  );
});

const KINDS = [
  'valid',
  'other-client',
  'expired',
  'revoked-at-amazon',
  'signed-out',
  'no-profile-scope',
  'unknown',
  'junk',
  'none',
  'twice',
] as const;
const scenario = fc.record({
  kind: fc.constantFrom(...KINDS),
  scope: fc.option(
    fc.constantFrom<LwaScope | LwaScope[]>('profile', 'postal_code', 'profile:user_id', ['profile', 'postal_code']),
  ),
  place: fc.constantFrom('authorization', 'x-amz-access-token', 'query'),
  tenantless: fc.boolean(),
  formed: formedToken,
  junk: junkToken,
});

test('every refusal a verifier gives, for any token sent any way to any route: RFC 6750 syntax, no part of the token', async () => {
  const verifier = lwa.verifier<Request>({ cache: false });
  // A tenant function that names no client today: every token is refused, no call made.
  const tenantless = lwa.verifier<Request>({ cache: false, clientID: () => [] });
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const mint = (extra = {}) => lwa.mint({ postalCode: '', ...extra });
      const tokens: Record<(typeof KINDS)[number], () => Promise<string[]>> = {
        valid: async () => [mint()],
        'other-client': async () => [mint({ clientID: OTHER_CLIENT_ID })],
        expired: async () => [mint({ expiresIn: 0 })],
        'revoked-at-amazon': async () => {
          const t = mint();
          lwa.emu.revoke(t);
          return [t];
        },
        'signed-out': async () => {
          const t = mint();
          await verifier.revoke(t);
          return [t];
        },
        'no-profile-scope': async () => [mint({ scopes: [] })],
        unknown: async () => [s.formed],
        junk: async () => [s.junk],
        none: async () => [],
        twice: async () => [s.formed, mint()],
      };
      const sent = await tokens[s.kind]();
      const url = new URL('http://localhost/me');
      const headers = new Headers();
      for (const token of sent) {
        if (s.place === 'query') url.searchParams.append('access_token', token);
        else headers.append(s.place, s.place === 'authorization' ? `Bearer ${token}` : token);
      }
      const v: Verification = await (s.tenantless ? tenantless : verifier).verifyRequest(
        new Request(url, { headers }),
        s.scope === null ? {} : { scope: s.scope },
      );
      if (v.ok) return;
      seen.add(v.reason);
      expectRfc6750(v.challenge, v.status, sent.length > 0);
      expectNoSliceOf(sent, v);
    }),
    runs(200),
  );
  // The cases reached every refusal a route can end in (the property is only as good as its reach).
  expect([...seen].sort()).toEqual(
    [
      'audience_mismatch',
      'insufficient_scope',
      'malformed_request',
      'malformed_token',
      'multiple_tokens',
      'no_client_ids',
      'no_token',
      'refresh_token',
      'token_rejected',
      'token_revoked',
    ].sort(),
  );
});
