import type { Verdict } from '../amazon/amazon-verifier';
import { MAX_REVOCATIONS } from '../defaults';
import { refusals } from '../refusal';

/** What a store holds for a revoked token (under {@link revokedKey}): until the token's expiry, no token. */
export interface RevokedEntry {
  readonly v: 1;
  /** Epoch milliseconds: the token's expiry (or an hour after the revocation, when it was unknown). */
  readonly until: number;
  readonly revoked: true;
}

/** The verdict on a revoked token: a 401 `invalid_token`, `token_revoked`. */
export const REVOKED: Verdict = Object.freeze({ ok: false, refusal: refusals.tokenRevoked });

/**
 * The store key of a revocation: the token's SHA-256 alone, no audience tag, since a token signed
 * out is signed out for every app that could accept it.
 */
export function revokedKey(digest: string): string {
  return `lwa:v1:revoked:${digest}`;
}

/** The revocation in `value` read from the store, its `until`; `undefined` if none or past it. */
export function revokedUntil(value: unknown, now: number): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    const { v, until, revoked } = value as Partial<Record<keyof RevokedEntry, unknown>>;
    return v === 1 && revoked === true && typeof until === 'number' && until > now ? until : undefined;
  } catch {
    // A value whose properties throw when read: not a revocation this library wrote.
    return undefined;
  }
}

/**
 * The revocations this process knows, by SHA-256, each until its token's expiry: its own, and with a
 * store that publishes them, the fleet's. A map of its own, not an LRU, so no flood of junk tokens
 * or full cache pushes one out. With a store, the store is the record and this is what the process
 * still refuses should the store go down, bounded by {@link MAX_REVOCATIONS}:
 *
 * - `held`: revocations only this process has (the store failed, or there is none). Never dropped
 *   before their token expires; once the bound is full of them, a new one is refused (`hold` says so).
 * - `noted`: revocations the store has. At the bound the oldest noted one is forgotten here (the
 *   store still refuses it), so a sign-out never fails because this process's memory is full.
 */
export class Revocations {
  private readonly held = new Map<string, number>();
  private readonly noted = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly max: number = MAX_REVOCATIONS,
  ) {}

  /** Whether the token with this SHA-256 is revoked (on every request: map lookups, none when empty). */
  has(digest: string): boolean {
    if (this.held.size === 0 && this.noted.size === 0) return false;
    return this.inForce(this.held, digest) || this.inForce(this.noted, digest);
  }

  /** Holds a revocation only this process has, until `until` (epoch ms); `false` when full of such. */
  hold(digest: string, until: number): boolean {
    const known = Math.max(until, this.held.get(digest) ?? 0, this.noted.get(digest) ?? 0);
    this.noted.delete(digest);
    if (!this.held.has(digest) && this.held.size + this.noted.size >= this.max) {
      if (this.noted.size > 0) this.dropOldestNoted();
      else this.sweep();
      if (this.held.size >= this.max) return false;
    }
    this.held.set(digest, known);
    return true;
  }

  /** Notes a revocation the store has (made here, or published by another process) until `until`. */
  note(digest: string, until: number): void {
    const held = this.held.get(digest);
    if (held !== undefined) {
      // Recorded at last: it may now be forgotten here like any other the store has.
      this.held.delete(digest);
      until = Math.max(until, held);
    }
    const known = this.noted.get(digest);
    if (known !== undefined)
      this.noted.delete(digest); // re-inserted below: the newest
    else if (this.held.size + this.noted.size >= this.max && !this.dropOldestNoted()) return;
    this.noted.set(digest, Math.max(until, known ?? 0));
  }

  /** Revocations held and noted (for tests and the benchmark). */
  get size(): { readonly held: number; readonly noted: number } {
    return { held: this.held.size, noted: this.noted.size };
  }

  private inForce(map: Map<string, number>, digest: string): boolean {
    const until = map.get(digest);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    map.delete(digest);
    return false;
  }

  /** Forgets the oldest noted revocation (the store has it); `false` if there is none. */
  private dropOldestNoted(): boolean {
    const oldest = this.noted.keys().next();
    if (oldest.done === true) return false;
    this.noted.delete(oldest.value);
    return true;
  }

  /** Drops the held revocations whose tokens have expired: they can no longer be accepted anyway. */
  private sweep(): void {
    const now = this.now();
    for (const [digest, until] of this.held) if (!(until > now)) this.held.delete(digest);
  }
}
