/**
 * `npm run fleet`: one verification per token across a fleet sharing a store (docs/caching-and-scale.md,
 * "One verification per token"), measured with real processes: N app processes (test/redis/fleet-app.ts)
 * share one redis-server, the LWA emulator runs in a process of its own (25 ms per call), and each
 * new token is sent to all N at once. Prints, for N = 1, 4 and 8 and for both stores (Keyv: get/set/delete
 * only; the Redis adapter with `setIfAbsent`), the calls to Amazon per new token (mean and worst) and
 * how much later than the process that asked Amazon the waiting ones answered (p50, p95); then 4
 * processes with Amazon slow but within `timeout` (600 ms of 1000): how many answered 200.
 *
 * Needs redis-server on PATH. BENCH_QUICK=1 sends fewer tokens, to check the harness.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { ChannelMessages } from '../lib';
import { startRedis } from '../test/redis/redis-server';
import { Helper } from './ipc';

const QUICK = process.env.BENCH_QUICK === '1';
const CLIENT_ID = 'amzn1.application-oa2-client.test'; // the fleet app's (test/support/fixture.ts)
const LATENCY_MS = 25;
const SIZES = [1, 4, 8];
const STORES = ['keyv', 'redis-nx'] as const;
const TOKENS = QUICK ? 8 : 40;
/** Amazon slow but within `timeout`: answering in more than the lease (half of `timeout`). */
const SLOW = { latencyMs: 600, timeout: 1000, n: 4, tokens: QUICK ? 3 : 10 };
const WARMUP = QUICK ? 2 : 5;
/** After a store failure, a process leaves the store alone this long (lib/defaults.ts), with a margin. */
const STORE_LEFT_ALONE_MS = 5_500;

type CacheEvent = ChannelMessages['cache'];
interface Calls {
  tokeninfo: number;
  profile: number;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (n: number, digits = 1): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One app process of the fleet, over IPC as test/redis/fleet-app.ts speaks it. */
class App {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(env: Record<string, string>): Promise<App> {
    const child = fork(join(__dirname, '..', 'test', 'redis', 'fleet-app.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`app process exited (${code}) before listening`)));
      child.once('message', (m: { type?: string; port?: number }) =>
        m.type === 'listening' && typeof m.port === 'number' ? resolve(m.port) : reject(new Error('bad first message')),
      );
    });
    return new App(child, `http://127.0.0.1:${port}/api/me`);
  }

  ask<T>(type: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (message: { type?: string } & T): void => {
        if (message.type !== type) return;
        this.child.off('message', onMessage);
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.send({ type });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }
}

interface Result {
  store: (typeof STORES)[number];
  n: number;
  tokens: number;
  /** Amazon's latency (ms) and the apps' `timeout`, when not the defaults. */
  slow?: boolean;
  calls: Calls;
  worst: Calls;
  added: number[];
  leaders: number;
  failed: number;
  /** Tokens during which a process's store call failed or overran its limit (that process then went alone). */
  storeErrors: number;
  /** The same figures over the other tokens only. */
  clean: { tokens: number; calls: Calls; worst: Calls };
}

async function measure(
  store: (typeof STORES)[number],
  n: number,
  env: Record<string, string>,
  emu: Helper,
  tokens = TOKENS,
): Promise<Result> {
  const apps = await Promise.all(Array.from({ length: n }, () => App.start({ ...env, STORE: store })));
  const agent = new Agent({ keepAliveTimeout: 60_000 });
  const result: Result = {
    store,
    n,
    tokens,
    slow: env.TIMEOUT !== undefined,
    calls: { tokeninfo: 0, profile: 0 },
    worst: { tokeninfo: 0, profile: 0 },
    added: [],
    leaders: 0,
    failed: 0,
    storeErrors: 0,
    clean: { tokens: 0, calls: { tokeninfo: 0, profile: 0 }, worst: { tokeninfo: 0, profile: 0 } },
  };
  const stats = () => emu.call<{ calls: Calls }>('stats');
  try {
    // When a process last saw its store fail: it then leaves the store alone for 5 s, silently.
    const lastStoreError = apps.map(() => -Infinity);
    for (let i = 0; i < WARMUP + tokens; i += 1) {
      const [token] = await emu.call<string[]>('mint', { count: 1, clientID: CLIENT_ID });
      const start = performance.now();
      const before = (await stats()).calls;
      // All at once: each process gets the new token in the same moment.
      const answers = await Promise.all(
        apps.map(async (app) => {
          const started = performance.now();
          const res = await request(app.url, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
          await res.body.text();
          return { status: res.statusCode, ms: performance.now() - started };
        }),
      );
      const events = await Promise.all(apps.map((app) => app.ask<{ events: CacheEvent[] }>('take-events')));
      // The verdict and the lease's release land in Redis before the next token.
      await Promise.all(apps.map((app) => app.ask('settled')));
      const after = (await stats()).calls;
      // Before the warm-up's `continue`: a store-error while warming up leaves the store alone 5 s too.
      events.forEach((e, k) => {
        if (e.events.some((event) => event.type === 'store-error')) lastStoreError[k] = performance.now();
      });
      if (i < WARMUP) continue;
      const tokeninfo = after.tokeninfo - before.tokeninfo;
      const profile = after.profile - before.profile;
      result.calls.tokeninfo += tokeninfo;
      result.calls.profile += profile;
      result.worst.tokeninfo = Math.max(result.worst.tokeninfo, tokeninfo);
      result.worst.profile = Math.max(result.worst.profile, profile);
      result.failed += answers.filter((a) => a.status !== 200).length;
      if (lastStoreError.some((t) => t > start - STORE_LEFT_ALONE_MS)) result.storeErrors += 1;
      else {
        const clean = result.clean;
        clean.tokens += 1;
        clean.calls.tokeninfo += tokeninfo;
        clean.calls.profile += profile;
        clean.worst.tokeninfo = Math.max(clean.worst.tokeninfo, tokeninfo);
        clean.worst.profile = Math.max(clean.worst.profile, profile);
      }
      // Who asked Amazon (a `miss`), who waited for its verdict (`shared`): per process.
      const asked = answers.filter((_, k) => events[k].events.some((e) => e.type === 'miss'));
      const waited = answers.filter((_, k) => events[k].events.some((e) => e.type === 'shared'));
      result.leaders += asked.length;
      if (asked.length === 0) continue;
      const leader = Math.min(...asked.map((a) => a.ms));
      for (const w of waited) result.added.push(w.ms - leader);
    }
  } finally {
    await agent.close();
    await Promise.all(apps.map((app) => app.stop()));
  }
  return result;
}

async function main(): Promise<void> {
  const started = Date.now();
  const [redis, emu] = [await startRedis(), Helper.start('emulator-process.ts')];
  const results: Result[] = [];
  try {
    const urls = await emu.call<{ tokenInfoURL: string; profileURL: string }>('start', { latencyMs: LATENCY_MS });
    const env = { REDIS_URL: redis.url, TOKENINFO_URL: urls.tokenInfoURL, PROFILE_URL: urls.profileURL };
    for (const store of STORES) {
      for (const n of SIZES) {
        log(`fleet: ${store}, ${n} process${n > 1 ? 'es' : ''}`);
        results.push(await measure(store, n, env, emu));
      }
    }
    await emu.call('latency', { ms: SLOW.latencyMs });
    for (const store of STORES) {
      log(`fleet: ${store}, ${SLOW.n} processes, Amazon at ${SLOW.latencyMs} ms, timeout ${SLOW.timeout}`);
      const slowEnv = { ...env, TIMEOUT: String(SLOW.timeout) };
      results.push(await measure(store, SLOW.n, slowEnv, emu, SLOW.tokens));
    }
  } finally {
    await emu.stop();
    await redis.stop();
  }
  const rows = [
    [
      'store',
      'N',
      'answered 200',
      'tokeninfo + profile per new token (mean)',
      'worst token',
      'tokens with a store left alone',
      'without: mean',
      'worst',
      'waiters: added p50',
      'p95',
    ],
    ...results.map((r) => [
      (r.store === 'keyv' ? 'Keyv (get/set/delete)' : 'Redis adapter (setIfAbsent)') + (r.slow ? ', slow Amazon' : ''),
      String(r.n),
      `${r.tokens * r.n - r.failed} of ${r.tokens * r.n}`,
      `${fmt(r.calls.tokeninfo / r.tokens, 2)} + ${fmt(r.calls.profile / r.tokens, 2)}`,
      `${r.worst.tokeninfo} + ${r.worst.profile}`,
      String(r.storeErrors),
      r.clean.tokens
        ? `${fmt(r.clean.calls.tokeninfo / r.clean.tokens, 2)} + ${fmt(r.clean.calls.profile / r.clean.tokens, 2)}`
        : '-',
      r.clean.tokens ? `${r.clean.worst.tokeninfo} + ${r.clean.worst.profile}` : '-',
      r.added.length ? `${fmt(percentile(r.added, 50))} ms` : '-',
      r.added.length ? `${fmt(percentile(r.added, 95))} ms` : '-',
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => `| ${row.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  process.stdout.write(
    [
      `passport-lwa-token fleet bench, ${new Date().toISOString().slice(0, 10)}${QUICK ? ' (QUICK: numbers mean little)' : ''}`,
      '',
      line(rows[0]),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...rows.slice(1).map(line),
      '',
      `${TOKENS} new tokens per row (after ${WARMUP} to warm up), each sent to all N processes at once; emulator ${LATENCY_MS} ms per call.`,
      `slow Amazon: ${SLOW.tokens} tokens, emulator ${SLOW.latencyMs} ms per call, timeout ${SLOW.timeout} (the lease: ${SLOW.timeout / 2} ms, renewed while its holder asks).`,
      `added: how much later than the process that asked Amazon each waiting process answered (client-side response times).`,
      `store error: a store call failed or overran its limit (a quarter of timeout, at most 100 ms: a loaded machine's event loop lag);` +
        ` that process then verified alone, as designed, and left the store alone for 5 s. "without": the tokens sent while no process was leaving it alone.`,
      `${failed === 0 ? 'every request answered 200' : `${failed} requests did not answer 200`}; total ${fmt((Date.now() - started) / 1000, 0)} s`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
