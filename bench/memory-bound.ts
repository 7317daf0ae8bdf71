/**
 * `npx tsx bench/memory-bound.ts [--max N]`: what a full verification cache costs in memory, to
 * check the bound on `cache.max` (MAX_CACHE_ENTRIES in lib/defaults.ts) against its promise.
 *
 * One LwaVerifier with `cache: { max }` (default: the bound) verifies `max` distinct tokens, so the
 * cache ends up holding `max` verified verdicts. Amazon is played by an undici MockAgent
 * (mock-amazon.ts): the whole pipeline runs, without sockets. The heap is
 * read after a full GC before and at checkpoints; it prints the cost per 1000 entries and the total
 * at `max`, and the empty verifier's own cost (lru-cache sizes its index for `max` up front).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LwaVerifier } from '../lib';
import { MAX_CACHE_ENTRIES } from '../lib/defaults';
import { mockAmazon, tokenOf } from './mock-amazon';

const CLIENT_ID = 'amzn1.application-oa2-client.bench';

const argMax = process.argv.indexOf('--max');
const MAX = argMax === -1 ? MAX_CACHE_ENTRIES : Number(process.argv[argMax + 1]);
if (!Number.isInteger(MAX) || MAX < 1) throw new TypeError('--max must be a whole number');

// A full GC on demand without asking for `node --expose-gc`.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Heap in use plus off-heap buffers (typed arrays), after a full GC. */
function used(): number {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

const fmt = (n: number, digits = 1): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number): string => `${fmt(bytes / 1024 / 1024)} MB`;

async function main(): Promise<void> {
  const dispatcher = mockAmazon(CLIENT_ID);
  const baseline = used();
  const verifier = new LwaVerifier({ clientID: CLIENT_ID, dispatcher, cache: { max: MAX }, circuitBreaker: false });
  const empty = used() - baseline;

  // Warm up the pipeline's own lazily built state before the first checkpoint.
  let next = 0;
  const verifyNext = async (): Promise<void> => {
    const result = await verifier.verify(tokenOf(next++));
    if (!result.ok) throw new Error(`refused: ${result.reason}`);
  };
  await verifyNext();
  const start = used();
  const startEntries = verifier.cachedEntries;

  const checkpoints = [...new Set([1000, 10_000, 50_000, MAX].filter((n) => n <= MAX))].sort((a, b) => a - b);
  const samples: Array<{ entries: number; bytes: number }> = [];
  for (const target of checkpoints) {
    // 32 at once: as many as run at once (MAX_RUNNING), as a busy server would be.
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < target) await verifyNext();
      }),
    );
    samples.push({ entries: verifier.cachedEntries, bytes: used() - start });
    process.stderr.write(`  ${fmt(verifier.cachedEntries, 0)} entries: ${mb(used() - start)}\n`);
  }
  const last = samples[samples.length - 1];
  const entries = last.entries - startEntries;
  const perEntry = last.bytes / entries;
  const total = empty + perEntry * MAX;
  process.stdout.write(
    [
      `cache.max ${fmt(MAX, 0)}, ${fmt(last.entries, 0)} verified verdicts held (Node ${process.version})`,
      `empty verifier: ${mb(empty)}`,
      `per 1000 entries: ${mb(perEntry * 1000)} (${fmt(perEntry, 0)} bytes an entry)`,
      `total at ${fmt(MAX, 0)}: ${mb(total)} (the empty verifier plus ${fmt(MAX, 0)} entries)`,
      `checkpoints: ${samples.map((s) => `${fmt(s.entries, 0)}: ${mb(s.bytes)}`).join(', ')}`,
    ].join('\n') + '\n',
  );
  await verifier.close();
  await dispatcher.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
