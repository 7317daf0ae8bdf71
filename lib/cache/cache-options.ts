import { fail, isPlainObject, rejectUnknown, wholeNumber } from '../checks';
import {
  CACHE_DEFAULTS,
  LOCAL_TTL_FRACTION,
  MAX_CACHE_ENTRIES,
  MAX_CACHE_TTL_MS,
  MAX_STORE_TIMEOUT_MS,
  REFUSAL_TTL_MS,
} from '../defaults';
import type { CacheStore } from './entry';

/**
 * Settings of the verification cache (the `cache` option).
 *
 * @example
 * ```ts
 * new Strategy({ clientID, cache: { max: 50_000, ttl: 60_000 } }, verify);
 * new Strategy({ clientID, cache: { store: createKeyv(process.env.REDIS_URL, { throwOnErrors: true }) } }, verify); // @keyv/redis
 * ```
 */
export interface CacheOptions {
  /**
   * Verified tokens kept in this process, least recently used dropped first: the whole cache, or,
   * with `store`, the local layer in front of it. Amazon's refusals are kept apart (at most 1000),
   * so junk tokens never push out verified users. A whole number from 1 to 90000 (under 100 MB
   * full: about 1.1 KB an entry). Default 10000.
   */
  max?: number;
  /**
   * Milliseconds a verified token is kept, at most, before Amazon is asked again; never past the
   * token's own expiry. It is also how long a token Amazon no longer accepts (signed out elsewhere,
   * revoked) may still be accepted here: call `revoke(token)` on your own sign-out. Up to an hour
   * (an access token's life). Amazon's refusals are kept 10 seconds (or `ttl`, if shorter); with
   * `store`, a verdict is kept in this process a tenth of `ttl` at most. Default 300000 (5 minutes).
   */
  ttl?: number;
  /**
   * A store with Keyv's shape, instead of the built-in LRU: share verifications between processes
   * through Redis. Each call may take a quarter of `timeout` (at most 100 ms); a store that fails
   * or overruns is skipped (the request goes to Amazon) and left alone for 5 seconds.
   */
  store?: CacheStore;
  /**
   * Milliseconds past `ttl` that a verified verdict is still kept, to stand in for Amazon when it is
   * down: the verdict answers, `tokenInfo.stale` is `true`, and a `stale` cache event is published.
   * Never a refusal, never past the token's own expiry. The price: a token revoked during an outage
   * stays usable until Amazon answers again. `0` turns it off; at most an hour. Default 900000 (15 minutes).
   */
  staleIfError?: number;
}

/** The checked `cache` option, everything derived: `false`, or the built-in LRU, or a store of the app's. */
export type CacheSettings =
  | false
  | {
      /** Milliseconds a verified token is kept fresh, at most (never past the token's own expiry). */
      readonly ttl: number;
      /** Milliseconds one of Amazon's refusals is kept. */
      readonly refusalTtl: number;
      /** Entries in the in-process LRU (the whole cache, or the local layer in front of a store). */
      readonly max: number;
      readonly store: CacheStore | undefined;
      /** Milliseconds allowed for each store call. */
      readonly storeTimeout: number;
      /** Milliseconds past `ttl` a verified verdict may stand in for Amazon during an outage; 0 never. */
      readonly staleIfError: number;
      /** With a store: milliseconds an entry of the local layer is fresh, at most. */
      readonly localTtl: number;
    };

const NAMES = ['max', 'ttl', 'store', 'staleIfError'] as const;

export function isStore(value: unknown): value is CacheStore {
  const v = value as Partial<Record<keyof CacheStore, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.get === 'function' &&
    typeof v.set === 'function' &&
    typeof v.delete === 'function'
  );
}

/** What the given settings determine: the refusal, store-call and local-layer times. */
function derive(
  max: number,
  ttl: number,
  staleIfError: number,
  store: CacheStore | undefined,
  timeout: number,
): CacheSettings {
  return Object.freeze({
    max,
    ttl,
    staleIfError,
    store,
    refusalTtl: Math.min(REFUSAL_TTL_MS, ttl),
    storeTimeout: Math.max(1, Math.min(MAX_STORE_TIMEOUT_MS, Math.floor(timeout / 4))),
    localTtl: Math.max(1, Math.ceil(ttl / LOCAL_TTL_FRACTION)),
  });
}

/** `cache`: `false`, `true`, a store, or {@link CacheOptions}; `timeout` bounds each store call. */
export function resolveCacheOptions(value: unknown, timeout: number): CacheSettings {
  const { max, ttl, staleIfError } = CACHE_DEFAULTS;
  if (value === false) return false;
  if (value === undefined || value === true) return derive(max, ttl, staleIfError, undefined, timeout);
  if (isStore(value)) return derive(max, ttl, staleIfError, value, timeout);
  if (!isPlainObject(value)) {
    fail('cache', 'a boolean, cache options (`{ max, ttl, store, staleIfError }`) or a store with get/set/delete');
  }
  rejectUnknown(value, NAMES, 'cache.');
  if (value.store !== undefined && !isStore(value.store)) {
    fail('cache.store', "an object with get, set and delete methods (Keyv's shape)");
  }
  const ms = ' of milliseconds';
  return derive(
    wholeNumber('cache.max', value.max, max, 1, MAX_CACHE_ENTRIES),
    wholeNumber('cache.ttl', value.ttl, ttl, 1, MAX_CACHE_TTL_MS, ms),
    wholeNumber('cache.staleIfError', value.staleIfError, staleIfError, 0, MAX_CACHE_TTL_MS, ms),
    value.store,
    timeout,
  );
}
