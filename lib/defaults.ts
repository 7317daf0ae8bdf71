/**
 * Every default and every fixed limit in one place, so that a reader (and the Options table in the
 * README) has one source to check. Times are in milliseconds unless the name says otherwise.
 */

/** `realm` of the `WWW-Authenticate` challenge (passport-http-bearer's default). */
export const REALM = 'Users';

/** Body and query field that carries the token: the name RFC 6750 §2.2 and §2.3 give it. */
export const ACCESS_TOKEN_FIELD = 'access_token';

/**
 * `timeout`: everything one verification waits for: the store lookup, a free connection, both calls
 * to Amazon, every retry and every backoff.
 */
export const DEFAULT_TIMEOUT_MS = 5000;

/** The most `timeout` accepts: Amazon answers in tens of milliseconds; a minute is already an outage. */
export const MAX_TIMEOUT_MS = 60_000;

/**
 * Tries after a connection error, a 5xx or a 429, each only if it fits in `timeout`. One cures a
 * passing failure; more would mostly hammer an Amazon that is down (the circuit breaker's job).
 */
export const RETRIES = 1;

/**
 * Defaults of the `cache` option (milliseconds, entries). `staleIfError`: 15 minutes past `ttl`, a
 * quarter of an access token's hour, long enough to ride out most of Amazon's incidents while a
 * token revoked meanwhile stays usable for a bounded time.
 */
export const CACHE_DEFAULTS = Object.freeze({ max: 10_000, ttl: 300_000, staleIfError: 900_000 });

/**
 * The most `cache.max` accepts: a full cache of verified verdicts then stays under 100 MB (each
 * entry keeps the profile as Amazon sent it and as parsed: about 1.1 KB; bench/memory-bound.ts
 * measured 98 MB for 90,000, 108 MB for 100,000). lru-cache also allocates its index for `max` up
 * front, which is why an unbounded `max` could exhaust memory before any use.
 */
export const MAX_CACHE_ENTRIES = 90_000;

/** The most `cache.ttl` and `cache.staleIfError` accept: an access token lives an hour. */
export const MAX_CACHE_TTL_MS = 3_600_000;

/** Amazon's refusals are kept this long (or `cache.ttl`, if shorter): a junk token costs one call per 10 s. */
export const REFUSAL_TTL_MS = 10_000;

/**
 * With a store, the local layer keeps a verdict `cache.ttl / LOCAL_TTL_FRACTION` (30 s by default):
 * with the store down a user costs at most one verification per that time, and a verdict written
 * (or a token revoked) by another process is seen within it.
 */
export const LOCAL_TTL_FRACTION = 10;

/** A store call may take a quarter of `timeout`, and never more than this: a healthy store answers in a millisecond. */
export const MAX_STORE_TIMEOUT_MS = 100;

/**
 * Refusals are kept apart from verified verdicts, in an LRU of at most this many (or `cache.max`,
 * if smaller): any number of junk tokens then only ever pushes out other refusals.
 */
export const REFUSAL_CACHE_MAX = 1000;

/** After a store failure, how long to leave the store alone before trying it again. */
export const STORE_RETRY_AFTER_MS = 5000;

/** The longest an LWA access token lives: a revocation whose token's expiry is unknown is kept this long. */
export const MAX_TOKEN_LIFE_MS = 3_600_000;

/**
 * Revocations one verifier keeps in memory, each until its token expires (lib/cache/revocations.ts):
 * kept apart from every LRU, so no flood of tokens can push one out. Those no store took are never
 * dropped (once full of them, `revoke` rejects); those the store has make room, oldest first.
 */
export const MAX_REVOCATIONS = 100_000;

/**
 * With a store, a verification's lease (the one process asking Amazon while the others wait for
 * its verdict) lasts `timeout / LEASE_FRACTION`, renewed by its leader every half of that: a waiter
 * whose leader died sees the lease end within that time, and asks Amazon itself.
 */
export const LEASE_FRACTION = 2;

/** A waiter reads the store after this many milliseconds, then 1.5 times later each time, up to {@link LEASE_POLL_MAX_MS}. */
export const LEASE_POLL_FIRST_MS = 4;

/** The longest pause between two reads of a waiter: the most it adds to the leader's verification, plus a store round trip. */
export const LEASE_POLL_MAX_MS = 16;

/** Upper bound on sockets per Amazon host when the strategy owns the pool. */
export const DEFAULT_CONNECTIONS = 64;

/**
 * Verifications calling Amazon at once: as many as the pool serves without a call waiting for a
 * connection (two calls each, tokeninfo and profile, one host). The others wait their turn in the
 * gate (lib/gate/admission.ts), where the time one takes is what Amazon is doing now.
 */
export const MAX_RUNNING = DEFAULT_CONNECTIONS / 2;

/**
 * A waiting verification is admitted only if its predicted answer falls within this share of the
 * time it has left: the prediction is an average, and a margin keeps a near miss a 503 at once
 * rather than a 504 at `timeout`.
 */
export const ADMISSION_HEADROOM = 0.8;

/** How often waiting verifications are judged again (Amazon may have slowed down or hung meanwhile). */
export const ADMISSION_TICK_MS = 50;

/**
 * Tokeninfo's last answers looked at to choose the order of the two calls: when at least
 * {@link SERIAL_REFUSALS} of the last {@link REFUSAL_WINDOW} were refusals (a flood of junk), tokeninfo
 * is asked first and the profile only for a token it accepts (one call per junk token, two round
 * trips per customer); otherwise both at once (one round trip, two calls per junk token).
 */
export const REFUSAL_WINDOW = 10;

/** See {@link REFUSAL_WINDOW}. */
export const SERIAL_REFUSALS = 9;

/**
 * `circuitBreaker`: opens after `threshold` verifications in a row ended in an outage, and lets one
 * probe through `cooldown` milliseconds later. Five in a row is rare for a healthy Amazon (a single
 * retry already hides a passing failure); ten seconds keeps a dead Amazon from being hammered while
 * a recovered one is back in use within seconds.
 */
export const CIRCUIT_DEFAULTS = Object.freeze({ threshold: 5, cooldown: 10_000 });

/** The most `circuitBreaker.threshold` accepts. */
export const MAX_CIRCUIT_THRESHOLD = 1000;

/** The most `circuitBreaker.cooldown` accepts: an hour without asking Amazon is already a decision, not a pause. */
export const MAX_COOLDOWN_MS = 3_600_000;

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

/**
 * How long after the last call to Amazon the verifier keeps a connection per endpoint open ahead
 * of the next call (opened once built), re-opening it when the server closes it: past that, nothing
 * is re-opened, and the next verification pays for connecting (two round trips) again.
 */
export const WARM_FOR_MS = 10 * 60_000;

/** Amazon's answers are a few hundred bytes; anything near this is not Amazon. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A deadline whose timer runs more than this late was missed because our own event loop was
 * blocked (a synchronous stall), not because Amazon was slow: such a timeout does not count toward
 * the circuit breaker. Timers on a loaded but healthy event loop run a few milliseconds late (the
 * drill measured up to 53 ms on a busy 2-core machine, 99 ms once); a stall is longer.
 */
export const STALL_MS = 100;

/**
 * A `verify` that may still call `done` (it declares `done`, or only a rest parameter) is waited
 * for. If it has not answered after this long, one process warning (per process) names the likely
 * mistake; the request keeps waiting, as Passport waits for any strategy.
 */
export const VERIFY_NO_ANSWER_WARNING_MS = 10_000;

/**
 * A call to Amazon with less than this left of its deadline is not sent: no answer comes back that
 * fast (a round trip to Amazon takes tens of milliseconds, a new TLS connection more), and undici
 * would open a connection for it only to drop it unsent when the deadline passes a moment later.
 */
export const MIN_DISPATCH_MS = 25;

/**
 * The memory backstop: verifications waiting at most, whatever Amazon does. More than the pool
 * could answer within the default `timeout` at {@link MIN_DISPATCH_MS} a call (the fastest an
 * answer comes): with the default `timeout`, it never refuses one that could have been served in
 * time, and it caps what a flood can make wait (about 1 KB each) whatever `timeout` is.
 */
export const MAX_WAITING = (DEFAULT_CONNECTIONS * DEFAULT_TIMEOUT_MS) / MIN_DISPATCH_MS;

/**
 * The circuit breaker's probe gets a deadline of `min(timeout, max(cooldown, MIN_PROBE_MS))`: a
 * probe hanging on a dead Amazon ends by the time the next one may go, yet a cooldown shorter than
 * a slow answer (the option allows 1 ms) does not time every probe out and keep the circuit open.
 */
export const MIN_PROBE_MS = 1000;
