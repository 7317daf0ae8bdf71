import { refusals, type Refusal } from '../refusal';

/** Amazon's documented bounds for an access token (bytes). */
export const MIN_TOKEN_BYTES = 350;
export const MAX_TOKEN_BYTES = 2048;

/** Every LWA access token starts with this; refresh tokens (`Atzr|`) and codes do not. */
export const TOKEN_PREFIX = 'Atza|';

/** Every LWA refresh token starts with this. */
export const REFRESH_TOKEN_PREFIX = 'Atzr|';

// Visible ASCII only: rules out whitespace, control characters (header injection, log forging)
// and non-ASCII, none of which appear in a real token.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Checks a candidate token's form before anything is sent to Amazon, so junk costs no round trip.
 * Returns the refusal, or `undefined` when the token is worth asking Amazon about.
 */
export function checkTokenFormat(token: string): Refusal | undefined {
  if (token.length === 0) return refusals.malformedRequest;
  // Before the length bounds: a refresh token is named as such whatever its length, and Amazon is
  // never asked about one (it would only say invalid_token).
  if (token.startsWith(REFRESH_TOKEN_PREFIX)) return refusals.refreshToken;
  // The length test first: a multi-megabyte string should not be scanned by a regex. Visible ASCII
  // is one byte a character, so length is the byte count.
  if (token.length < MIN_TOKEN_BYTES || token.length > MAX_TOKEN_BYTES) return refusals.malformedToken;
  if (!VISIBLE_ASCII.test(token)) return refusals.malformedToken;
  if (!token.startsWith(TOKEN_PREFIX)) return refusals.malformedToken;
  return undefined;
}
