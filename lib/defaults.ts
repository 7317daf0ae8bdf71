/**
 * Every default and every fixed limit in one place, so that a reader (and the Options table in the
 * README) has one source to check. Times are in milliseconds unless the name says otherwise.
 */

/** `realm` of the `WWW-Authenticate` challenge. */
export const DEFAULT_REALM = 'Users';

/** Body and query field that carries the token. */
export const DEFAULT_ACCESS_TOKEN_FIELD = 'access_token';

/**
 * `timeout`: everything one verification waits for: the store lookup, a free connection, both calls
 * to Amazon, every retry and every backoff.
 */
export const DEFAULT_TIMEOUT_MS = 5000;

/** `retries`: tries after a connection error, a 5xx or a 429. */
export const DEFAULT_RETRIES = 1;

/** The most `retries` accepts: each one must also fit in `timeout`, so more would rarely run. */
export const MAX_RETRIES = 10;

/**
 * Defaults of the `cache` option (milliseconds, entries). `staleIfError`: 15 minutes past `ttl`, a
 * quarter of an access token's hour, long enough to ride out most of Amazon's incidents while a
 * token revoked meanwhile stays usable for a bounded time. `localTtl`: 30 seconds, so that with the
 * store down a user costs at most two verifications a minute, while a verdict written by another
 * process is seen within half a minute.
 */
export const CACHE_DEFAULTS = Object.freeze({
  max: 10_000,
  ttl: 300_000,
  refusalTtl: 10_000,
  storeTimeout: 100,
  staleIfError: 900_000,
  localTtl: 30_000,
});

/**
 * Refusals are kept apart from verified verdicts, in an LRU of at most this many (or `cache.max`,
 * if smaller): any number of junk tokens then only ever pushes out other refusals.
 */
export const REFUSAL_CACHE_MAX = 1000;

/** After a store failure, how long to leave the store alone before trying it again. */
export const STORE_RETRY_AFTER_MS = 5000;

/** Upper bound on sockets per Amazon host when the strategy owns the pool. */
export const DEFAULT_CONNECTIONS = 64;

/**
 * `maxPending`: verifications waiting on Amazon at once. Each makes two calls (tokeninfo and
 * profile, one host, one pool), so 64 of them fill the 64 connections twice over: one call running
 * and one waiting per connection. No admitted verification then waits much more than one Amazon
 * round trip for a connection, and a burst is refused at once instead of queueing past `timeout`.
 */
export const DEFAULT_MAX_PENDING = DEFAULT_CONNECTIONS;

/**
 * `circuitBreaker`: opens after `threshold` verifications in a row ended in an outage, and lets one
 * probe through `cooldown` milliseconds later. Five in a row is rare for a healthy Amazon (a single
 * retry already hides a passing failure); ten seconds keeps a dead Amazon from being hammered while
 * a recovered one is back in use within seconds.
 */
export const CIRCUIT_DEFAULTS = Object.freeze({ threshold: 5, cooldown: 10_000 });

/** The most `circuitBreaker.threshold` accepts. */
export const MAX_CIRCUIT_THRESHOLD = 1000;

/**
 * How long a body the strategy does not need (a 5xx's, a 429's) may take to finish before its
 * socket is destroyed. A body that came with the headers is drained at once and the connection kept
 * for reuse; one trickled byte by byte costs its connection instead of holding it.
 */
export const DISCARD_GRACE_MS = 50;

/** Amazon's answers nest two levels at most; an answer nested deeper than this is not Amazon (502). */
export const MAX_JSON_DEPTH = 32;

/** How long an idle keep-alive socket to Amazon is kept open. */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/** Amazon's answers are a few hundred bytes; anything near this is not Amazon. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Node's timers hold at most this many milliseconds: the ceiling of every time option. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
