import { MAX_JSON_DEPTH } from '../defaults';
import { nestsDeeperThan } from '../amazon/json-depth';
import { idOnlyProfile } from '../amazon/amazon-verifier';
import { normalizeProfile } from '../amazon/profile';
import { refusals, type Refusal, type RefusalReason } from '../refusal';
import type { CheckedTokenInfo } from '../amazon/token-info';
import type { LeaseEntry } from './lease';
import type { Remembered } from './remembered';
import type { RevokedEntry } from './revocations';

/**
 * Any key-value store with Keyv's shape: a `Keyv` instance (over Redis, Memcached, Postgres…) fits
 * as it is. Values are plain JSON, never a token (keys are SHA-256 hashes of it); `ttlMs` is in
 * milliseconds. `get` resolves to `undefined` for a missing key.
 *
 * @example
 * ```ts
 * import { createKeyv } from '@keyv/redis';
 * const store = createKeyv('redis://localhost:6379', { throwOnErrors: true });
 * new Strategy({ clientID, cache: { store } }, verify);
 * ```
 */
export interface CacheStore {
  /** Reads what `set` wrote under `key`, or `undefined`. */
  get(key: string): Promise<unknown>;
  /** Writes `value` under `key` for `ttlMs` milliseconds. */
  set(key: string, value: CacheEntry, ttlMs: number): Promise<unknown>;
  /** Removes `key`; a missing key is no error. */
  delete(key: string): Promise<unknown>;
  /**
   * Optional: writes `value` only if nothing is under `key` (Redis `SET key value NX PX ttlMs`),
   * resolving `true` if it wrote it. With it, a fleet sharing the store asks Amazon once per new
   * token; without it, at most twice (docs/caching-and-scale.md, "One verification per token").
   * `get` must read back what it wrote.
   */
  setIfAbsent?(key: string, value: CacheEntry, ttlMs: number): Promise<boolean>;
  /**
   * Optional, with `subscribe`: sends `message` to every subscriber of `channel` (Redis `PUBLISH`).
   * With both, a revocation reaches every verifier sharing the store at once, local layers included;
   * without them, one that holds the token in its local layer refuses it within `cache.ttl`/10.
   */
  publish?(channel: string, message: string): Promise<unknown>;
  /**
   * Optional, with `publish`: from when it resolves, calls `onMessage` with each message published
   * on `channel`. Call `onListening(false)` when messages may be missed (the connection dropped: the
   * verifier then reads the store instead of its local layer) and `onListening(true)` once
   * resubscribed (its local layer is emptied, as it may have missed revocations).
   */
  subscribe?(
    channel: string,
    onMessage: (message: string) => void,
    onListening: (listening: boolean) => void,
  ): Promise<unknown>;
}

/**
 * What the strategy puts in a {@link CacheStore}: plain JSON, no token. `until` (epoch ms) is when
 * it stops being fresh, checked on every read, so a store that keeps entries too long does no harm.
 * A verified entry may carry `staleUntil` (epoch ms, never past the token's expiry): until then it
 * may still stand in for Amazon during an outage (`cache.staleIfError`); the store is asked to keep
 * it that long. The profile is kept as Amazon's answer (`profileRaw`) and rebuilt on read, `_raw`
 * and `_json` included; a profile-free verdict (tokeninfo alone) has `profileFree: true` and no
 * `profileRaw`, so a version that does not know it reads a miss, never a profile. Two more kinds
 * sit under keys of their own: a lease (`lease`: a random ID, under `<verdict key>:lease`, for one
 * verification at most) and a revocation (`revoked: true`, under `lwa:v1:revoked:<SHA-256>`, until
 * the token's expiry).
 * @example
 * ```ts
 * // What a custom store receives: JSON-safe, no token (the key is a SHA-256 of it).
 * const store: CacheStore = {
 *   get: async (key) => (await db.get(key)) as CacheEntry | undefined,
 *   set: async (key, value: CacheEntry, ttlMs) => void (await db.set(key, value, ttlMs)),
 *   delete: async (key) => db.delete(key),
 * };
 * ```
 */
export type CacheEntry =
  | {
      readonly v: 1;
      readonly until: number;
      readonly staleUntil?: number;
      readonly verdict: 'verified';
      readonly tokenInfo: {
        readonly aud: string;
        readonly appID?: string;
        readonly userID: string;
        readonly expiresAt: number;
        readonly issuedAt?: number;
      };
      readonly profileRaw: string;
    }
  | {
      readonly v: 1;
      readonly until: number;
      readonly staleUntil?: number;
      readonly verdict: 'verified';
      readonly tokenInfo: CacheEntryTokenInfo;
      readonly profileFree: true;
    }
  | { readonly v: 1; readonly until: number; readonly verdict: 'refused'; readonly reason: RefusalReason }
  | LeaseEntry
  | RevokedEntry;

export function encodeEntry({ verdict, freshUntil: until, staleUntil }: Remembered): CacheEntry {
  if (!verdict.ok) return { v: 1, until, verdict: 'refused', reason: verdict.refusal.reason };
  const { tokenInfo: t, profile } = verdict.verified;
  const tokenInfo: { -readonly [K in keyof CacheEntryTokenInfo]: CacheEntryTokenInfo[K] } = {
    aud: t.aud,
    userID: t.userID,
    expiresAt: t.expiresAt,
  };
  if (t.appID !== undefined) tokenInfo.appID = t.appID;
  if (t.issuedAt !== undefined) tokenInfo.issuedAt = t.issuedAt;
  const stale = staleUntil > until ? { staleUntil } : {};
  if (verdict.verified.profileFree) return { v: 1, until, ...stale, verdict: 'verified', tokenInfo, profileFree: true };
  return { v: 1, until, ...stale, verdict: 'verified', tokenInfo, profileRaw: profile._raw };
}

type CacheEntryTokenInfo = Extract<CacheEntry, { verdict: 'verified'; profileRaw: string }>['tokenInfo'];

/** The refusals a verification can end in, by reason: what a cached refusal may name. */
const CACHEABLE_REFUSALS: ReadonlyMap<string, Refusal> = new Map(
  [
    refusals.tokenRejected,
    refusals.audienceMismatch,
    refusals.appIdMismatch,
    refusals.userIdMismatch,
    refusals.insufficientScope,
  ].map((r) => [r.reason, r]),
);

/**
 * Rebuilds a remembered verdict from what a store gave back; `undefined` if it is past all use
 * (a refusal past `until`, a verified verdict past `staleUntil` or its token's expiry) or is not an
 * entry this version wrote (another version, or a value someone else put under the key). May throw
 * on a hostile value (a getter that throws): the caller treats that as a miss.
 */
export function decodeEntry(value: unknown, now: number): Remembered | undefined {
  if (!isRecord(value) || value.v !== 1 || !isTime(value.until)) return undefined;
  const until = value.until;
  if (value.verdict === 'refused') {
    const refusal = typeof value.reason === 'string' ? CACHEABLE_REFUSALS.get(value.reason) : undefined;
    if (!refusal || !(until > now)) return undefined;
    return { verdict: { ok: false, refusal }, freshUntil: until, staleUntil: until };
  }
  const staleUntil = isTime(value.staleUntil) && value.staleUntil > until ? value.staleUntil : until;
  if (value.verdict !== 'verified' || !(staleUntil > now) || !isRecord(value.tokenInfo)) return undefined;
  const profileFree = value.profileFree === true;
  if (!profileFree && typeof value.profileRaw !== 'string') return undefined;
  const { aud, appID, userID, expiresAt, issuedAt } = value.tokenInfo;
  if (typeof aud !== 'string' || typeof userID !== 'string' || !isTime(expiresAt) || !(expiresAt > now))
    return undefined;
  if ((appID !== undefined && typeof appID !== 'string') || (issuedAt !== undefined && !isTime(issuedAt)))
    return undefined;
  const lifetimes = { freshUntil: Math.min(until, expiresAt), staleUntil: Math.min(staleUntil, expiresAt) };
  if (profileFree) {
    if (userID === '') return undefined;
    const tokenInfo: CheckedTokenInfo = { aud, appID, userID, expiresAt, issuedAt };
    return {
      verdict: { ok: true, verified: { tokenInfo, profile: idOnlyProfile(userID), profileFree: true } },
      ...lifetimes,
    };
  }
  if (typeof value.profileRaw !== 'string') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value.profileRaw);
  } catch {
    return undefined;
  }
  if (!isRecord(json) || nestsDeeperThan(json, MAX_JSON_DEPTH)) return undefined;
  const profile = normalizeProfile(json, value.profileRaw);
  if (profile === undefined || profile.id !== userID) return undefined;
  const tokenInfo: CheckedTokenInfo = { aud, appID, userID, expiresAt, issuedAt };
  return { verdict: { ok: true, verified: { tokenInfo, profile } }, ...lifetimes };
}

/** A finite number (JSON has no other; a store that is not JSON could hand back NaN or Infinity). */
function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
