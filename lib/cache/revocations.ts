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
 * The tokens this verifier revoked, by SHA-256, each until its expiry: a map of its own, not an
 * LRU, so nothing (a flood of junk tokens, a full cache) pushes a revocation out before its token
 * expires. Bounded by {@link MAX_REVOCATIONS}: once full of revocations still in force, a new one
 * is refused (the caller says so), never made by dropping another.
 */
export class Revocations {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly max: number = MAX_REVOCATIONS,
  ) {}

  /** Whether the token with this SHA-256 is revoked (on every request: a map lookup, none when empty). */
  has(digest: string): boolean {
    if (this.until.size === 0) return false;
    const until = this.until.get(digest);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(digest);
    return false;
  }

  /** Revokes until `until` (epoch ms); `false` when full of revocations still in force. */
  add(digest: string, until: number): boolean {
    const held = this.until.get(digest);
    if (held === undefined && this.until.size >= this.max) {
      this.sweep();
      if (this.until.size >= this.max) return false;
    }
    this.until.set(digest, Math.max(until, held ?? 0));
    return true;
  }

  /** Revocations held (for tests). */
  get size(): number {
    return this.until.size;
  }

  /** Drops the revocations whose tokens have expired: they can no longer be accepted anyway. */
  private sweep(): void {
    const now = this.now();
    for (const [digest, until] of this.until) if (!(until > now)) this.until.delete(digest);
  }
}
