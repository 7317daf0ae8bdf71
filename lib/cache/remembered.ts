import type { Verdict } from '../amazon/amazon-verifier';

/**
 * A verdict as the cache holds it: answered from the cache until `freshUntil`; after that, only as
 * a fallback when Amazon cannot be asked, until `staleUntil` (epoch milliseconds both). A refusal
 * is never a fallback: its `staleUntil` equals its `freshUntil`. Neither time is ever past the
 * token's own expiry.
 */
export interface Remembered {
  readonly verdict: Verdict;
  readonly freshUntil: number;
  readonly staleUntil: number;
}

/** The cache settings that decide how long a verdict is remembered. */
export interface Lifetimes {
  /** Milliseconds a verified verdict is fresh. */
  readonly ttl: number;
  /** Milliseconds one of Amazon's refusals is kept; 0 keeps none. */
  readonly refusalTtl: number;
  /** Milliseconds past `ttl` a verified verdict may still stand in for Amazon; 0 never. */
  readonly staleIfError: number;
}

/** How long to remember a verdict Amazon gave at `now`; `undefined` for one not worth keeping. */
export function rememberFor(verdict: Verdict, now: number, lifetimes: Lifetimes): Remembered | undefined {
  if (!verdict.ok) {
    if (lifetimes.refusalTtl <= 0) return undefined;
    const until = now + lifetimes.refusalTtl;
    return { verdict, freshUntil: until, staleUntil: until };
  }
  const expiresAt = verdict.verified.tokenInfo.expiresAt;
  const freshUntil = Math.min(now + lifetimes.ttl, expiresAt);
  if (!(freshUntil > now)) return undefined;
  return { verdict, freshUntil, staleUntil: Math.min(freshUntil + lifetimes.staleIfError, expiresAt) };
}

/** `remembered`, fresh for at most `maxFreshMs` from `now` (the local layer in front of a store). */
export function capFresh(remembered: Remembered, now: number, maxFreshMs: number): Remembered {
  const freshUntil = Math.min(remembered.freshUntil, now + maxFreshMs);
  if (freshUntil === remembered.freshUntil) return remembered;
  return {
    verdict: remembered.verdict,
    freshUntil,
    staleUntil: remembered.verdict.ok ? remembered.staleUntil : freshUntil,
  };
}

/** The later-lasting of two fallbacks (either may be missing). */
export function longerLived(a: Remembered | undefined, b: Remembered | undefined): Remembered | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.staleUntil > a.staleUntil ? b : a;
}

/**
 * The stale stand-in for a verification that could not reach Amazon: the remembered verdict if it
 * is a verified one still within its stale window at `now`, marked `stale`; else `undefined`.
 */
export function staleStandIn(remembered: Remembered | undefined, now: number): Verdict | undefined {
  if (remembered === undefined || !remembered.verdict.ok || !(now < remembered.staleUntil)) return undefined;
  return Object.freeze({ ok: true, verified: remembered.verdict.verified, stale: true });
}
