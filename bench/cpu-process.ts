/**
 * The CPU measurement (cpu.ts) in a process of its own, run by bench/as-built.cjs so the library
 * runs as built. Takes the options as JSON in its first argument; prints the result as JSON on
 * stdout, each round on stderr.
 */
import { measureCpu, type CpuOptions } from './cpu';

const options = JSON.parse(process.argv[2] ?? '{}') as CpuOptions;
measureCpu(options, (line) => process.stderr.write(`${line}\n`)).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
