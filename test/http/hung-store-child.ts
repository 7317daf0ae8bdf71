/**
 * A process with nothing to do but verify, for ./hung-store.test.ts: no timer, socket or server of
 * its own besides the verifier's, so nothing but the verifier's own timers wakes its event loop.
 * IPC: `{ cases, nx, tokens, port }` → the results of each case, each `true` (verified), or the error's `code`.
 *
 * Cases, each over a store that never answers some calls: `lookup` (every call), `lease` (the
 * lease's writes), `write` (the verdict's write; a second verifier sharing the store then verifies
 * the same token), `revoke` (`revoke()` resolves), `keyv` (`@keyv/redis` against a peer on `port`
 * that accepts connections and never replies). Between two verifications the clock moves past the
 * 5 s the store is left alone after a failure, so the second tries the store again.
 */
import { createKeyv } from '@keyv/redis';
import { LwaVerifier, type CacheStore } from '../../lib';
import type { CacheEntry } from '../../lib/cache/entry';
import { CLIENT_ID } from '../support/emulator';
import { MapStore } from '../support/map-store';

export type HungCase = 'lookup' | 'lease' | 'write' | 'revoke' | 'keyv';
export interface HungRequest {
  /** Run together: none may wake the loop for another (the lease's settle timer would). */
  readonly cases: readonly HungCase[];
  readonly nx: boolean;
  /** Two tokens for each case (`keyv` only with `port`). */
  readonly tokens: Readonly<Record<HungCase, readonly [string, string]>>;
  readonly port?: number;
}
export type HungResults = Partial<Record<HungCase, Array<true | string>>>;

/** The verifier's `timeout`: the test's own limit is below it, so waiting it out fails the test. */
export const CHILD_TIMEOUT_MS = 10_000;

let offset = 0;
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + offset;

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const isLease = (key: string): boolean => key.endsWith(':lease');

/** A working store (with `setIfAbsent` when `nx`) whose calls `hangs` picks never settle. */
function hanging(nx: boolean, hangs: (op: string, key: string) => boolean): CacheStore {
  const inner = new MapStore(nx);
  const setIfAbsent = inner.setIfAbsent;
  return {
    get: (key) => (hangs('get', key) ? never() : inner.get(key)),
    set: (key, value: CacheEntry, ttl) => (hangs('set', key) ? never() : inner.set(key, value, ttl)),
    delete: (key) => (hangs('delete', key) ? never() : inner.delete(key)),
    ...(setIfAbsent
      ? {
          setIfAbsent: (key: string, value: CacheEntry, ttl: number) =>
            hangs('set', key) ? never() : setIfAbsent(key, value, ttl),
        }
      : {}),
  };
}

function storeFor(hung: HungCase, nx: boolean, port?: number): CacheStore {
  switch (hung) {
    case 'lookup':
    case 'revoke':
      return hanging(nx, () => true);
    case 'lease':
      return hanging(nx, (op, key) => op !== 'get' && isLease(key));
    case 'write':
      return hanging(nx, (op, key) => op === 'set' && !isLease(key));
    case 'keyv': {
      const keyv = createKeyv(`redis://127.0.0.1:${port}`, { throwOnErrors: true });
      keyv.on('error', () => undefined);
      return keyv;
    }
  }
}

const verifierOver = (store: CacheStore): LwaVerifier =>
  new LwaVerifier({
    clientID: CLIENT_ID,
    tokenInfoURL: process.env.TOKENINFO_URL,
    profileURL: process.env.PROFILE_URL,
    timeout: CHILD_TIMEOUT_MS,
    cache: { store },
  });

async function outcome(work: Promise<unknown>): Promise<true | string> {
  try {
    const result = await work;
    return result === undefined || (result as { ok?: boolean }).ok === true ? true : JSON.stringify(result);
  } catch (err) {
    return (err as { code?: string }).code ?? 'error';
  }
}

/** Two verifications (or revocations) of one case, over a store of its own. */
async function run(hung: HungCase, request: HungRequest): Promise<Array<true | string>> {
  const store = storeFor(hung, request.nx, request.port);
  const [first, second] = [verifierOver(store), verifierOver(store)];
  const results: Array<true | string> = [];
  for (const [i, token] of request.tokens[hung].entries()) {
    if (hung === 'revoke') results.push(await outcome(first.revoke(token)));
    // `write`: the second verifier, on the token the first verified, is not held back by its lease.
    else results.push(await outcome((hung === 'write' && i > 0 ? second : first).verify(token)));
    offset += 5_001;
  }
  await Promise.allSettled([first.close(), second.close()]);
  return results;
}

process.on('message', (request: HungRequest) => {
  void Promise.all(request.cases.map(async (hung) => [hung, await run(hung, request)] as const)).then((done) =>
    process.send?.(Object.fromEntries(done)),
  );
});
process.on('disconnect', () => process.exit(0));
// Ready once start-up's own I/O (module loading, tsx writing its cache) has died down: its
// callbacks would wake the loop, and hide a limit that waits for a wake-up.
setTimeout(() => process.send?.({ ready: true }), 500);
