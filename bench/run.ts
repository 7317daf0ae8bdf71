/**
 * `npm run bench`: the performance targets (docs/design.md, "Cache and single flight"), measured
 * as ratios in one run on loopback.
 *
 * Processes: this one drives load with autocannon; the LWA emulator runs in a child of its own,
 * adding a fixed latency to every answer; each app under test (Express 5, one route, one strategy)
 * runs in its own child. Memory is measured in one more child, through the strategy with a
 * MockAgent standing in for Amazon (see memory-process.ts).
 *
 * The machine may be shared (CI runners, other jobs): implementations are measured in alternating
 * rounds so that a noisy moment touches all of them, and each result is the best or the median of
 * its rounds (said beside each). BENCH_QUICK=1 shrinks every count, to check the harness.
 *
 * `npm run bench -- --only cpu` runs one section alone: the CPU cost of a cached authentication,
 * measured in a child process on the library as built (cpu.ts); `--only first-login`, the first
 * login after startup and after an idle close, over TLS (first-login.ts); `--only burst`, bursts
 * of new tokens and junk floods against a fast, slow or hanging Amazon (burst.ts).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { DEFAULT_CONNECTIONS } from '../lib/defaults';
import { burstScenarios } from './burst';
import type { CpuOptions, CpuResult } from './cpu';
import { firstLogin } from './first-login';
import { Helper } from './ipc';

const QUICK = process.env.BENCH_QUICK === '1';
const CLIENT_ID = 'amzn1.application-oa2-client.bench';
const LATENCY_MS = 25;
/** Cold: every request a new token; the best p50 of `rounds` rounds counts. */
const COLD = { warmup: QUICK ? 100 : 300, requests: QUICK ? 200 : 1000, rounds: QUICK ? 1 : 3, connections: 16 };
/** Warm: no-op and passport-lwa-token in turns; the median of the rounds' ratios counts. */
const WARM = {
  tokens: 100,
  connections: 32,
  warmupSeconds: QUICK ? 1 : 2,
  seconds: QUICK ? 2 : 3,
  rounds: QUICK ? 1 : 5,
};
const HERD = { requests: QUICK ? 200 : 1000, latencyMs: 1000 };
const MEMORY = { max: 10_000, checkpoints: QUICK ? [10_000, 20_000] : [10_000, 50_000, 100_000, 150_000, 200_000] };
/** CPU: authentications on cached tokens, ours and a no-op's in alternating rounds; the best difference counts. */
const CPU: CpuOptions = { tokens: 100, authentications: QUICK ? 5_000 : 50_000, rounds: QUICK ? 1 : 7 };
const CPU_TARGET_US = 3;

/** The sections `--only` can run alone. */
const SECTIONS = ['cpu', 'first-login', 'burst'] as const;
/** First login: fresh verifiers, each measured 2 s after startup and after an idle close (about 5 s each). */
const FIRST_LOGIN_ROUNDS = QUICK ? 1 : 5;
const ONLY = ((): (typeof SECTIONS)[number] | undefined => {
  const at = process.argv.indexOf('--only');
  if (at === -1) return undefined;
  const section = process.argv[at + 1];
  if (!SECTIONS.includes(section as (typeof SECTIONS)[number])) {
    throw new TypeError(`--only takes one of: ${SECTIONS.join(', ')} (got ${String(section)})`);
  }
  return section as (typeof SECTIONS)[number];
})();

type Impl = 'passport-lwa-token' | 'naive' | 'passport-amazon-token';
const IMPLS: readonly Impl[] = ['passport-lwa-token', 'naive', 'passport-amazon-token'];
type ServerImpl = Impl | 'no-op';

interface Urls {
  tokenInfoURL: string;
  profileURL: string;
}
interface EmulatorStats {
  calls: { tokeninfo: number; profile: number };
  connections: number;
}
interface ServerStats {
  cacheEvents: Record<string, number>;
  cpuMicros: number;
}
interface Server {
  impl: ServerImpl;
  url: string;
  helper: Helper;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number): string => `${fmt(bytes / 1024 / 1024, 1)} MB`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The request an implementation reads: passport-amazon-token only looks at the query and body. */
function requestFor(impl: ServerImpl, token: string): { path: string; headers: Record<string, string> } {
  if (impl === 'passport-amazon-token')
    return { path: `/api/me?access_token=${encodeURIComponent(token)}`, headers: {} };
  return { path: '/api/me', headers: { authorization: `Bearer ${token}` } };
}

interface LoadResult {
  result: autocannon.Result;
  latencies: number[];
  /** Non-2xx answers, errors and timeouts. */
  failed: number;
}

/** autocannon, each request taking the next token (round robin), recording every latency in ms. */
function load(server: Server, tokens: readonly string[], options: Partial<autocannon.Options>): Promise<LoadResult> {
  let next = 0;
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.url,
        ...options,
        requests: [
          {
            setupRequest: (req) => {
              const { path, headers } = requestFor(server.impl, tokens[next++ % tokens.length]);
              return { ...req, path, headers: { ...req.headers, ...headers } };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const failed = result.non2xx + result.errors + result.timeouts;
        if (failed > 0)
          log(`  ! ${server.impl}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
        resolve({ result, latencies, failed });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

/** Runs `body` with one app process per implementation, all started before and stopped after. */
async function withServers<T>(
  impls: readonly ServerImpl[],
  urls: Urls,
  body: (servers: Server[]) => Promise<T>,
  countCacheEvents = false,
): Promise<T> {
  const helpers = impls.map((impl) =>
    Helper.start('server-process.ts', {
      IMPL: impl,
      CLIENT_ID,
      TOKENINFO_URL: urls.tokenInfoURL,
      PROFILE_URL: urls.profileURL,
      COUNT_CACHE_EVENTS: countCacheEvents ? '1' : '0',
    }),
  );
  try {
    const servers = await Promise.all(
      helpers.map(async (helper, i) => ({ impl: impls[i], helper, url: await helper.call<string>('url') })),
    );
    return await body(servers);
  } finally {
    await Promise.all(helpers.map((h) => h.stop()));
  }
}

/** p50 of one tokeninfo call, keep-alive, from this process: the targets' "one upstream round trip". */
async function roundTrip(tokenInfoURL: string, token: string): Promise<number> {
  const agent = new Agent();
  const times: number[] = [];
  try {
    for (let i = 0; i < (QUICK ? 20 : 100); i += 1) {
      const started = performance.now();
      const res = await request(tokenInfoURL, { dispatcher: agent, headers: { 'x-amz-access-token': token } });
      await res.body.text();
      times.push(performance.now() - started);
    }
  } finally {
    await agent.close();
  }
  return median(times.slice(5));
}

/**
 * The CPU measurement (cpu.ts), in a child process that runs the library as `tsc` builds it
 * (as-built.cjs): tsx's keep-names helper would add its own cost to every authentication.
 */
function cpuCost(): Promise<CpuResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(__dirname, 'as-built.cjs'), join(__dirname, 'cpu-process.ts'), JSON.stringify(CPU)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the CPU measurement exited with ${String(code)}`));
      resolve(JSON.parse(stdout) as CpuResult);
    });
  });
}

/** The CPU figure's lines: the result against the target, and how it was measured. */
function cpuLines(cpu: CpuResult): string[] {
  const verdict = cpu.overNoop <= CPU_TARGET_US ? 'meets' : 'misses';
  return [
    `cpu: ${fmt(cpu.overNoop, 2)} µs of CPU per cached authentication over a no-op strategy, best round (median ${fmt(cpu.medianOverNoop, 2)} µs); target ≤ ${CPU_TARGET_US} µs: ${verdict} it.`,
    `cpu: Strategy#authenticate driven as Passport does (Object.create(strategy) with success/fail/error), ${fmt(CPU.authentications)} times a round on ${CPU.tokens} cached tokens, ` +
      `against the same loop on a no-op strategy, ${CPU.rounds} alternating rounds, best of the differences; library as built (tsc), not tsx;` +
      ` µs per authentication: ours ${cpu.ours.map((us) => fmt(us, 2)).join(' / ')}, no-op ${cpu.noop.map((us) => fmt(us, 2)).join(' / ')}.`,
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
  log(`passport-lwa-token bench on ${machine}${QUICK ? ' (QUICK)' : ''}`);
  if (ONLY === 'cpu') {
    const cpu = await cpuCost();
    process.stdout.write(
      `passport-lwa-token bench, cpu only: ${machine}${QUICK ? ' (QUICK: numbers mean little)' : ''}\n${cpuLines(cpu).join('\n')}\n`,
    );
    return;
  }
  if (ONLY === 'first-login') {
    const lines = await firstLogin(FIRST_LOGIN_ROUNDS);
    process.stdout.write(`passport-lwa-token bench, first login only: ${machine}\n${lines.join('\n')}\n`);
    return;
  }
  if (ONLY === 'burst') {
    const lines = await burstScenarios();
    process.stdout.write(
      `passport-lwa-token bench, burst only: ${machine}${QUICK ? ' (QUICK: numbers mean little)' : ''}\n${lines.join('\n')}\n`,
    );
    return;
  }

  const emu = Helper.start('emulator-process.ts');
  const urls = await emu.call<Urls>('start', { latencyMs: LATENCY_MS });
  const emuStats = () => emu.call<EmulatorStats>('stats');
  const mint = (count: number) => emu.call<string[]>('mint', { count, clientID: CLIENT_ID });

  const rtt = await roundTrip(urls.tokenInfoURL, (await mint(1))[0]);
  const cold = Object.fromEntries(
    IMPLS.map((i) => [i, { p50s: [] as number[], connections: 0, upstream: 0, failed: 0 }]),
  ) as Record<Impl, { p50s: number[]; connections: number; upstream: number; failed: number }>;
  const warm = Object.fromEntries(
    ['no-op', ...IMPLS].map((i) => [i, { rps: [] as number[], cpuPerRequest: [] as number[], failed: 0 }]),
  ) as Record<ServerImpl, { rps: number[]; cpuPerRequest: number[]; failed: number }>;
  const herd = {} as Record<Impl, { calls: EmulatorStats['calls']; events: Record<string, number>; failed: number }>;

  try {
    await withServers(IMPLS, urls, async (servers) => {
      /** One cold run: fresh tokens; counts the connections and upstream calls it caused. */
      const coldRun = async (server: Server, requests: number) => {
        const tokens = await mint(requests + COLD.connections);
        const before = await emuStats();
        const run = await load(server, tokens, { connections: COLD.connections, amount: requests });
        const after = await emuStats();
        const entry = cold[server.impl as Impl];
        entry.connections += after.connections - before.connections;
        entry.failed += run.failed;
        return {
          run,
          upstream: after.calls.tokeninfo + after.calls.profile - before.calls.tokeninfo - before.calls.profile,
        };
      };
      for (const server of servers) {
        // A fresh process pays for JIT compilation on its first requests; "cold" is about the token.
        log(`cold: ${server.impl} (warm-up)`);
        await coldRun(server, COLD.warmup);
      }
      for (let round = 0; round < COLD.rounds; round += 1) {
        for (const server of servers) {
          log(`cold: ${server.impl} (round ${round + 1}/${COLD.rounds})`);
          const { run, upstream } = await coldRun(server, COLD.requests);
          cold[server.impl as Impl].p50s.push(median(run.latencies));
          cold[server.impl as Impl].upstream = upstream;
        }
      }
    });

    await withServers(['no-op', ...IMPLS], urls, async (servers) => {
      const tokensOf = new Map<Server, string[]>();
      for (const server of servers) {
        tokensOf.set(server, await mint(WARM.tokens));
        log(`warm: ${server.impl} (warm-up)`);
        await load(server, tokensOf.get(server)!, { connections: WARM.connections, duration: WARM.warmupSeconds });
      }
      const warmRun = async (server: Server) => {
        const before = await server.helper.call<ServerStats>('stats');
        const run = await load(server, tokensOf.get(server)!, {
          connections: WARM.connections,
          duration: WARM.seconds,
        });
        const after = await server.helper.call<ServerStats>('stats');
        const entry = warm[server.impl];
        entry.rps.push(run.result.requests.total / (run.result.duration || WARM.seconds));
        entry.cpuPerRequest.push((after.cpuMicros - before.cpuMicros) / Math.max(1, run.result.requests.total));
        entry.failed += run.failed;
      };
      // no-op and passport-lwa-token take turns; the peers wait on Amazon for every request, so one run each.
      for (let round = 0; round < WARM.rounds; round += 1) {
        for (const server of servers.slice(0, 2)) {
          log(`warm: ${server.impl} (round ${round + 1}/${WARM.rounds})`);
          await warmRun(server);
        }
      }
      for (const server of servers.slice(2)) {
        log(`warm: ${server.impl}`);
        await warmRun(server);
      }
    });

    await emu.call('latency', { ms: HERD.latencyMs });
    for (const impl of IMPLS) {
      log(`herd: ${impl}`);
      herd[impl] = await withServers(
        [impl],
        urls,
        async ([server]) => {
          const [token] = await mint(1);
          await emu.call('reset');
          const run = await load(server, [token], { connections: HERD.requests, amount: HERD.requests, timeout: 30 });
          const { calls } = await emuStats();
          const { cacheEvents } = await server.helper.call<ServerStats>('stats');
          return { calls, events: cacheEvents, failed: run.failed };
        },
        true,
      );
    }
    await emu.call('latency', { ms: LATENCY_MS });
  } finally {
    await emu.stop();
  }

  log('memory: passport-lwa-token');
  const memory = Helper.start('memory-process.ts', {}, ['--expose-gc']);
  let samples: Array<{ tokens: number; heapUsed: number }>;
  try {
    samples = await memory.call('run', { max: MEMORY.max, checkpoints: MEMORY.checkpoints });
  } finally {
    await memory.stop();
  }

  log('cpu: passport-lwa-token (cached authentications)');
  const cpu = await cpuCost();
  log('first login: after startup and after an idle close, over TLS');
  const login = await firstLogin(FIRST_LOGIN_ROUNDS);

  // ---- the table
  const coldP50 = (impl: Impl) => Math.min(...cold[impl].p50s);
  const noopRps = median(warm['no-op'].rps);
  /** Ours: the median of the rounds' ratios (each round's two runs are adjacent in time). Peers: against the no-op's median. */
  const warmRatio = (impl: Impl) =>
    impl === 'passport-lwa-token'
      ? median(warm[impl].rps.map((rps, i) => rps / warm['no-op'].rps[i]))
      : median(warm[impl].rps) / noopRps;
  const full = samples.find((s) => s.tokens === MEMORY.max)!;
  const last = samples[samples.length - 1];
  const growth = (last.heapUsed - full.heapUsed) / full.heapUsed;
  const failed = (n: number) => (n > 0 ? ` (${fmt(n)} failed)` : '');
  const ours = herd['passport-lwa-token'];

  const rows: string[][] = [
    ['metric', 'target', 'passport-lwa-token', "naive (Amazon's sample)", 'passport-amazon-token 2.1.0 ¹'],
    [
      'cold: p50 latency / injected latency',
      '≤ 1.2',
      ...IMPLS.map((i) => `${fmt(coldP50(i) / LATENCY_MS, 2)} (${fmt(coldP50(i), 1)} ms)${failed(cold[i].failed)}`),
    ],
    [
      'warm: requests/s / no-op strategy',
      '≥ 0.9',
      ...IMPLS.map((i) => `${fmt(warmRatio(i), 2)} (${fmt(median(warm[i].rps))} rps)${failed(warm[i].failed)}`),
    ],
    [
      `herd: upstream calls (tokeninfo + profile), ${fmt(HERD.requests)} concurrent requests, one token`,
      '1 + 1',
      ...IMPLS.map((i) => `${fmt(herd[i].calls.tokeninfo)} + ${fmt(herd[i].calls.profile)}${failed(herd[i].failed)}`),
    ],
    [
      `memory: heap after ${fmt(last.tokens)} distinct tokens, max ${fmt(MEMORY.max)}`,
      'flat once full',
      `${mb(last.heapUsed)} (${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)}% from ${mb(full.heapUsed)} at ${fmt(MEMORY.max)})`,
      'no cache',
      'no cache',
    ],
    [
      'cpu: µs per cached authentication over a no-op strategy',
      `≤ ${CPU_TARGET_US}`,
      `${fmt(cpu.overNoop, 2)} µs (median ${fmt(cpu.medianOverNoop, 2)})`,
      'not measured',
      'not measured',
    ],
    [
      'upstream connections opened in the cold runs',
      `≤ ${DEFAULT_CONNECTIONS} (pool)`,
      ...IMPLS.map((i) => fmt(cold[i].connections)),
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  const coldRequests = COLD.warmup + COLD.rounds * COLD.requests;
  const out = [
    `passport-lwa-token bench, ${new Date().toISOString().slice(0, 10)}: ${machine}${QUICK ? ' (QUICK: numbers mean little)' : ''}`,
    '',
    line(rows[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
    '',
    `¹ skips the audience check (never calls tokeninfo): it accepts a token issued to any app. It reads the token from the query.`,
    `emulator latency ${LATENCY_MS} ms per call; one upstream round trip measured from the bench process: ${fmt(rtt, 1)} ms (p50).`,
    `cold: ${COLD.connections} connections, every request a new token; ${fmt(COLD.warmup)} to warm each process up, then ${COLD.rounds} alternating rounds of ${fmt(COLD.requests)}, best p50;` +
      ` p50s (ms): ${IMPLS.map((i) => `${i} ${cold[i].p50s.map((p) => fmt(p, 1)).join(' / ')}`).join('; ')}.` +
      ` passport-lwa-token p50 / measured round trip: ${fmt(coldP50('passport-lwa-token') / rtt, 2)}.`,
    `warm: ${WARM.connections} connections over ${WARM.tokens} tokens; no-op and passport-lwa-token alternate ${WARM.rounds} runs of ${WARM.seconds} s, median of the per-round ratios;` +
      ` rps: no-op ${warm['no-op'].rps.map((r) => fmt(r)).join(' / ')}, passport-lwa-token ${warm['passport-lwa-token'].rps.map((r) => fmt(r)).join(' / ')};` +
      ` server CPU per request (median): no-op ${fmt(median(warm['no-op'].cpuPerRequest), 1)} µs, passport-lwa-token ${fmt(median(warm['passport-lwa-token'].cpuPerRequest), 1)} µs.`,
    `herd: emulator latency raised to ${fmt(HERD.latencyMs)} ms so that all requests are in flight together; passport-lwa-token: ${fmt(ours.events.miss ?? 0)} miss, ${fmt(ours.events.shared ?? 0)} joined the flight, ${fmt(ours.events.hit ?? 0)} cache hits.`,
    `memory (heap after GC, by tokens seen): ${samples.map((s) => `${fmt(s.tokens)}: ${mb(s.heapUsed)}`).join(', ')}.`,
    ...cpuLines(cpu).slice(1),
    ...login,
    `connections: over all ${fmt(coldRequests)} cold requests of each; upstream calls in its last cold round: ${IMPLS.map((i) => `${i} ${fmt(cold[i].upstream)}`).join(', ')}.`,
    `total ${fmt((Date.now() - started) / 1000, 0)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
