/**
 * The first login after startup and after the server closed an idle connection, in round trips to
 * Amazon (RTT), over TLS with a round trip of {@link RTT_MS} (first-login-process.ts). Goal: at most
 * {@link GOAL_RTT} each; beside it, a verifier whose connections are not opened ahead (a
 * `dispatcher` passed in), which pays for TCP and TLS on those logins.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Helper } from './ipc';

const RTT_MS = 60;
const GOAL_RTT = 1.3;

interface Result {
  start: number[];
  idle: number[];
  warm: number[];
  coldStart: number[];
  coldIdle: number[];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const rtt = (values: number[]): string => `${median(values).toFixed(2)} RTT`;

/** Runs the scenario (`rounds` fresh verifiers, about 5 s each) and returns its report lines. */
export async function firstLogin(rounds: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lwa-bench-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    // prettier-ignore
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', keyPath, '-out', certPath, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  const helper = Helper.start('first-login-process.ts', { NODE_EXTRA_CA_CERTS: certPath });
  try {
    const r = await helper.call<Result>('run', { rttMs: RTT_MS, rounds, keyPath, certPath });
    const verdict = Math.max(median(r.start), median(r.idle)) <= GOAL_RTT ? 'meets' : 'misses';
    return [
      `first login (median of ${rounds}): 2 s after startup ${rtt(r.start)}, after the server closed idle connections ${rtt(r.idle)}; goal ≤ ${GOAL_RTT} RTT each: ${verdict} it.`,
      `first login: on a warm connection ${rtt(r.warm)}; without connections opened ahead (a dispatcher passed in): after startup ${rtt(r.coldStart)}, after the idle close ${rtt(r.coldIdle)}. TLS over loopback, RTT ${RTT_MS} ms (a proxy delays each direction by half).`,
    ];
  } finally {
    await helper.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
