/**
 * The bound on `cache.max`: a verifier made with the largest `max` allocates little up front
 * (lru-cache sizes its index for `max` at construction: an unbounded `max` could exhaust memory
 * before the first request), and a larger `max` is refused. What a full cache holds is measured
 * by bench/memory-bound.ts (too slow for a test: it verifies `max` tokens).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LwaVerifier } from '../../../lib';
import { LocalLayer } from '../../../lib/cache/local-layer';
import { MAX_CACHE_ENTRIES } from '../../../lib/defaults';

const MB = 1024 * 1024;

// A full GC before each reading, so the delta is what construction kept, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use plus off-heap buffers (lru-cache's index is typed arrays), after a full GC. */
function used(): number {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/** What making `make()` keeps in memory, with the made thing still reachable. */
function retainedBy<T>(make: () => T): { value: T; bytes: number } {
  const before = used();
  const value = make();
  return { value, bytes: used() - before };
}

// The test timeout is the "fast" bound: constructing must not fill or walk `max` entries.
test('a verifier with cache.max at its bound keeps well under 100 MB up front', async () => {
  const { value: verifier, bytes } = retainedBy(
    () => new LwaVerifier({ clientID: 'amzn1.application-oa2-client.test', cache: { max: MAX_CACHE_ENTRIES } }),
  );
  expect(verifier.cachedEntries).toBe(0);
  expect(bytes).toBeLessThan(100 * MB);
  // lru-cache's index: a few typed arrays of `max` slots, a few bytes each: megabytes, not tens.
  expect(bytes).toBeLessThan(10 * MB);
  await verifier.close();
}, 5_000);

test('the local layer at the bound likewise (refusals get their own small LRU)', () => {
  const { value: layer, bytes } = retainedBy(() => new LocalLayer(MAX_CACHE_ENTRIES, () => Date.now()));
  expect(layer.size).toEqual({ verified: 0, refused: 0 });
  expect(bytes).toBeLessThan(10 * MB);
}, 5_000);

test('one past the bound is refused, naming the option and its range', () => {
  expect(() => new LwaVerifier({ clientID: 'c', cache: { max: MAX_CACHE_ENTRIES + 1 } })).toThrow(
    expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('cache.max') }) as Error,
  );
});
