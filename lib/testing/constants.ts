/**
 * The emulator's paths and wire values, each in one place: the server, the sign-in flow and the
 * pages all name them. Amazon's hosts differ per endpoint; the emulator serves every path on one.
 */

/** Amazon: `https://api.amazon.com/auth/o2/tokeninfo`. */
export const TOKENINFO_PATH = '/auth/o2/tokeninfo';

/** Amazon: `https://api.amazon.com/user/profile`. */
export const PROFILE_PATH = '/user/profile';

/**
 * Amazon: `https://www.amazon.com/ap/user/profile`, the older profile endpoint that older clients
 * (python-social-auth, django-allauth) still call: it answers the older shape,
 * `{ "Request-Id", "Profile": { CustomerId, Name, PrimaryEmail, PostalCode } }`.
 */
export const LEGACY_PROFILE_PATH = '/ap/user/profile';

/**
 * The paths of the sign-in flow, which exist only when the emulator has customers. The browser SDK
 * stand-in (browser-sdk.js, plain JavaScript) spells out `authorize`, `handoff` and `token` itself.
 */
export const SIGN_IN_PATHS = Object.freeze({
  /** Amazon: `https://www.amazon.com/ap/oa`. GET shows the customer picker, POST is its form. */
  authorize: '/ap/oa',
  /** The popup's landing page: hands the code to the opener (`postMessage`) and closes. */
  handoff: '/ap/handoff',
  /** Amazon: `https://api.amazon.com/auth/o2/token`. Code + PKCE verifier -> access token. */
  token: '/auth/o2/token',
  /** Amazon: `https://assets.loginwithamazon.com/sdk/na/login1.js`. A stand-in for the SDK. */
  sdk: '/sdk/na/login1.js',
});

/** The emulator's own pages, for a person with a browser: an index of the paths above, and a favicon. */
export const SITE_PATHS = Object.freeze({
  index: '/',
  favicon: '/favicon.ico',
});

/**
 * The content type of Amazon's error answers and of its token endpoint's answers (the tokeninfo and
 * profile answers say plain `application/json`).
 */
export const AMAZON_JSON_TYPE = 'application/json;charset=UTF-8';

/**
 * What Amazon's error answers say about caching: never keep them. Sent with every error answer of
 * the two endpoints (and with a fault's 4xx/5xx, which stand for Amazon's own).
 */
export const ERROR_CACHE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
});
