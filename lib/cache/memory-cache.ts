import { LRUCache } from 'lru-cache';
import type { Remembered } from './remembered';

/**
 * A bounded LRU in this process holding remembered verdicts as they are (deep-frozen by the
 * caller), so a hit costs one map lookup and no copy. Each entry goes at its `staleUntil`.
 */
export class VerdictLru {
  private readonly lru: LRUCache<string, Remembered>;

  constructor(
    max: number,
    private readonly now: () => number,
  ) {
    // ttlResolution 0: read the clock on every check (one Date.now()), never a stale cached time.
    this.lru = new LRUCache<string, Remembered>({ max, ttlResolution: 0, perf: { now } });
  }

  get(key: string): Remembered | undefined {
    return this.lru.get(key);
  }

  set(key: string, remembered: Remembered): void {
    const ttl = Math.floor(remembered.staleUntil - this.now());
    if (ttl > 0) this.lru.set(key, remembered, { ttl });
    else this.lru.delete(key);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  /** Entries held (for tests and the benchmark). */
  get size(): number {
    return this.lru.size;
  }
}
