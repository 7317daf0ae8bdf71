import { hash } from 'node:crypto';
import { publishCache, type CacheEvent } from '../events';
import type { AudienceRules, TokenVerifier, Verification } from '../verification';
import type { CacheStore } from './entry';
import { GuardedStoreCache } from './guarded-store';
import { MemoryVerdictCache } from './memory-cache';
import { SingleFlight } from './single-flight';

/** The checked `cache` option: `false`, or the built-in LRU, or a store of the app's. */
export type ResolvedCacheOptions =
  | false
  | {
      /** Milliseconds a verified token is kept, at most (never past the token's own expiry). */
      readonly ttl: number;
      /** Milliseconds one of Amazon's refusals is kept; 0 keeps none. */
      readonly refusalTtl: number;
      /** Entries in the built-in LRU; unused with a store. */
      readonly max: number;
      readonly store: CacheStore | undefined;
      /** Milliseconds allowed for each store call. */
      readonly storeTimeout: number;
    };

/** Where the cached verifier keeps verdicts. The built-in LRU answers at once; a store may take a while. */
export interface VerdictCache {
  /** The verdict for `key`, or `undefined`. Never rejects. */
  get(key: string): Verification | undefined | Promise<Verification | undefined>;
  /** Keeps `verdict` for `ttlMs`. Never rejects. */
  set(key: string, verdict: Verification, ttlMs: number): void | Promise<void>;
}

const HIT_VERIFIED: CacheEvent = Object.freeze({ type: 'hit', verdict: 'verified' });
const HIT_REFUSED: CacheEvent = Object.freeze({ type: 'hit', verdict: 'refused' });
const MISS: CacheEvent = Object.freeze({ type: 'miss' });
const SHARED: CacheEvent = Object.freeze({ type: 'shared' });

/**
 * Puts a cache and single flight in front of the verifier that asks Amazon. Only the verdict on the
 * token is cached (tokeninfo + profile, or Amazon's refusal); the app's `verify` still runs on
 * every request. Outages, timeouts and 429s reject and are never cached.
 *
 * Keys are `lwa:v1:<audience tag>:<SHA-256 of the token, base64url>`: never the token. The tag is
 * derived from `clientID` and `appID`, so strategies with other audiences sharing one store never
 * read each other's verdicts (a token verified for app A is not thereby good for app B).
 *
 * Every verdict handed out is deep-frozen: one cached profile serves many requests, and an app that
 * mutated it would otherwise change what later requests see.
 */
export class CachedVerifier implements TokenVerifier {
  private readonly flights = new SingleFlight<Verification>();
  private readonly memory: MemoryVerdictCache | undefined;
  private readonly store: GuardedStoreCache | undefined;
  private readonly prefix: string;

  constructor(
    private readonly upstream: TokenVerifier,
    private readonly options: ResolvedCacheOptions,
    rules: AudienceRules,
    // Read on each use, not captured, so a test that replaces Date.now moves this clock too.
    private readonly now: () => number = () => Date.now(),
  ) {
    this.prefix = `lwa:v1:${audienceTag(rules)}:`;
    if (options !== false) {
      if (options.store) this.store = new GuardedStoreCache(options.store, options.storeTimeout, now);
      else this.memory = new MemoryVerdictCache(options.max, options.ttl, now);
    }
  }

  verify(token: string): Promise<Verification> {
    const key = this.prefix + hash('sha256', token, 'base64url');
    const remembered = this.memory?.get(key);
    if (remembered !== undefined) {
      publishCache(remembered.ok ? HIT_VERIFIED : HIT_REFUSED);
      return Promise.resolve(remembered);
    }
    const flight = this.flights.joinable(key);
    if (flight !== undefined) {
      publishCache(SHARED);
      return flight;
    }
    return this.flights.start(key, () => this.load(key, token));
  }

  /** Entries in the built-in LRU (0 with a store or no cache); for tests and the benchmark. */
  get cachedEntries(): number {
    return this.memory?.size ?? 0;
  }

  private async load(key: string, token: string): Promise<Verification> {
    if (this.store) {
      const stored = await this.store.get(key);
      if (stored !== undefined) {
        publishCache(stored.ok ? HIT_VERIFIED : HIT_REFUSED);
        return deepFreeze(stored);
      }
    }
    if (this.options !== false) publishCache(MISS);
    const verdict = deepFreeze(await this.upstream.verify(token));
    const ttl = this.ttlFor(verdict);
    if (ttl > 0) await (this.memory ?? this.store)?.set(key, verdict, ttl);
    return verdict;
  }

  /** A verified token: until the earlier of its own expiry and `ttl`. A refusal: `refusalTtl`. */
  private ttlFor(verdict: Verification): number {
    if (this.options === false) return 0;
    if (!verdict.ok) return this.options.refusalTtl;
    return Math.min(this.options.ttl, Math.floor(verdict.verified.tokenInfo.expiresAt - this.now()));
  }
}

/** A short, stable tag for the audience rules, so that differently configured strategies never share keys. */
function audienceTag(rules: AudienceRules): string {
  const ids = JSON.stringify([[...rules.clientIDs].sort(), rules.appIDs ? [...rules.appIDs].sort() : null]);
  return hash('sha256', ids, 'base64url').slice(0, 12);
}

/** Freezes a verdict and everything in it (the profile's `emails` and `_json` included). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
