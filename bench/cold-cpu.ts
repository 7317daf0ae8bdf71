/**
 * CPU per cold verification: what one new token costs the verifying process (both calls to
 * Amazon, their parsing and checks, the cache's bookkeeping), measured with `process.cpuUsage()`
 * over thousands of distinct tokens. The emulator runs in a process of its own, so its CPU is not
 * counted. A burst of N new tokens costs about N times this of one core before the last one can be
 * answered: the figure bounds how far past `timeout` a burst can push an answer
 * (docs/failure-behaviour.md, "The margin").
 *
 * `npx tsx bench/cold-cpu.ts [--count 4000] [--concurrency 32]`
 */
import { cpus } from 'node:os';
import { LwaVerifier } from '../lib';
import { Helper } from './ipc';

const CLIENT_ID = 'amzn1.application-oa2-client.bench';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

/** Verifies every token, `concurrency` at a time; throws on anything but a success. */
async function verifyAll(verifier: LwaVerifier, tokens: readonly string[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const result = await verifier.verify(tokens[next++]);
      if (!result.ok) throw new Error(`unexpected refusal: ${result.reason}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** CPU milliseconds (user + system) this process spent in `run`, and the wall time it took. */
async function measure(run: () => Promise<void>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started };
}

async function main(): Promise<void> {
  const count = flag('count', 4000);
  const concurrency = flag('concurrency', 32);
  const rounds = flag('rounds', 3);
  const emu = Helper.start('emulator-process.ts');
  try {
    const urls = await emu.call<{ tokenInfoURL: string; profileURL: string }>('start', { latencyMs: 0 });
    const verifier = new LwaVerifier({ clientID: CLIENT_ID, ...urls, circuitBreaker: false });
    try {
      // Warm-up: JIT, the pool's connections, the cache's structures.
      await verifyAll(verifier, await emu.call<string[]>('mint', { count: 500, clientID: CLIENT_ID }), concurrency);
      const perVerification: number[] = [];
      for (let round = 0; round < rounds; round += 1) {
        const tokens = await emu.call<string[]>('mint', { count, clientID: CLIENT_ID });
        const { cpuMs, wallMs } = await measure(() => verifyAll(verifier, tokens, concurrency));
        perVerification.push(cpuMs / count);
        console.log(
          `round ${round + 1}: ${count} cold verifications, ${concurrency} at a time: ` +
            `${cpuMs.toFixed(0)} ms CPU in ${wallMs.toFixed(0)} ms, ${(cpuMs / count).toFixed(3)} ms CPU each`,
        );
      }
      perVerification.sort((a, b) => a - b);
      const median = perVerification[Math.floor(perVerification.length / 2)];
      console.log(
        `cold verification: ${median.toFixed(3)} ms CPU (median of ${rounds} rounds; ${cpus()[0]?.model ?? 'CPU'}, ` +
          `Node ${process.version})`,
      );
    } finally {
      await verifier.close();
    }
  } finally {
    await emu.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
