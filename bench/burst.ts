/**
 * `npm run bench -- --only burst`: admission by deadline and the order of the two calls
 * (docs/failure-behaviour.md), on loopback. The LWA emulator runs in a child process, the app
 * (Express, one strategy, `timeout` as each scenario says) in another; this process sends the
 * requests, all at once, each on a connection of its own.
 *
 * - 1,000 distinct valid new tokens at once, Amazon at 50 ms: verified, refused, slowest answer;
 *   from a cold start (a fresh app) and on a warm pool (right after);
 * - Amazon at 400 ms, 1,000 new tokens, `timeout` 5000: the split, the slowest 503;
 * - Amazon hanging, 500 new tokens, `timeout` 3000: the slowest 503 and the slowest answer;
 * - 200,000 distinct junk tokens at once against a hanging Amazon, in this process: the live heap's
 *   growth (after a full GC) while they wait and are refused;
 * - a junk flood (500 tokens, 50 at a time, Amazon at 50 ms): calls per junk token; new customers,
 *   one at a time, with no junk and during the flood: their answer in round trips.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, Pool, request } from 'undici';
import { LwaVerifier } from '../lib';
import { Helper } from './ipc';

const CLIENT_ID = 'amzn1.application-oa2-client.bench';
const QUICK = process.env.BENCH_QUICK === '1';

interface Urls {
  tokenInfoURL: string;
  profileURL: string;
}
interface Answer {
  status: number;
  code: string;
  ms: number;
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const junk = (i: number, run: string) => `Atza|${run}${String(i).padStart(400, '0')}`;

/** One GET /api/me with `token`, timed from this process. */
async function ask(pool: Pool, token: string): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await pool.request({ method: 'GET', path: '/api/me', headers: { authorization: `Bearer ${token}` } });
    const text = await res.body.text();
    let code = '';
    try {
      if (res.statusCode !== 200) code = (JSON.parse(text) as { code?: string }).code ?? '';
    } catch {
      // A refusal (401) has no JSON body.
    }
    return { status: res.statusCode, code, ms: performance.now() - started };
  } catch {
    return { status: 0, code: 'client error', ms: performance.now() - started };
  }
}

/** Every token at once, on connections of their own. */
const burst = (pool: Pool, tokens: readonly string[]): Promise<Answer[]> =>
  Promise.all(tokens.map((t) => ask(pool, t)));

const slowest = (answers: readonly Answer[]): number => Math.max(0, ...answers.map((a) => a.ms));
const split = (answers: readonly Answer[]): string => {
  const by = new Map<string, number>();
  for (const a of answers)
    by.set(`${a.status}${a.code ? ` ${a.code}` : ''}`, (by.get(`${a.status}${a.code ? ` ${a.code}` : ''}`) ?? 0) + 1);
  return [...by].map(([k, n]) => `${k} ×${fmt(n)}`).join(', ');
};

/** An app child process with `timeout`, and a client pool of `connections` to it. */
async function withApp<T>(
  urls: Urls,
  timeout: number,
  connections: number,
  body: (pool: Pool, slowestInApp: () => Promise<Record<string, number>>) => Promise<T>,
): Promise<T> {
  const app = Helper.start('server-process.ts', {
    IMPL: 'passport-lwa-token',
    CLIENT_ID,
    TOKENINFO_URL: urls.tokenInfoURL,
    PROFILE_URL: urls.profileURL,
    TIMEOUT: String(timeout),
    TIME_ANSWERS: '1',
  });
  const pool = new Pool(new URL(await app.call<string>('url')).origin, { connections });
  const slowestInApp = async () => (await app.call<{ slowestMs: Record<string, number> }>('stats')).slowestMs;
  try {
    return await body(pool, slowestInApp);
  } finally {
    await pool.close();
    await app.stop();
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;

/** Median of `times` tokeninfo calls from this process, keep-alive: the round trip the figures are counted in. */
async function roundTrip(tokenInfoURL: string, token: string, times = 30): Promise<number> {
  const agent = new Agent();
  const took: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    const res = await request(tokenInfoURL, { dispatcher: agent, headers: { 'x-amz-access-token': token } });
    await res.body.text();
    took.push(performance.now() - started);
  }
  await agent.close();
  return median(took);
}

/** The live heap after a full GC (the V8 flag set at run time, as memory-bound.ts does). */
function liveHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** 200,000 distinct junk tokens at once, in this process, against a hanging Amazon. */
async function junkHeap(urls: Urls): Promise<string> {
  const total = QUICK ? 20_000 : 200_000;
  const verifier = new LwaVerifier({ clientID: CLIENT_ID, ...urls, timeout: 3000, circuitBreaker: false });
  const baseline = liveHeap();
  let peak = baseline;
  const answers = new Map<string, number>();
  const settled = Array.from({ length: total }, (_, i) =>
    verifier.verify(junk(i, 'heap')).then(
      (r) => (r.ok ? 'ok' : r.reason),
      (err: { code?: string }) => err.code ?? 'other',
    ),
  );
  const sampler = setInterval(() => (peak = Math.max(peak, liveHeap())), 250);
  for (const answer of await Promise.all(settled)) answers.set(answer, (answers.get(answer) ?? 0) + 1);
  clearInterval(sampler);
  peak = Math.max(peak, liveHeap());
  await verifier.close();
  return `${fmt(total)} distinct junk tokens at once, Amazon hanging, timeout 3000: live heap peak +${fmt((peak - baseline) / 2 ** 20, 1)} MB (target < 50 MB); answers ${[...answers].map(([k, n]) => `${k} ×${fmt(n)}`).join(', ')}`;
}

/** Runs the scenarios; resolves with the report's lines. */
export async function burstScenarios(): Promise<string[]> {
  const lines: string[] = [];
  const emu = Helper.start('emulator-process.ts');
  const urls = await emu.call<Urls>('start', { latencyMs: 50 });
  const mint = (count: number) => emu.call<string[]>('mint', { count, clientID: CLIENT_ID });
  const stats = () => emu.call<{ calls: { tokeninfo: number; profile: number } }>('stats');
  const n = QUICK ? 200 : 1000;
  try {
    const rtt = await roundTrip(urls.tokenInfoURL, (await mint(1))[0]);
    lines.push(`one round trip (tokeninfo, keep-alive, p50 of 30): ${fmt(rtt, 1)} ms`);

    await withApp(urls, 5000, n, async (pool) => {
      const cold = await burst(pool, await mint(n));
      lines.push(
        `${fmt(n)} new tokens at once, Amazon at 50 ms, cold start: ${split(cold)}; slowest ${fmt(slowest(cold))} ms (timeout 5000)`,
      );
      const warm = await burst(pool, await mint(n));
      lines.push(
        `${fmt(n)} new tokens at once, Amazon at 50 ms, warm pool: ${split(warm)}; slowest ${fmt(slowest(warm))} ms (timeout 5000)`,
      );
    });

    await emu.call('latency', { ms: 400 });
    await withApp(urls, 5000, n, async (pool) => {
      const answers = await burst(pool, await mint(n));
      const refused = answers.filter((a) => a.status === 503);
      lines.push(
        `${fmt(n)} new tokens at once, Amazon at 400 ms, timeout 5000: ${split(answers)}; slowest 503 ${fmt(slowest(refused))} ms, slowest answer ${fmt(slowest(answers))} ms`,
      );
    });

    await emu.call('fault', { endpoint: 'both', fault: { kind: 'hang' } });
    const hung = QUICK ? 200 : 500;
    await withApp(urls, 3000, hung, async (pool, slowestInApp) => {
      const answers = await burst(pool, await mint(hung));
      const refused = answers.filter((a) => a.status === 503);
      const inApp = await slowestInApp();
      lines.push(
        `${fmt(hung)} new tokens at once, Amazon hanging, timeout 3000: ${split(answers)}; slowest 503 ${fmt(slowest(refused))} ms (target ≤ 1,000), slowest answer ${fmt(slowest(answers))} ms (target ≤ 3,150); timed in the app from each request's arrival: slowest 503 ${fmt(inApp['503'] ?? 0)} ms, slowest answer ${fmt(Math.max(0, ...Object.values(inApp)))} ms`,
      );
    });
    lines.push(await junkHeap(urls));
    await emu.call('clear-faults');

    await emu.call('latency', { ms: 50 });
    await withApp(urls, 5000, 64, async (pool) => {
      // Refusals rare: new customers one at a time, each against a direct tokeninfo call just before.
      const ratios: number[] = [];
      for (const token of await mint(40)) {
        const baseline = await roundTrip(urls.tokenInfoURL, (await mint(1))[0], 3);
        ratios.push((await ask(pool, token)).ms / baseline);
      }
      const rare = median(ratios.slice(10));
      const before = await stats();
      const junkTokens = Array.from({ length: 500 }, (_, i) => junk(i, 'flood'));
      const customers = await mint(10);
      const junkTimes: number[] = [];
      const during: Array<Promise<number>> = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < junkTokens.length) {
            const i = next++;
            // A customer now and then, once the flood is under way.
            if (i >= 100 && i % 40 === 0 && customers.length > 0) {
              during.push(ask(pool, customers.pop()!).then((a) => a.ms));
            }
            const answer = await ask(pool, junkTokens[i]);
            if (i >= 100) junkTimes.push(answer.ms);
          }
        }),
      );
      const after = await stats();
      const calls = after.calls.tokeninfo + after.calls.profile - before.calls.tokeninfo - before.calls.profile;
      const perJunk = (calls - 2 * during.length) / junkTokens.length;
      const customer = median(await Promise.all(during));
      const junkTime = median(junkTimes);
      lines.push(
        `junk flood, 500 distinct tokens 50 at a time, Amazon at 50 ms: ${fmt(perJunk, 2)} calls per junk token (target ≤ 1.1)`,
        `a new customer, refusals rare: ${fmt(rare, 2)} round trips (median of 30 ratios to a direct tokeninfo call just before; target ≤ 1.1)`,
        `a new customer during the flood: ${fmt(customer, 1)} ms, ${fmt(customer / junkTime, 2)} × a junk token's ${fmt(junkTime, 1)} ms (one round trip in the same queue; median of ${during.length}; target ≤ 2)`,
      );
    });
  } finally {
    await emu.stop();
  }
  return lines;
}
