/**
 * Every default and every fixed limit in one place, so that a reader (and the Options table in the
 * README) has one source to check. Times are in milliseconds unless the name says otherwise.
 */

/** `realm` of the `WWW-Authenticate` challenge. */
export const DEFAULT_REALM = 'Users';

/** Body and query field that carries the token. */
export const DEFAULT_ACCESS_TOKEN_FIELD = 'access_token';

/** `timeout`: one verification's calls to Amazon, retries and waits included. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** `retries`: tries after a connection error, a 5xx or a 429. */
export const DEFAULT_RETRIES = 1;

/** The most `retries` accepts: each one must also fit in `timeout`, so more would rarely run. */
export const MAX_RETRIES = 10;

/** Defaults of the `cache` option (milliseconds, entries). */
export const CACHE_DEFAULTS = Object.freeze({ max: 10_000, ttl: 300_000, refusalTtl: 10_000, storeTimeout: 100 });

/** After a store failure, how long to leave the store alone before trying it again. */
export const STORE_RETRY_AFTER_MS = 5000;

/** Upper bound on sockets per Amazon host when the strategy owns the pool. */
export const DEFAULT_CONNECTIONS = 64;

/** How long an idle keep-alive socket to Amazon is kept open. */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/** Amazon's answers are a few hundred bytes; anything near this is not Amazon. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Node's timers hold at most this many milliseconds: the ceiling of every time option. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
