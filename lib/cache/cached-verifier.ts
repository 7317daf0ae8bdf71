import { hash } from 'node:crypto';
import { Deadline } from '../amazon/deadline';
import { DEFAULT_TIMEOUT_MS, MAX_REVOCATIONS, MAX_TOKEN_LIFE_MS } from '../defaults';
import { LwaUnavailableError, isOutage } from '../errors';
import { publishCache, type CacheEvent } from '../observability/events';
import { traceCache } from '../observability/tracing';
import type { Audience, Need, TokenVerifier, Verdict } from '../amazon/amazon-verifier';
import { deepFreeze } from './deep-freeze';
import { GuardedStoreCache } from './guarded-store';
import { leaseKeyOf, Leases, type Lead } from './lease';
import { LocalLayer } from './local-layer';
import { capFresh, longerLived, rememberFor, staleStandIn, type Remembered } from './remembered';
import { RevocationFeed } from './revocation-feed';
import { REVOKED, revokedKey, revokedUntil, Revocations } from './revocations';
import { serves } from './serves';
import { SingleFlight } from './single-flight';

import type { CacheSettings } from './cache-options';

const HIT_VERIFIED: CacheEvent = Object.freeze({ type: 'hit', verdict: 'verified' });
const HIT_REFUSED: CacheEvent = Object.freeze({ type: 'hit', verdict: 'refused' });
const MISS: CacheEvent = Object.freeze({ type: 'miss' });
const SHARED: CacheEvent = Object.freeze({ type: 'shared' });
const STALE: CacheEvent = Object.freeze({ type: 'stale' });

/**
 * Puts a cache and single flight in front of the verifier that asks Amazon. Only the verdict on the
 * token is cached (tokeninfo + profile, or Amazon's refusal); the app's `verify` still runs on
 * every request. Outages, timeouts and 429s reject and are never cached.
 *
 * Where verdicts live: an in-process {@link LocalLayer} (verified verdicts and refusals apart), the
 * whole cache without a store; with a store, a layer in front of it whose entries are fresh for at
 * most `localTtl`, so a store outage costs a user at most one verification per `localTtl`.
 *
 * Stale if error: a verified verdict is kept `staleIfError` past its `ttl` (never past the token's
 * expiry). When asking Amazon ends in an outage, or is not even tried (circuit open, too many
 * pending), such a verdict answers instead, marked `stale`, with a `stale` cache event. A refusal is
 * never served stale, and Amazon refusing a token drops whatever verified verdict was kept for it.
 *
 * Keys are `lwa:v1:<audience tag>:<SHA-256 of the token, base64url>`: never the token. The tag is
 * the request's audience's (from `clientID` and `appID`, per request when they are functions), so
 * strategies or tenants with other audiences, in one process or sharing one store, never read each
 * other's verdicts (a token verified for app A is not thereby good for app B). Single flight, the
 * local layer, refusals and stale verdicts all go by that key.
 *
 * Every verdict handed out is deep-frozen: one cached profile serves many requests, and an app that
 * mutated it would otherwise change what later requests see.
 *
 * Each verification (store lookup, then Amazon) runs under one {@link Deadline} of `timeout`.
 *
 * Profile-free verdicts (`need` `'id'`: tokeninfo alone) share the token's key: a full verdict
 * answers a profile-free verification, never the other way round ({@link serves}); a verification
 * that needs the profile treats a profile-free verdict as a miss, and Amazon's full one replaces it.
 */
export class CachedVerifier implements TokenVerifier {
  private readonly flights = new SingleFlight<Verdict>();
  private readonly local: LocalLayer | undefined;
  private readonly store: GuardedStoreCache | undefined;
  /** With a store: single flight across the processes sharing it. */
  private readonly leases: Leases | undefined;
  private readonly revocations = new Revocations(() => this.now());
  /** With a store that publishes: revocations told to every process at once. */
  private readonly feed: RevocationFeed | undefined;
  /** Audience tags this verifier has verified tokens for: where `revoke` finds a token's kept verdict. */
  private readonly tags = new Set<string>();

  constructor(
    private readonly upstream: TokenVerifier,
    private readonly options: CacheSettings,
    private readonly timeout: number = DEFAULT_TIMEOUT_MS,
    // Read on each use, not captured, so a test that replaces Date.now moves this clock too.
    private readonly now: () => number = () => Date.now(),
  ) {
    if (options !== false) {
      if (options.store) this.store = new GuardedStoreCache(options.store, options.storeTimeout, now);
      if (this.store) this.leases = new Leases(this.store, timeout, now);
      if (!options.store || options.localTtl > 0) this.local = new LocalLayer(options.max, now);
      if (options.store && this.store) {
        const heard = (digest: string, until: number): void => {
          if (!(until > this.now())) return;
          this.revocations.note(digest, until);
          this.forgetLocally(digest);
        };
        this.feed = RevocationFeed.over(options.store, this.store, heard, () => this.local?.clear());
      }
    }
  }

  /**
   * Each verification runs under a deadline of its own (`timeout`), not a caller's. `trace`, given
   * when someone traces, is told the cache result, and the attempts when this request asks Amazon.
   */
  // `_deadline`: the interface's; a caller's deadline is not taken, as said above.
  verify(token: string, audience: Audience, _deadline?: Deadline, need: Need = 'profile'): Promise<Verdict> {
    return Promise.resolve(this.lookup(token, audience, need));
  }

  /**
   * As {@link verify}, but a verdict this process holds (a fresh one, or a revocation) comes back
   * as it is, not in a promise: a cached authentication, the common case, then waits on nothing.
   */
  lookup(token: string, audience: Audience, need: Need = 'profile'): Verdict | Promise<Verdict> {
    const digest = hash('sha256', token, 'base64url');
    // Before any verdict, kept or in flight: a revoked token is refused without asking anyone.
    if (this.revocations.has(digest)) {
      publishCache(HIT_REFUSED);
      traceCache('hit');
      return REVOKED;
    }
    const key = `lwa:v1:${audience.tag}:${digest}`;
    // A feed that is not listening may have missed a revocation: the store answers instead.
    const remembered = this.feed === undefined || this.feed.listening ? this.local?.get(key) : undefined;
    if (remembered !== undefined && remembered.freshUntil > this.now() && serves(remembered.verdict, need)) {
      publishCache(remembered.verdict.ok ? HIT_VERIFIED : HIT_REFUSED);
      traceCache('hit');
      return remembered.verdict;
    }
    // A profile-free verification has flights of its own (their verdict would not do for the
    // profile), and may join one that fetches the profile too.
    const flightKey = need === 'id' ? `${key}${ID_FLIGHT}` : key;
    const start = (): Promise<Verdict> =>
      this.flights.start(flightKey, () => this.load(key, token, audience, remembered, need));
    const flight = this.flights.joinable(key) ?? (need === 'id' ? this.flights.joinable(flightKey) : undefined);
    if (flight !== undefined) {
      publishCache(SHARED);
      traceCache('shared');
      // A profile flight may end in the profile's own refusal, which says nothing of tokeninfo.
      return need === 'id' ? flight.then((verdict) => (serves(verdict, need) ? verdict : start())) : flight;
    }
    return start();
  }

  /** Entries in the in-process layer, verified verdicts and refusals (for tests and the benchmark). */
  get cachedEntries(): number {
    const size = this.local?.size;
    return size === undefined ? 0 : size.verified + size.refused;
  }

  /** A verification: the store, then Amazon; `lapsed` is what the local layer held past its freshness. */
  private async load(
    key: string,
    token: string,
    audience: Audience,
    lapsed: Remembered | undefined,
    need: Need,
  ): Promise<Verdict> {
    const deadline = new Deadline(this.timeout);
    const usable = (kept: Remembered | undefined) =>
      kept !== undefined && serves(kept.verdict, need) ? kept : undefined;
    const digest = key.slice(key.lastIndexOf(':') + 1);
    if (this.tags.size < MAX_TAGS) this.tags.add(audience.tag);
    let lead: Lead | undefined;
    let written: Promise<unknown> | undefined;
    try {
      let fallback = usable(lapsed);
      if (this.leases) {
        const flightKey = need === 'id' ? `${key}${ID_FLIGHT}` : key;
        const found = await this.leases.before(key, digest, leaseKeyOf(flightKey), deadline, (kept) =>
          serves(kept.verdict, need),
        );
        if (found.kind === 'revoked') {
          this.keepLocally(key, { verdict: REVOKED, freshUntil: found.until, staleUntil: found.until });
          publishCache(HIT_REFUSED);
          traceCache('hit');
          return REVOKED;
        }
        if (found.kind === 'verdict') {
          // `waited`: another process verified it while this one waited on its lease.
          publishCache(found.waited ? SHARED : found.remembered.verdict.ok ? HIT_VERIFIED : HIT_REFUSED);
          traceCache(found.waited ? 'shared' : 'hit');
          deepFreeze(found.remembered.verdict);
          this.keepLocally(key, found.remembered);
          return this.revocations.has(digest) ? REVOKED : found.remembered.verdict;
        }
        fallback = longerLived(fallback, found.fallback);
        lead = found.lead;
      }
      if (this.options !== false) publishCache(MISS);
      traceCache('miss');
      let verdict: Verdict;
      try {
        verdict = deepFreeze(await this.upstream.verify(token, audience, deadline, need));
      } catch (err) {
        const stale = this.options !== false && canServeStale(err) ? staleStandIn(fallback, this.now()) : undefined;
        if (stale === undefined) throw err;
        publishCache(STALE);
        traceCache('stale');
        return stale;
      }
      // Revoked while Amazon was being asked, here or anywhere (the store is read again): this
      // answer is neither kept nor given, so no request after the revocation is accepted with it.
      if (this.revocations.has(digest) || (verdict.ok && (await this.revokedInStore(key, digest, deadline)))) {
        return REVOKED;
      }
      written = this.remember(key, verdict);
      return verdict;
    } finally {
      lead?.release(written);
      deadline.dispose();
    }
  }

  /**
   * Refuses the token from now on (401 `token_revoked`) until it expires: here at once, verdicts
   * in flight included; through the store, in every process sharing it (at once with a store that
   * publishes, else within `localTtl` for one that kept the token in its local layer). Rejects with
   * a `RangeError` only when the store did not take it and {@link MAX_REVOCATIONS} revocations held
   * in this process alone are in force (the token is then not revoked).
   */
  async revoke(token: string): Promise<void> {
    const digest = hash('sha256', token, 'base64url');
    const now = this.now();
    // The token's expiry, if this process kept a verdict on it; else the longest a token lives.
    const until = Math.min(this.forgetLocally(digest) ?? Infinity, now + MAX_TOKEN_LIFE_MS);
    if (!(until > now)) return; // expired: refused by Amazon anyway
    const held = this.revocations.hold(digest, until);
    // Awaited, so that once `revoke` resolves every process reading the store refuses the token.
    // A store that fails is a `store-error` event: the revocation then holds in this process only.
    if (this.store && (await this.store.write(revokedKey(digest), { v: 1, until, revoked: true }, until - now, true))) {
      this.revocations.note(digest, until);
      await this.feed?.publish(digest, until);
      return;
    }
    if (!held) {
      throw new RangeError(
        `revoke: ${MAX_REVOCATIONS} revocations that no store took are held; this token was not revoked`,
      );
    }
  }

  /** Drops this process's verdicts on the token (under every audience); the latest expiry among the verified ones. */
  private forgetLocally(digest: string): number | undefined {
    let expiresAt: number | undefined;
    for (const tag of this.tags) {
      const key = `lwa:v1:${tag}:${digest}`;
      const kept = this.local?.get(key);
      if (kept?.verdict.ok) expiresAt = Math.max(expiresAt ?? 0, kept.verdict.verified.tokenInfo.expiresAt);
      this.local?.delete(key);
    }
    return expiresAt;
  }

  /** Whether the store holds a revocation of the token (read after Amazon answered); kept as such if so. */
  private async revokedInStore(key: string, digest: string, deadline: Deadline): Promise<boolean> {
    if (this.store === undefined) return false;
    const until = revokedUntil(await this.store.read(revokedKey(digest), deadline.remaining()), this.now());
    if (until === undefined) return false;
    this.revocations.note(digest, until);
    this.keepLocally(key, { verdict: REVOKED, freshUntil: until, staleUntil: until });
    return true;
  }

  /** Keeps Amazon's fresh verdict: locally (capped at `localTtl` with a store) and in the store; the store's write. */
  private remember(key: string, verdict: Verdict): Promise<unknown> | undefined {
    if (this.options === false) return;
    const now = this.now();
    // A profile-free verdict that landed after a full one for the same token must not replace it.
    if (verdict.ok && verdict.verified.profileFree) {
      const kept = this.local?.get(key);
      if (kept !== undefined && kept.freshUntil > now && serves(kept.verdict, 'profile') && kept.verdict.ok) return;
    }
    const remembered = rememberFor(verdict, now, this.options);
    if (remembered === undefined) {
      // Not worth keeping (a refusal with refusalTtl 0, a token about to expire); but whatever was
      // kept for the key before (a verified verdict, now refused) must not outlive this answer.
      this.local?.delete(key);
      return this.store && !verdict.ok ? this.store.delete(key) : undefined;
    }
    this.keepLocally(key, remembered);
    // Not awaited: the answer is known, and the write must not add to the request's wait. The
    // guard bounds it, and a failure is a `store-error` event, never an error. The store keeps it
    // as long as it may serve: fresh, then stale.
    return this.store?.set(key, remembered, remembered.staleUntil - now);
  }

  private keepLocally(key: string, remembered: Remembered): void {
    if (this.local === undefined || this.options === false) return;
    this.local.set(key, this.store ? capFresh(remembered, this.now(), this.options.localTtl) : remembered);
  }
}

/** Appended to a key for a profile-free flight. */
const ID_FLIGHT = '#id';

/** Audience tags remembered for `revoke` (as many as the audience resolver memoizes). */
const MAX_TAGS = 1000;

/** An outage, or Amazon not asked because of one (circuit open) or because of load (no answer possible within `timeout`). */
function canServeStale(err: unknown): boolean {
  return isOutage(err) || err instanceof LwaUnavailableError;
}
