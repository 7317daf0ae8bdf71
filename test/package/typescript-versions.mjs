#!/usr/bin/env node
// The TypeScript versions a consumer can compile the package's types with: 5.9, 6 and 7 (the
// native compiler, published as `typescript@7`). Each compiles test/types/consumer.test-d.ts,
// auth-info.test-d.ts and authenticate-options.test-d.ts against the built declarations (run
// `npm run build` first), their imports renamed to the package's entries, as an ES module and as
// CommonJS (`module` nodenext), strict, with `skipLibCheck` off: an error in the package's
// declarations fails, one in another package's (@types/node, NestJS…) is only counted.
//
// The compilers come from the registry through `npm exec`, outside this project (its own
// TypeScript is one of them, but is not what a consumer has).
//
// Usage: node test/package/typescript-versions.mjs [5.9 6 7]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const versions = process.argv.length > 2 ? process.argv.slice(2) : ['5.9', '6', '7'];
// Inside the repository, so that express, passport and their @types resolve from its node_modules.
const work = join(root, '.tmp', 'typescript-versions');
// npm exec runs from here: outside the project, so that its own TypeScript is not picked instead.
const outside = mkdtempSync(join(tmpdir(), 'lwa-tsc-'));

/** Rewrites a type test's relative imports of lib/ to the package's entries. */
const asConsumer = (source) =>
  source
    .replace(/from '(?:\.\.\/)+lib\/adapters\/nestjs(?:\/index)?'/g, "from 'passport-lwa-token/nestjs'")
    .replace(/from '(?:\.\.\/)+lib\/adapters\/fastify(?:\/index)?'/g, "from 'passport-lwa-token/fastify'")
    .replace(/from '(?:\.\.\/)+lib\/testing(?:\/index)?'/g, "from 'passport-lwa-token/testing'")
    .replace(/from '(?:\.\.\/)+lib(?:\/index)?(?:\.js)?'/g, "from 'passport-lwa-token'");

const tsc = (version, args) =>
  execFileSync(npm, ['exec', '--yes', '--package', `typescript@${version}`, '--', 'tsc', ...args], {
    cwd: outside,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

function main() {
  if (!existsSync(join(root, 'dist', 'esm', 'index.d.mts'))) {
    console.error('typescript-versions: dist/ is missing: run `npm run build` first');
    process.exit(2);
  }
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'node_modules'), { recursive: true });
  symlinkSync(root, join(work, 'node_modules', 'passport-lwa-token'), 'dir');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'ts-versions', private: true, type: 'module' }));
  const files = [];
  for (const name of ['consumer', 'auth-info', 'authenticate-options']) {
    const source = asConsumer(readFileSync(join(root, 'test', 'types', `${name}.test-d.ts`), 'utf8'));
    for (const ext of ['ts', 'cts']) {
      writeFileSync(join(work, `${name}.${ext}`), source);
      files.push(`${name}.${ext}`);
    }
  }
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'es2022',
        lib: ['es2023', 'dom'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        esModuleInterop: true,
        // Declarations are checked too; only errors in the package's own or in the consumer fail.
        skipLibCheck: false,
        noEmit: true,
      },
      files,
    }),
  );

  let failed = false;
  try {
    for (const version of versions) {
      const actual = tsc(version, ['--version']).trim();
      let output = '';
      try {
        output = tsc(version, ['-p', join(work, 'tsconfig.json'), '--pretty', 'false']);
      } catch (err) {
        output = `${err.stdout ?? ''}${err.stderr ?? ''}` || String(err);
      }
      const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
      // Another package's declarations (@types/node, Nest…) failing under a compiler is theirs.
      const foreign = errors.filter((line) => /node_modules\/(?!passport-lwa-token\/)/.test(line.split('(')[0]));
      const ours = errors.filter((line) => !foreign.includes(line));
      // No diagnostic but "error" in the output: the compiler itself failed (a bad option, say).
      const broken = ours.length > 0 || (errors.length === 0 && /error/i.test(output));
      if (broken) console.error(ours.length > 0 ? ours.join('\n') : output);
      failed ||= broken;
      const note = foreign.length > 0 ? ` (${foreign.length} errors in other packages' declarations)` : '';
      const result = `${broken ? 'FAILED' : 'ok'}${note}`;
      console.log(`typescript@${version} (${actual}): ${result}`);
    }
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
}

main();
