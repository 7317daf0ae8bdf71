/**
 * Alexa requests carry the customer's account-linking access token in their JSON envelope, not in
 * an HTTP header. With Login with Amazon as the skill's account-linking authorization server, that
 * token is an LWA access token this strategy can verify.
 */

/**
 * Where each kind of Alexa request carries the token: custom skills in `context` (every request)
 * and `session` (requests within a session), smart-home directives in their endpoint's scope,
 * Discovery in its payload's scope, AcceptGrant as its grantee. (Never `context.System.apiAccessToken`:
 * that one is Alexa's own token for calling Alexa APIs, not the customer's.)
 */
const TOKEN_PATHS: readonly (readonly string[])[] = [
  ['context', 'System', 'user', 'accessToken'],
  ['session', 'user', 'accessToken'],
  ['directive', 'endpoint', 'scope', 'token'],
  ['directive', 'payload', 'scope', 'token'],
  ['directive', 'payload', 'grantee', 'token'],
];

/**
 * An `extractToken` for Alexa skills: reads the account-linking access token from the parsed JSON
 * body (`req.body`, so `express.json()` must run first) of every Alexa request that carries one:
 *
 * - custom skills: `context.System.user.accessToken` and `session.user.accessToken`;
 * - smart-home directives: `directive.endpoint.scope.token`;
 * - `Alexa.Discovery` `Discover`: `directive.payload.scope.token`;
 * - `Alexa.Authorization` `AcceptGrant`: `directive.payload.grantee.token`.
 *
 * Returns `undefined` when none is there (the customer has not linked their account: a 401). A
 * token carried in several of these places counts once when it is the same everywhere, as in a
 * custom skill's `context` and `session`; different tokens in one envelope are all returned, and
 * the strategy refuses the request as it refuses a token sent twice (400 `invalid_request`), rather
 * than pick one. Only string values count.
 *
 * Verify the request's signature and timestamp before this runs (ask-sdk-express-adapter's
 * verifiers do it): the token is only as trustworthy as the envelope that carries it.
 *
 * @example
 * ```ts
 * passport.use(new Strategy({ clientID, tokenSources: [], extractToken: alexaAccessToken }, verify));
 * app.post('/alexa', express.json(), verifyAlexaSignature, passport.authenticate('amazon-token', { session: false }), skill);
 * ```
 */
export function alexaAccessToken(req: unknown): string | string[] | undefined {
  const body = typeof req === 'object' && req !== null ? (req as { body?: unknown }).body : undefined;
  const found = new Set<string>();
  for (const path of TOKEN_PATHS) {
    const value = at(body, path);
    if (typeof value === 'string') found.add(value);
  }
  if (found.size === 0) return undefined;
  const tokens = [...found];
  return tokens.length === 1 ? tokens[0] : tokens;
}

/** The value at `path`, through own properties of plain objects only (a body is untrusted JSON). */
function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
