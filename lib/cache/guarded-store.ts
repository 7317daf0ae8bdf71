import { STORE_RETRY_AFTER_MS } from '../defaults';
import { publishCache, type CacheEvent } from '../observability/events';
import { decodeEntry, encodeEntry, type CacheEntry, type CacheStore } from './entry';
import type { Remembered } from './remembered';

/**
 * A {@link CacheStore} behind a guard: every call is bounded by `timeoutMs`, a failure or an
 * overrun publishes a `store-error` event and counts as "no cache" for this request, and the store
 * is then left alone for {@link STORE_RETRY_AFTER_MS}, so a dead Redis costs one timeout, not one
 * per request. Whatever the store gives back, a value that throws when read included, is at worst
 * a miss. A request never fails because of the store.
 */
export class GuardedStoreCache {
  private skipUntil = 0;

  constructor(
    private readonly store: CacheStore,
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

  /** The entry for `key` (fresh or only stale), or `undefined`; waits at most `limitMs` (and `timeoutMs`). */
  async get(key: string, limitMs = this.timeoutMs): Promise<Remembered | undefined> {
    const found = await this.call('get', () => this.store.get(key), limitMs);
    if (found === FAILED || found === undefined || found === null) return undefined;
    let remembered: Remembered | undefined;
    try {
      remembered = decodeEntry(found, this.now());
    } catch {
      // A value whose properties throw when read: not something this library wrote.
      remembered = undefined;
    }
    // Past all use (the store kept it too long) or not ours to read: drop it so the next request does not pay again.
    if (remembered === undefined) void this.delete(key);
    return remembered;
  }

  /** Writes the entry, asking the store to keep it `ttlMs` (until its `staleUntil`). Never rejects. */
  async set(key: string, remembered: Remembered, ttlMs: number): Promise<void> {
    const keep = Math.max(1, Math.floor(ttlMs));
    await this.call('set', () => this.store.set(key, encodeEntry(remembered), keep));
  }

  /** Removes the entry. Never rejects. */
  async delete(key: string): Promise<void> {
    await this.call('delete', () => this.store.delete(key));
  }

  /**
   * What the store holds under `key` as it is (a lease, a revocation: read, never deleted here), or
   * `undefined` for nothing; {@link UNREACHABLE} when the store failed or is being left alone.
   */
  async read(key: string, limitMs = this.timeoutMs): Promise<unknown> {
    const found = await this.call('get', () => this.store.get(key), limitMs);
    if (found === FAILED) return UNREACHABLE;
    return found === null ? undefined : found;
  }

  /**
   * Writes `value` as it is; resolves whether it landed. `urgent` (a revocation) tries even while
   * the store is being left alone after a failure: it is rare, and worth one more timeout.
   */
  async write(key: string, value: CacheEntry, ttlMs: number, urgent = false): Promise<boolean> {
    const keep = Math.max(1, Math.floor(ttlMs));
    return (await this.call('set', () => this.store.set(key, value, keep), this.timeoutMs, urgent)) !== FAILED;
  }

  /** Whether the store can write a key only if it is absent (`setIfAbsent`). */
  get canSetIfAbsent(): boolean {
    return typeof this.store.setIfAbsent === 'function';
  }

  /**
   * Writes `value` only if nothing is under `key` (the store's `setIfAbsent`): `true` if it was
   * written, `false` if something was there; {@link UNREACHABLE} when the store failed (or lacks it).
   */
  async writeIfAbsent(key: string, value: CacheEntry, ttlMs: number): Promise<boolean | typeof UNREACHABLE> {
    const store = this.store;
    if (typeof store.setIfAbsent !== 'function') return UNREACHABLE;
    const keep = Math.max(1, Math.floor(ttlMs));
    const written = await this.call('set', () => store.setIfAbsent!(key, value, keep));
    return written === FAILED ? UNREACHABLE : written === true;
  }

  /** Publishes `message` on `channel` (the store's `publish`, which the caller checked); resolves whether it went. */
  async publish(channel: string, message: string): Promise<boolean> {
    return (await this.call('publish', () => this.store.publish!(channel, message), this.timeoutMs, true)) !== FAILED;
  }

  private async call<T>(
    operation: StoreOperation,
    run: () => Promise<T>,
    limitMs = this.timeoutMs,
    urgent = false,
  ): Promise<T | typeof FAILED> {
    if (!urgent && this.now() < this.skipUntil) return FAILED;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    const overrun = new Promise<typeof TIMED_OUT>((resolve) => {
      // Timers run before I/O in each turn of the event loop: after a stall of our own (a busy
      // CPU), the limit would fire before the answer that came in meanwhile is read. Deciding one
      // phase later (setImmediate, after I/O) lets an answer that has arrived win. Neither is
      // unref'd: an unref'd immediate does not stop the poll phase from blocking, so in a quiet
      // process the limit was decided at the next wake-up (the request's deadline, seconds later),
      // and an unref'd timer let a script awaiting `revoke()` exit before it resolved. Both live
      // at most the limit (100 ms), so they never hold a process open longer. The timer runs a
      // millisecond early, the turn of the loop before the immediate being part of the limit.
      timer = setTimeout(
        () => (immediate = setImmediate(resolve, TIMED_OUT)),
        Math.max(0, Math.min(limitMs, this.timeoutMs) - 1),
      );
    });
    try {
      const pending = Promise.resolve(run());
      // The store may still reject after we stopped waiting; that must not become an unhandled rejection.
      pending.catch(() => undefined);
      const result = await Promise.race([pending, overrun]);
      if (result !== TIMED_OUT) return result;
      this.failed(operation, 'timeout', started);
    } catch {
      // The store's error may carry the key or a connection string: it stays here.
      this.failed(operation, 'error', started);
    } finally {
      clearTimeout(timer);
      clearImmediate(immediate);
    }
    return FAILED;
  }

  private failed(operation: StoreOperation, reason: 'timeout' | 'error', started: number): void {
    this.skipUntil = this.now() + STORE_RETRY_AFTER_MS;
    publishCache({ type: 'store-error', operation, reason, durationMs: performance.now() - started });
  }
}

type StoreOperation = Extract<CacheEvent, { type: 'store-error' }>['operation'];
const FAILED: unique symbol = Symbol('failed');
/** What {@link GuardedStoreCache.read} and {@link GuardedStoreCache.writeIfAbsent} give when the store could not answer. */
export const UNREACHABLE: unique symbol = Symbol('unreachable');
const TIMED_OUT: unique symbol = Symbol('timed out');
