/**
 * Refusals: the outcomes that end in Passport's `fail()`, i.e. the client's fault, answered with an
 * RFC 6750 §3 challenge. Kept apart from errors (Amazon's or the app's fault), which end in
 * `error()`; mixing the two up is how an outage ends up logging users out.
 */

/**
 * RFC 6750 §3.1 error codes.
 * @example
 * ```ts
 * // The `error` attribute of WWW-Authenticate on a refusal:
 * // WWW-Authenticate: Bearer realm="Users", error="invalid_token", error_description="…"
 * const code: BearerErrorCode = 'invalid_token';
 * ```
 */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/**
 * Why the request was refused; passed to a custom Passport callback and in `fail` events.
 * @example
 * ```ts
 * diagnostics_channel.subscribe(CHANNELS.outcome, (message) => {
 *   const e = message as OutcomeEvent;
 *   if (e.reason === 'audience_mismatch') log.warn('a token issued to another app was presented');
 * });
 * ```
 */
export type RefusalReason =
  | 'no_token'
  | 'multiple_tokens'
  | 'malformed_request'
  | 'malformed_token'
  | 'refresh_token'
  | 'token_rejected'
  | 'token_revoked'
  | 'audience_mismatch'
  | 'app_id_mismatch'
  | 'user_id_mismatch'
  | 'insufficient_scope'
  | 'user_refused'
  | 'no_client_ids'
  | 'no_app_ids';

export interface Refusal {
  readonly status: 400 | 401 | 403;
  /** Absent only when no token was presented at all (RFC 6750 §3.1). */
  readonly error?: BearerErrorCode;
  readonly reason: RefusalReason;
  /** One of our fixed sentences: never the token, never Amazon's text. */
  readonly description: string;
  /**
   * On an `insufficient_scope` refusal of a route that names scopes: the scopes it needs,
   * space-separated (RFC 6750 §3's `scope` attribute). Only our fixed scope names.
   */
  readonly scope?: string;
}

const make = (
  status: Refusal['status'],
  error: BearerErrorCode | undefined,
  reason: RefusalReason,
  description: string,
): Refusal => Object.freeze(error ? { status, error, reason, description } : { status, reason, description });

/** The fixed set of refusals; the strategy never builds one from outside text. */
export const refusals = {
  noToken: make(401, undefined, 'no_token', 'No access token was presented'),
  multipleTokens: make(400, 'invalid_request', 'multiple_tokens', 'The access token was presented more than once'),
  malformedRequest: make(
    400,
    'invalid_request',
    'malformed_request',
    'The access token parameter is empty or not a string',
  ),
  malformedToken: make(401, 'invalid_token', 'malformed_token', 'The access token is malformed'),
  // A common slip when a client keeps both tokens; saying so spares a round of guessing.
  refreshToken: make(401, 'invalid_token', 'refresh_token', 'A refresh token was sent; send the access token instead'),
  tokenRejected: make(401, 'invalid_token', 'token_rejected', 'The access token is expired, revoked, or invalid'),
  // Signed out through `revoke(token)`: Amazon would still accept the token (LWA cannot revoke one).
  tokenRevoked: make(401, 'invalid_token', 'token_revoked', 'The access token was revoked'),
  audienceMismatch: make(
    401,
    'invalid_token',
    'audience_mismatch',
    'The access token was issued to another application',
  ),
  appIdMismatch: make(401, 'invalid_token', 'app_id_mismatch', 'The access token was issued to another application'),
  userIdMismatch: make(401, 'invalid_token', 'user_id_mismatch', 'The access token does not match its profile'),
  insufficientScope: make(
    403,
    'insufficient_scope',
    'insufficient_scope',
    'The access token lacks the scope needed for the customer profile',
  ),
  // The profile lacks what a route's `scope` needs (Amazon does not list a token's scopes: they are
  // inferred from the profile's fields, lib/scope.ts).
  scopeNotGranted: make(
    403,
    'insufficient_scope',
    'insufficient_scope',
    'The access token does not grant the scope this resource needs',
  ),
  userRefused: make(401, 'invalid_token', 'user_refused', 'The account is not allowed to sign in'),
  // A `clientID` or `appID` function gave an empty list for this request (an unknown tenant, say):
  // no application is accepted, so no token is. To the client it reads as any other audience refusal.
  noClientIds: make(401, 'invalid_token', 'no_client_ids', 'The access token was issued to another application'),
  noAppIds: make(401, 'invalid_token', 'no_app_ids', 'The access token was issued to another application'),
} as const;

/** `refusal` with the `scope` attribute a route's challenge names (`attribute`: our fixed scope names). */
export function withScope(refusal: Refusal, attribute: string): Refusal {
  return Object.freeze({ ...refusal, scope: attribute });
}

/**
 * The `WWW-Authenticate` value for a refusal. `realm` was checked in the constructor, and
 * descriptions and scope names are our constants, so no value can hold `"`, `\` or any part of
 * the token.
 */
export function bearerChallenge(realm: string, refusal: Refusal): string {
  let challenge = `Bearer realm="${realm}"`;
  if (refusal.error) {
    challenge += `, error="${refusal.error}", error_description="${refusal.description}"`;
  }
  if (refusal.scope) challenge += `, scope="${refusal.scope}"`;
  return challenge;
}
