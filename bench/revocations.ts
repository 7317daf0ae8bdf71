/**
 * `npm run revocations`: sign-out at scale through the Redis store of docs/caching-and-scale.md
 * (test/redis/redis-store.ts: publish and subscribe), with 4 app processes (test/redis/fleet-app.ts)
 * sharing one redis-server and the LWA emulator in this process.
 *
 * 1. The window: B holds a token in its local layer; A revokes it; B is asked again and again from
 *    the moment A's `revoke` resolved until it refuses. Printed: that time (p50, p95, worst) and, in
 *    the same run, a cached request's round trip to B (the floor of the measure).
 * 2. A million revocations: each process revokes 250,000 tokens (64 at a time), and hears all the
 *    others' through the store. Printed: revocations that resolved and rejected, the time, each
 *    process's heap (its peak while revoking, and after a full GC once done); then a sample check,
 *    every process verifying 2,000 revoked tokens from each of the four (32,000 verifications, each
 *    must be refused as revoked, without Amazon). Checking all four million takes minutes more:
 *    the sample is random over each producer's whole range, the oldest included.
 *
 * Needs redis-server on PATH. BENCH_QUICK=1: 40,000 revocations, to check the harness.
 */
import { performance } from 'node:perf_hooks';
import { LwaEmulator } from '../lib/testing';
import { AppProcess, benchToken } from '../test/redis/app-process';
import { startRedis } from '../test/redis/redis-server';

const QUICK = process.env.BENCH_QUICK === '1';
const CLIENT_ID = 'amzn1.application-oa2-client.test'; // the fleet app's (test/support/fixture.ts)
const PROCESSES = 4;
const PER_PROCESS = QUICK ? 10_000 : 250_000;
const WINDOW_TRIALS = QUICK ? 10 : 50;
const SAMPLE = 2_000;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const [redis, emu] = await Promise.all([startRedis(), LwaEmulator.start()]);
  const env = { REDIS_URL: redis.url, TOKENINFO_URL: emu.tokenInfoURL, PROFILE_URL: emu.profileURL, STORE: 'redis-nx' };
  const apps = await Promise.all(Array.from({ length: PROCESSES }, () => AppProcess.start(env, ['--expose-gc'])));
  try {
    await window(apps[0], apps[1], emu);
    await million(apps);
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    await Promise.all([emu.close(), redis.stop()]);
  }
}

async function window(a: AppProcess, b: AppProcess, emu: LwaEmulator): Promise<void> {
  const windows: number[] = [];
  const trips: number[] = [];
  let firstRefused = 0;
  for (let trial = 0; trial < WINDOW_TRIALS; trial++) {
    const token = emu.mintToken({ clientID: CLIENT_ID });
    await a.me(token).expect(200);
    await a.settled();
    await b.me(token).expect(200);
    const trip = performance.now();
    await b.me(token).expect(200); // from B's local layer
    trips.push(performance.now() - trip);
    await a.revoke(token);
    const resolved = performance.now();
    for (let asked = 1; ; asked++) {
      if ((await b.me(token)).status === 401) {
        windows.push(performance.now() - resolved);
        if (asked === 1) firstRefused++;
        break;
      }
    }
  }
  const ms = (n: number): string => `${n.toFixed(2)} ms`;
  log(
    `window, ${WINDOW_TRIALS} trials: B refused the token ${ms(percentile(windows, 50))} (p50), ` +
      `${ms(percentile(windows, 95))} (p95), ${ms(Math.max(...windows))} (worst) after A's revoke resolved, ` +
      `its first request refused in ${firstRefused}/${WINDOW_TRIALS}; a cached request to B takes ${ms(percentile(trips, 50))} (p50)`,
  );
}

async function million(apps: readonly AppProcess[]): Promise<void> {
  const started = performance.now();
  const runs = await Promise.all(apps.map((app, i) => app.ask('revoke-many', { prefix: `p${i}`, count: PER_PROCESS })));
  const seconds = (performance.now() - started) / 1000;
  const resolved = runs.reduce((sum, run) => sum + Number(run.resolved), 0);
  const failed = runs.reduce((sum, run) => sum + Number(run.failed), 0);
  log(
    `${(PROCESSES * PER_PROCESS).toLocaleString('en-US')} revocations by ${PROCESSES} processes: ` +
      `${resolved.toLocaleString('en-US')} resolved, ${failed} rejected, in ${seconds.toFixed(1)} s`,
  );
  const heaps = await Promise.all(apps.map((app) => app.ask('heap')));
  apps.forEach((_app, i) =>
    log(
      `  process ${i}: heap peak ${mb(Number(runs[i].heapPeak))} while revoking, ${mb(Number(heaps[i].heapUsed))} after a GC`,
    ),
  );
  const sample = Array.from({ length: PROCESSES }, (_, producer) =>
    Array.from({ length: SAMPLE }, (_, j) =>
      benchToken(`p${producer}`, j === 0 ? 0 : Math.floor(Math.random() * PER_PROCESS)),
    ),
  ).flat();
  const checks = await Promise.all(apps.map((app) => app.ask('verify-some', { tokens: sample })));
  const refused = checks.reduce((sum, c) => sum + Number(c.revoked), 0);
  const other = checks.reduce((sum, c) => sum + Number(c.other), 0);
  log(
    `sample check: ${refused.toLocaleString('en-US')} of ${(sample.length * PROCESSES).toLocaleString('en-US')} ` +
      `verifications refused as revoked, ${other} not`,
  );
  if (failed > 0 || other > 0 || resolved !== PROCESSES * PER_PROCESS) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
