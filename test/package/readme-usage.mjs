#!/usr/bin/env node
// The README's promise to a newcomer: its install lines alone are enough for its Usage.
//
//   1. builds, then `npm pack`s the package;
//   2. makes a fresh TypeScript project: an ES module ("type": "module") with the tsconfig
//      `tsc --init` writes (strict, `module` nodenext);
//   3. runs the `npm install` lines of the README's "Install" section there, as written, except
//      that `passport-lwa-token` is the tarball (plus `typescript` itself, which a TypeScript
//      project has already);
//   4. type-checks the first TypeScript block of the README's "Usage" section as `usage.ts` with
//      that project's tsconfig, compiles it, and runs it: it must print the 200 it promises.
// The Usage listens on a fixed port; the run swaps in a free one so that CI never collides.
//
// Usage: node test/package/readme-usage.mjs   (KEEP=1 keeps the temporary project and prints where)
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });
const quiet = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** The README section under `## title`, up to the next `## ` heading. */
function section(readme, title) {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The fenced blocks of one language in a piece of Markdown. */
function blocks(markdown, lang) {
  return [...markdown.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]);
}

/** Each `npm install` / `npm i` line of the Install section: its flags and its package names. */
function installLines(readme) {
  const [sh] = blocks(section(readme, 'Install'), 'sh');
  if (!sh) throw new Error('README.md: no ```sh block in "## Install"');
  const lines = sh
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => /^npm (install|i)\b/.test(line))
    .map((line) => line.split(/\s+/).slice(2));
  if (lines.length === 0) throw new Error('README.md: no `npm install` line in "## Install"');
  return lines;
}

/** A TCP port free right now on loopback. */
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** Runs the compiled Usage until it prints its answer; resolves to that, on one line. */
async function runUsage(dir, file) {
  const child = spawn(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    return await new Promise((resolve, reject) => {
      // The Usage keeps serving after it prints `<status> { … }` (over several lines when long).
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const text = stdout.trim();
        if (/^\d{3} \{[\s\S]*\}$/.test(text)) resolve(text.replace(/\s+/g, ' '));
      });
      child.once('exit', (code) => reject(new Error(`the Usage exited (${code}) before printing:\n${stderr}`)));
      setTimeout(() => reject(new Error(`the Usage printed nothing in 30 s:\n${stderr}`)), 30_000).unref();
    });
  } finally {
    child.kill();
  }
}

async function main() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const install = installLines(readme);
  const [usage] = blocks(section(readme, 'Usage'), 'ts');
  if (!usage) throw new Error('README.md: no ```ts block in "## Usage"');
  const listen = /\.listen\((\d+)\)/.exec(usage);
  if (!listen) throw new Error('README.md Usage: no `app.listen(<port>)`');

  const work = mkdtempSync(join(tmpdir(), 'lwa-readme-'));
  try {
    console.log('--- build and pack');
    run(process.execPath, [join(root, 'scripts', 'build.mjs')], root);
    const [packed] = JSON.parse(
      execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
        cwd: root,
        encoding: 'utf8',
      }),
    );
    const tarball = join(work, packed.filename);

    const dir = join(work, 'app');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-app', private: true, type: 'module' }));
    // One `npm install` for every line (faster; --save-dev only picks the package.json field), plus
    // the compiler at the version this repository builds with: the project's own, not the README's.
    const tsVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8'));
    const names = install.flat().filter((a) => !a.startsWith('-'));
    console.log(`--- npm install ${names.join(' ')} (the README's), typescript@${tsVersion.version}`);
    const swapped = names.map((a) => (a === 'passport-lwa-token' ? tarball : a));
    run(npm, ['install', ...quiet, ...swapped, `typescript@${tsVersion.version}`], dir);
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '--init'], dir);

    const port = String(await freePort());
    const source = usage
      .replaceAll(`listen(${listen[1]})`, `listen(${port})`)
      .replaceAll(`:${listen[1]}/`, `:${port}/`);
    writeFileSync(join(dir, 'usage.ts'), source);
    console.log("--- tsc (the fresh project's tsconfig, strict) on the README's Usage");
    run(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', 'out', '--rootDir', '.'], dir);
    const line = await runUsage(dir, join('out', 'usage.js'));
    console.log(`the Usage printed: ${line}`);
    if (!/^200 \{/.test(line) || !line.includes("'Ann'")) throw new Error(`the Usage printed: ${line}`);
    console.log('README install lines + Usage: ok');
  } finally {
    if (process.env.KEEP) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
