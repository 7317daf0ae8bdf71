import { REFUSAL_CACHE_MAX } from '../defaults';
import { VerdictLru } from './memory-cache';
import type { Remembered } from './remembered';

/**
 * The verdicts kept in this process: the whole cache without a store, a small layer in front of it
 * with one (each entry then fresh for at most `cache.localTtl`, so a store that is down costs a
 * user at most one verification per `localTtl`).
 *
 * Verified verdicts and refusals live in two LRUs: refusals in a small one of their own (at most
 * {@link REFUSAL_CACHE_MAX}), so that any number of junk tokens Amazon refuses only ever pushes out
 * other refusals, never a verified user.
 */
export class LocalLayer {
  private readonly verified: VerdictLru;
  private readonly refused: VerdictLru;

  constructor(max: number, now: () => number) {
    this.verified = new VerdictLru(max, now);
    this.refused = new VerdictLru(Math.min(max, REFUSAL_CACHE_MAX), now);
  }

  /** The verdict remembered for `key`, fresh or only stale, or `undefined`. */
  get(key: string): Remembered | undefined {
    return this.verified.get(key) ?? this.refused.get(key);
  }

  /** Remembers a verdict, replacing whatever the other LRU held for the key. */
  set(key: string, remembered: Remembered): void {
    if (remembered.verdict.ok) {
      this.refused.delete(key);
      this.verified.set(key, remembered);
    } else {
      this.verified.delete(key);
      this.refused.set(key, remembered);
    }
  }

  /** Forgets the key (Amazon refused a token whose refusal is not kept: its old verdict must go). */
  delete(key: string): void {
    this.verified.delete(key);
    this.refused.delete(key);
  }

  /** Forgets everything (revocations may have been missed: lib/cache/revocation-feed.ts). */
  clear(): void {
    this.verified.clear();
    this.refused.clear();
  }

  /** Verified verdicts and refusals held (for tests and the benchmark). */
  get size(): { readonly verified: number; readonly refused: number } {
    return { verified: this.verified.size, refused: this.refused.size };
  }
}
