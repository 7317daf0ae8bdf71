/**
 * The CPU cost of a cached authentication, in this process: `Strategy#authenticate` driven the way
 * Passport drives it (a per-request `Object.create(strategy)` with success/fail/error added), on
 * tokens already in the cache, against the same loop on a no-op strategy that calls `success` at
 * once. What is left after the no-op's cost is ours: extraction, the cache lookup, the app's
 * `verify`, the auth info, one dispatch.
 *
 * CPU time (`process.cpuUsage`), not wall time: on a shared machine a neighbour's load stretches
 * wall time more than the CPU this process spends. Contention still inflates CPU time (shared
 * caches and cores), never deflates it, so the best of the per-round differences counts; the
 * median is given beside it. The two loops alternate, so a noisy moment touches both.
 */
import passport from 'passport';
import { Strategy } from '../lib';
import { mockAmazon, tokenOf } from './mock-amazon';

export interface CpuOptions {
  /** Distinct tokens, all cached before measuring. */
  readonly tokens: number;
  /** Authentications per round and strategy. */
  readonly authentications: number;
  readonly rounds: number;
}

export interface CpuResult {
  /** µs of CPU per authentication above the no-op's: the best round's. */
  readonly overNoop: number;
  /** The same, the median of the rounds'. */
  readonly medianOverNoop: number;
  /** µs per authentication, each round: ours and the no-op's. */
  readonly ours: number[];
  readonly noop: number[];
}

const CLIENT_ID = 'amzn1.application-oa2-client.bench';
const USER = { id: `amzn1.account.${'N'.repeat(28)}` };

/** The no-op the warm benchmark compares with too: success at once, no token read. */
class NoopStrategy extends passport.Strategy {
  override name = 'amazon-token';
  override authenticate(): void {
    this.success(USER);
  }
}

interface Authenticating {
  authenticate(req: unknown): void;
}
type Attempt = Authenticating & Record<'success' | 'fail' | 'error', (...args: unknown[]) => void>;

/** One authentication as Passport's middleware runs it; resolves on success, rejects otherwise. */
function authenticateOnce(strategy: Authenticating, req: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as Attempt;
    attempt.success = () => resolve();
    attempt.fail = (_challenge, status) => reject(new Error(`refused (${String(status)})`));
    attempt.error = (err) => reject(err instanceof Error ? err : new Error(String(err)));
    attempt.authenticate(req);
  });
}

/** An Express-like GET with the token in the Authorization header (parsed headers, raw list, query). */
function requestWith(token: string): unknown {
  const authorization = `Bearer ${token}`;
  return {
    method: 'GET',
    url: '/api/me',
    headers: { host: 'api.example.com', accept: 'application/json', authorization },
    rawHeaders: ['Host', 'api.example.com', 'Accept', 'application/json', 'Authorization', authorization],
    query: {},
  };
}

/** µs of CPU per authentication for `count` authentications over `reqs`, a batch of them at a time. */
async function drive(strategy: Authenticating, reqs: readonly unknown[], count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let done = 0; done < count; done += reqs.length) {
    await Promise.all(reqs.map((req) => authenticateOnce(strategy, req)));
  }
  const { user, system } = process.cpuUsage(before);
  return (user + system) / count;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Measures; `log` is told each round. */
export async function measureCpu(
  options: CpuOptions,
  log: (line: string) => void = () => undefined,
): Promise<CpuResult> {
  const amazon = mockAmazon(CLIENT_ID);
  const ours = new Strategy({ clientID: CLIENT_ID, dispatcher: amazon }, async (_token, profile) => ({
    id: profile.id,
  }));
  const noop = new NoopStrategy();
  const reqs = Array.from({ length: options.tokens }, (_, i) => requestWith(tokenOf(i)));
  try {
    // A few at a time: this measures CPU, not a queue waiting its turn for Amazon.
    for (let i = 0; i < reqs.length; i += 32) {
      await Promise.all(reqs.slice(i, i + 32).map((req) => authenticateOnce(ours, req)));
    }
    if (ours.verifier.cachedEntries !== options.tokens) throw new Error('the tokens did not all reach the cache');
    // From here on Amazon is gone: a cache miss would fail the run instead of skewing it.
    await amazon.close();

    const warmup = Math.min(options.authentications, 10_000);
    await drive(noop, reqs, warmup);
    await drive(ours, reqs, warmup);
    const result = { ours: [] as number[], noop: [] as number[] };
    for (let round = 0; round < options.rounds; round += 1) {
      result.noop.push(await drive(noop, reqs, options.authentications));
      result.ours.push(await drive(ours, reqs, options.authentications));
      log(
        `cpu: round ${round + 1}/${options.rounds}: ${result.ours[round].toFixed(2)} µs vs no-op ${result.noop[round].toFixed(2)} µs`,
      );
    }
    const differences = result.ours.map((us, i) => us - result.noop[i]);
    return { ...result, overNoop: Math.min(...differences), medianOverNoop: median(differences) };
  } finally {
    await ours.close();
  }
}
