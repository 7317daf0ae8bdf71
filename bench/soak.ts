/**
 * `npm run soak` (test/README.md, Soak): sustained load through the strategy, with nothing left behind.
 *
 *   npm run soak                          # 50,000 requests at concurrency 64
 *   npm run soak -- --requests 3000       # the CI run
 *   npm run soak -- --requests 200000 --concurrency 128 --max-seconds 900
 *
 * Two processes. The app under test runs in a child (Express 5, one route per upstream behaviour,
 * one strategy each, default options: cache on, one retry), so its resident memory and sockets are
 * its own. This process runs the LWA emulators (one healthy, one per injected fault, each fault
 * permanent so every request's outcome is known in advance) and drives the load: a fixed,
 * interleaved mix of valid, invalid, expired, wrong-audience, under-scoped, malformed and
 * fault-injected requests, each checked against the status (and error code) docs/design.md, "Outcomes",
 * and test/README.md's Fault matrix predict for it.
 *
 * It stops by itself: after `--requests`, or at `--max-seconds` (a failure). It exits non-zero on
 * any unexpected answer, any unhandled rejection or uncaught exception in the app, or memory or
 * sockets that keep growing.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import passport from 'passport';
import { Pool } from 'undici';
import { Strategy } from '../lib';
import { LwaEmulator, type Fault } from '../lib/testing';

const CLIENT_ID = 'amzn1.application-oa2-client.soak';
const OTHER_CLIENT = 'amzn1.application-oa2-client.someone-else';
/** The hang route's strategy gives up after this; the other routes keep the default timeout. */
const HANG_TIMEOUT_MS = 250;

/** The faulted upstreams: one emulator each, the fault on both endpoints for every call. */
const FAULTS = {
  '500': { fault: { kind: 'status', status: 500 }, status: 502, code: 'ERR_LWA_UPSTREAM_STATUS' },
  '429': { fault: { kind: 'rate-limit' }, status: 503, code: 'ERR_LWA_RATE_LIMITED' },
  'malformed-json': { fault: { kind: 'malformed-json' }, status: 502, code: 'ERR_LWA_RESPONSE_JSON' },
  html: { fault: { kind: 'html' }, status: 502, code: 'ERR_LWA_UPSTREAM_STATUS' },
  oversized: { fault: { kind: 'oversized', bytes: 256 * 1024 }, status: 502, code: 'ERR_LWA_RESPONSE_TOO_LARGE' },
  reset: { fault: { kind: 'reset' }, status: 502, code: 'ERR_LWA_UPSTREAM_CONNECTION' },
  'reset-mid-body': { fault: { kind: 'reset-mid-body' }, status: 502, code: 'ERR_LWA_UPSTREAM_CONNECTION' },
  hang: { fault: { kind: 'hang' }, status: 504, code: 'ERR_LWA_TIMEOUT' },
} as const satisfies Record<string, { fault: Fault; status: number; code: string }>;
type FaultName = keyof typeof FAULTS;
const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

// ---------------------------------------------------------------------------------------------
// The app under test (child process)

interface Stats {
  rss: number;
  heapUsed: number;
  /**
   * Open sockets: on Linux every socket file descriptor (clients', the pools' to the emulators,
   * the listening one, the IPC channel); elsewhere the TCP handles Node counts as active (idle
   * keep-alive sockets that undici has unref'd are then missed).
   */
  sockets: number;
  unhandledRejections: number;
  uncaughtExceptions: number;
}

type AppMessage = { type: 'stats'; gc?: boolean } | { type: 'close' };

function runApp(): void {
  let unhandledRejections = 0;
  let uncaughtExceptions = 0;
  process.on('unhandledRejection', () => void unhandledRejections++);
  process.on('uncaughtException', () => void uncaughtExceptions++);

  const upstreams = JSON.parse(process.env.SOAK_UPSTREAMS ?? '{}') as Record<
    string,
    { tokenInfoURL: string; profileURL: string }
  >;
  const app = express();
  app.use(express.json());
  const strategies: Strategy[] = [];
  for (const [route, urls] of Object.entries(upstreams)) {
    // A faulted route's upstream fails on every call: its circuit breaker would open and answer
    // 503 ERR_LWA_CIRCUIT_OPEN instead of the fault's own outcome, which is what the soak checks.
    // The breaker has its own run: `npm run drill`.
    const strategy = new Strategy(
      {
        clientID: CLIENT_ID,
        ...urls,
        ...(route === 'hang' ? { timeout: HANG_TIMEOUT_MS } : {}),
        ...(route === 'ok' ? {} : { circuitBreaker: false as const }),
      },
      async (_token, profile) => ({ id: profile.id }),
    );
    strategies.push(strategy);
    const pp = new passport.Passport();
    pp.use(strategy);
    const handler: express.RequestHandler = (req, res) => {
      res.json({ id: (req.user as { id: string }).id });
    };
    const guard = pp.authenticate('amazon-token', { session: false }) as express.RequestHandler;
    app.get(`/${route}`, guard, handler);
    app.post(`/${route}`, guard, handler);
  }
  const onError: express.ErrorRequestHandler = (err: { status?: number; code?: string }, _req, res, _next) => {
    res.status(err.status ?? 500).json({ code: err.code ?? 'app_error' });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port });
  });

  const stats = (): Stats => {
    const memory = process.memoryUsage();
    let sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
    try {
      sockets = readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
        } catch {
          return false;
        }
      }).length;
    } catch {
      // not Linux
    }
    return {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      sockets,
      unhandledRejections,
      uncaughtExceptions,
    };
  };
  process.on('message', (message: AppMessage) => {
    if (message.type === 'stats') {
      if (message.gc) (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ type: 'stats', stats: stats() });
    } else if (message.type === 'close') {
      // Release the pools to the emulators, then report what is still open.
      void Promise.all(strategies.map((s) => s.close())).then(() => {
        server.closeIdleConnections();
        setImmediate(() => process.send?.({ type: 'stats', stats: stats() }));
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// The load (parent process)

interface Planned {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Case {
  readonly name: string;
  /** Requests of this case per 100. */
  readonly weight: number;
  readonly status: number;
  /** For an error: the `code` the app's error handler answers with. */
  readonly code?: string;
  plan(): Planned;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const json = (body: unknown): Pick<Planned, 'headers' | 'body'> => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const unknownToken = (): string => `Atza|IwEB${randomBytes(300).toString('base64url')}`;

function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

async function runLoad(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '50000' },
      concurrency: { type: 'string', default: '64' },
      'max-seconds': { type: 'string', default: '600' },
    },
  });
  const total = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const maxSeconds = Number(values['max-seconds']);
  if (![total, concurrency, maxSeconds].every((n) => Number.isInteger(n) && n > 0))
    throw new Error('--requests, --concurrency, --max-seconds: positive whole numbers');

  const healthy = await LwaEmulator.start({ maxRecordedRequests: 0 });
  const faulted = {} as Record<FaultName, LwaEmulator>;
  for (const name of FAULT_NAMES) {
    faulted[name] = await LwaEmulator.start({ maxRecordedRequests: 0 });
    faulted[name].fault('both', FAULTS[name].fault);
  }
  const emulators = [healthy, ...Object.values(faulted)];

  // Token pools. The cached pool makes most valid requests cache hits; fresh tokens are cold.
  const mint = (extra: Partial<Parameters<typeof healthy.mintToken>[0]> = {}) =>
    healthy.mintToken({ clientID: CLIENT_ID, ...extra });
  const pooled = cycle(Array.from({ length: 500 }, () => mint()));
  const expired = cycle(
    Array.from({ length: 50 }, () => {
      const t = mint();
      healthy.expire(t);
      return t;
    }),
  );
  const underScoped = cycle(Array.from({ length: 50 }, () => mint({ scopes: [] })));
  const faultTokens = Object.fromEntries(
    FAULT_NAMES.map((n) => [n, cycle(Array.from({ length: 20 }, () => faulted[n].mintToken({ clientID: CLIENT_ID })))]),
  ) as Record<FaultName, () => string>;

  const cases: Case[] = [
    {
      name: 'valid, pooled (mostly cache hits)',
      weight: 30,
      status: 200,
      plan: () => ({ method: 'GET', path: '/ok', headers: bearer(pooled()) }),
    },
    {
      name: 'valid, fresh, in the query',
      weight: 6,
      status: 200,
      plan: () => ({ method: 'GET', path: `/ok?access_token=${encodeURIComponent(mint())}`, headers: {} }),
    },
    {
      name: 'valid, fresh, in the body',
      weight: 5,
      status: 200,
      plan: () => ({ method: 'POST', path: '/ok', ...json({ access_token: mint() }) }),
    },
    {
      name: 'valid, fresh, x-amz-access-token',
      weight: 4,
      status: 200,
      plan: () => ({ method: 'GET', path: '/ok', headers: { 'x-amz-access-token': mint() } }),
    },
    {
      name: 'invalid (never minted)',
      weight: 8,
      status: 401,
      plan: () => ({ method: 'GET', path: '/ok', headers: bearer(unknownToken()) }),
    },
    {
      name: 'expired',
      weight: 3,
      status: 401,
      plan: () => ({ method: 'GET', path: '/ok', headers: bearer(expired()) }),
    },
    {
      name: 'wrong audience (fresh)',
      weight: 6,
      status: 401,
      plan: () => ({ method: 'GET', path: '/ok', headers: bearer(healthy.mintToken({ clientID: OTHER_CLIENT })) }),
    },
    {
      name: 'insufficient scope',
      weight: 3,
      status: 403,
      plan: () => ({ method: 'GET', path: '/ok', headers: bearer(underScoped()) }),
    },
    {
      name: 'malformed: no Atza| prefix',
      weight: 2,
      status: 401,
      plan: () => ({ method: 'GET', path: '/ok', headers: bearer(randomBytes(200).toString('base64url')) }),
    },
    {
      name: 'malformed: over 2048 bytes',
      weight: 2,
      status: 401,
      plan: () => ({ method: 'POST', path: '/ok', ...json({ access_token: `Atza|${'A'.repeat(3000)}` }) }),
    },
    {
      name: 'malformed: control characters',
      weight: 2,
      status: 401,
      plan: () => ({ method: 'POST', path: '/ok', ...json({ access_token: `Atza|a\r\nb\u0000${'c'.repeat(400)}` }) }),
    },
    {
      name: 'malformed: not a string',
      weight: 1,
      status: 400,
      plan: () => ({
        method: 'POST',
        path: '/ok',
        headers: { 'content-type': 'application/json' },
        body: '{"access_token":{"__proto__":{"admin":true}}}',
      }),
    },
    {
      name: 'malformed: empty',
      weight: 1,
      status: 400,
      plan: () => ({ method: 'POST', path: '/ok', ...json({ access_token: '' }) }),
    },
    {
      name: 'token in two places',
      weight: 2,
      status: 400,
      plan: () => {
        const t = pooled();
        return { method: 'GET', path: `/ok?access_token=${encodeURIComponent(t)}`, headers: bearer(t) };
      },
    },
    { name: 'no token', weight: 2, status: 401, plan: () => ({ method: 'GET', path: '/ok', headers: {} }) },
    ...FAULT_NAMES.map<Case>((name) => ({
      name: `upstream fault: ${name}`,
      weight: name === 'hang' ? 1 : name === 'oversized' ? 2 : 3,
      status: FAULTS[name].status,
      code: FAULTS[name].code,
      plan: () => ({ method: 'GET', path: `/${name}`, headers: bearer(faultTokens[name]()) }),
    })),
  ];
  // A fixed interleaving: request i is case schedule[i % schedule.length].
  const schedule = cases.flatMap((c) => Array.from({ length: c.weight }, () => c));
  for (let i = schedule.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1); // deterministic shuffle
    [schedule[i], schedule[j]] = [schedule[j], schedule[i]];
  }

  const upstreams: Record<string, { tokenInfoURL: string; profileURL: string }> = {
    ok: { tokenInfoURL: healthy.tokenInfoURL, profileURL: healthy.profileURL },
  };
  for (const name of FAULT_NAMES)
    upstreams[name] = { tokenInfoURL: faulted[name].tokenInfoURL, profileURL: faulted[name].profileURL };

  const child = fork(__filename, [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, SOAK_ROLE: 'app', SOAK_UPSTREAMS: JSON.stringify(upstreams) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`app exited (${code})`)));
  });
  const ask = (message: AppMessage): Promise<Stats> =>
    new Promise((resolve) => {
      const onMessage = (m: { type: string; stats: Stats }): void => {
        if (m.type !== 'stats') return;
        child.off('message', onMessage);
        resolve(m.stats);
      };
      child.on('message', onMessage);
      child.send(message);
    });

  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const samples: Array<{ done: number; at: number; stats: Stats }> = [];
  const sample = async (done: number, gc = false) =>
    samples.push({ done, at: seconds(), stats: await ask({ type: 'stats', gc }) });
  await sample(0, true);

  const client = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 });
  const tally = new Map<string, Map<string, number>>();
  const byStatus = new Map<number, number>();
  const wrong: string[] = [];
  const failures0: string[] = [];
  let next = 0;
  let done = 0;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
  }, maxSeconds * 1000);
  const step = Math.max(1, Math.floor(total / 20));
  let sampling: Promise<unknown> = Promise.resolve();

  const worker = async (): Promise<void> => {
    while (!timedOut) {
      const i = next++;
      if (i >= total) return;
      const c = schedule[i % schedule.length];
      const planned = c.plan();
      let status = 0;
      let code: string | undefined;
      let challenge: unknown;
      try {
        const res = await client.request({
          method: planned.method,
          path: planned.path,
          headers: planned.headers,
          body: planned.body,
        });
        status = res.statusCode;
        challenge = res.headers['www-authenticate'];
        const text = await res.body.text();
        if (status >= 500) code = (JSON.parse(text) as { code?: string }).code;
      } catch (err) {
        code = `client error: ${(err as Error).message}`;
      }
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const perCase = tally.get(c.name) ?? new Map<string, number>();
      tally.set(c.name, perCase);
      const key = code ? `${status} ${code}` : String(status);
      perCase.set(key, (perCase.get(key) ?? 0) + 1);
      const ok =
        status === c.status &&
        (c.code === undefined || code === c.code) &&
        (status !== 401 || typeof challenge === 'string');
      if (!ok && wrong.length < 20)
        wrong.push(`#${i} ${c.name}: expected ${c.status}${c.code ? ` ${c.code}` : ''}, got ${key}`);
      done++;
      if (done % step === 0) sampling = sampling.then(() => sample(done));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearTimeout(deadline);
  await sampling;
  const elapsed = seconds();
  await client.close();
  await sample(done, true);
  const afterClose = await ask({ type: 'close' });
  if (afterClose.sockets > 8) failures0.push(`${afterClose.sockets} sockets still open after close()`);

  // ---- report
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  const out: string[] = [];
  out.push(
    `soak: ${done.toLocaleString('en-US')} requests at concurrency ${concurrency} in ${elapsed.toFixed(1)} s (${Math.round(done / elapsed).toLocaleString('en-US')}/s), Node ${process.version}`,
  );
  out.push('', 'outcomes by status:');
  for (const [status, n] of [...byStatus].sort((a, b) => a[0] - b[0]))
    out.push(`  ${status}  ${n.toLocaleString('en-US').padStart(7)}`);
  out.push('', 'outcomes by case (expected -> seen):');
  for (const c of cases) {
    const seen = [...(tally.get(c.name) ?? new Map<string, number>())].map(([k, n]) => `${k} x${n}`).join(', ');
    out.push(`  ${c.name.padEnd(36)} ${`${c.status}${c.code ? ` ${c.code}` : ''}`.padEnd(34)} ${seen}`);
  }
  out.push('', 'app process over time (first and last rows taken after a full GC):');
  out.push('  requests   time s   rss MB  heap MB  open sockets');
  for (const s of samples) {
    out.push(
      `  ${s.done.toLocaleString('en-US').padStart(8)} ${s.at.toFixed(1).padStart(8)} ${mb(s.stats.rss).padStart(8)} ${mb(s.stats.heapUsed).padStart(8)} ${String(s.stats.sockets).padStart(13)}`,
    );
  }
  out.push(`  after the load generator disconnected and strategy.close(): ${afterClose.sockets} open sockets`);

  // ---- verdict
  const failures: string[] = [...wrong, ...failures0];
  if (timedOut) failures.push(`stopped at --max-seconds ${maxSeconds} after ${done} requests`);
  if (done !== total) failures.push(`${done} of ${total} requests answered`);
  const last = samples.at(-1)!.stats;
  if (last.unhandledRejections || last.uncaughtExceptions)
    failures.push(
      `app: ${last.unhandledRejections} unhandled rejections, ${last.uncaughtExceptions} uncaught exceptions`,
    );
  // Sockets: the app's clients (<= concurrency), its pools (<= 64 per upstream origin), a few more.
  const socketBound = concurrency + 64 * emulators.length + 8;
  const maxSockets = Math.max(...samples.map((s) => s.stats.sockets));
  if (maxSockets > socketBound) failures.push(`sockets reached ${maxSockets} (bound ${socketBound})`);
  // Memory: after the first tenth (pools, caches and JIT warmed up), RSS may not keep climbing.
  const warm = samples.find((s) => s.done >= total / 10) ?? samples[0];
  const growth = last.rss - warm.stats.rss;
  if (growth > 128 * 1024 * 1024) failures.push(`rss grew ${mb(growth)} MB after warm-up`);
  out.push(
    '',
    `max sockets ${maxSockets} (bound ${socketBound}); rss after warm-up ${mb(warm.stats.rss)} MB -> end ${mb(last.rss)} MB`,
  );
  out.push(
    failures.length
      ? `FAIL\n  ${failures.join('\n  ')}`
      : 'PASS: every answer as predicted, no unhandled rejection, memory and sockets bounded',
  );
  process.stdout.write(`${out.join('\n')}\n`);

  child.disconnect();
  await Promise.all(emulators.map((e) => e.close()));
  process.exitCode = failures.length ? 1 : 0;
}

if (process.env.SOAK_ROLE === 'app') {
  runApp();
} else {
  runLoad().catch((err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
