/**
 * A store for tests of verifiers sharing one (test/http/lease.test.ts, test/redis/revoke.test.ts):
 * a Map holding JSON copies, each key until its ttl (by `Date.now`, so a test's movable clock moves
 * it too), with `setIfAbsent` only when asked for.
 */
import type { CacheStore } from '../../lib';
import type { CacheEntry } from '../../lib/cache/entry';

/** A Map-backed store: JSON copies, each key until its ttl; `setIfAbsent` only when `nx`. */
export class MapStore implements CacheStore {
  readonly entries = new Map<string, { json: string; until: number }>();
  setIfAbsent?: (key: string, value: CacheEntry, ttlMs: number) => Promise<boolean>;

  constructor(nx: boolean) {
    if (nx) {
      this.setIfAbsent = async (key, value, ttlMs) => {
        if (this.live(key) !== undefined) return false;
        this.entries.set(key, { json: JSON.stringify(value), until: Date.now() + ttlMs });
        return true;
      };
    }
  }

  async get(key: string): Promise<unknown> {
    const json = this.live(key);
    return json === undefined ? undefined : (JSON.parse(json) as unknown);
  }

  async set(key: string, value: CacheEntry, ttlMs: number): Promise<boolean> {
    this.entries.set(key, { json: JSON.stringify(value), until: Date.now() + ttlMs });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }

  /** Keys holding a lease now. */
  get leases(): string[] {
    return [...this.entries.keys()].filter((k) => k.endsWith(':lease') && this.live(k) !== undefined);
  }

  private live(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || !(entry.until > Date.now())) return undefined;
    return entry.json;
  }
}
