import { LRUCache } from 'lru-cache';
import type { Verification } from '../verification';
import type { VerdictCache } from './cached-verifier';

/**
 * The default: a bounded LRU in this process holding the verdicts themselves, deep-frozen by the
 * caller, so a hit costs one map lookup and no copy.
 */
export class MemoryVerdictCache implements VerdictCache {
  private readonly lru: LRUCache<string, Verification>;

  constructor(max: number, ttlMs: number, now: () => number) {
    // ttlResolution 0: read the clock on every check (one Date.now()), never a stale cached time.
    this.lru = new LRUCache<string, Verification>({ max, ttl: ttlMs, ttlResolution: 0, perf: { now } });
  }

  get(key: string): Verification | undefined {
    return this.lru.get(key);
  }

  set(key: string, verdict: Verification, ttlMs: number): void {
    this.lru.set(key, verdict, { ttl: ttlMs });
  }

  /** Entries held (for tests and the benchmark). */
  get size(): number {
    return this.lru.size;
  }
}
