#!/usr/bin/env node
// `npm run check:docs`: every TypeScript block of the documentation type-checks against the built
// package (run `npm run build` first). Three programs, in .tmp/docs-check/:
//
//   1. docs: each ```ts / ```typescript block of README.md, SECURITY.md and docs/*.md becomes its own
//      ES module (or, when its first line names a file, `// src/app.module.ts`, that file beside its
//      page's other named blocks, which it may import), compiled with the options `tsc --init`
//      writes (INIT_DEFAULTS: exactOptionalPropertyTypes, noUncheckedIndexedAccess…), importing
//      `passport-lwa-token` and `passport-lwa-token/testing` from dist/ (through a symlink of this
//      repository in the scratch project's node_modules), and anything else (express, passport,
//      their @types) from this repository's node_modules. Names a snippet leaves to the reader
//      (`app`, `users`, `verify`, `logger`…) are declared by PRELUDE below, with real types. A
//      failing block is reported as file:line of the Markdown.
//   2. types: test/types/auth-info.test-d.ts (`req.authInfo.tokenInfo` typed without a cast) and
//      authenticate-options.test-d.ts (`optional` inline), against dist/ as ESM and as CommonJS.
//   3. bare: a consumer with neither @types/express nor @types/passport: the package's types (and
//      their augmentation of Passport's `Express.AuthInfo`) must compile without them.
//
// Other blocks (sh, json, html, diff, text) are not checked. A TypeScript block that cannot compile
// must be fixed, not relabelled.
//
// Usage: node scripts/check-docs.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.tmp', 'docs-check');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const TS_LANGUAGES = new Set(['ts', 'typescript']);

/**
 * The options `tsc --init` writes, identical in TypeScript 5.9.3, 6.0.3 and 7.0.2 (the versions the
 * package supports): a newcomer's project. `types: []` there; the blocks get @types/node, which any
 * Node project adds. Output options (declaration, sourceMap, jsx) do not change what type-checks.
 */
const INIT_DEFAULTS = {
  module: 'nodenext',
  target: 'esnext',
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noUncheckedSideEffectImports: true,
  moduleDetection: 'force',
  skipLibCheck: true,
};

/** Names the snippets use without declaring them: what an app around the snippet would provide. */
const PRELUDE = `// Declared for the documentation's snippets (scripts/check-docs.mjs): what the app around a snippet provides.
type AmazonProfile = import('passport-lwa-token').AmazonProfile;

/** The app's user, as its verify function returns it. */
interface User {
  id: string;
  name?: string | undefined;
}

/** The app's user store. */
declare class UsersService {
  findOrLinkAmazon(amazonId: string, profile: AmazonProfile): Promise<User | undefined>;
  link(user: Express.User, profile: AmazonProfile): Promise<User>;
}

/** A structured logger (pino's call shapes). */
interface Logger {
  info(fields: object, message?: string): void;
  info(message: string): void;
  warn(fields: object, message?: string): void;
  warn(message: string): void;
  error(fields: object, message?: string): void;
  error(message: string): void;
}

/** A metrics client (StatsD's call shapes). */
interface Metrics {
  increment(name: string): void;
  timing(name: string, milliseconds: number): void;
}

declare const clientID: string;
declare const verify: import('passport-lwa-token').VerifyFunction<User>;
declare const users: UsersService;
declare const app: import('express').Express;
declare const logger: Logger;
declare const log: Logger;
declare const metrics: Metrics;
/** Checks an Alexa request's signature and timestamp (ask-sdk-express-adapter's verifiers). */
declare const verifyAlexaRequest: import('express').RequestHandler;
/** The skill's own logic: an Alexa response for a linked customer. */
declare function handleIntent(envelope: unknown, user: Express.User): object;
`;

/** The Markdown files whose TypeScript blocks are checked. */
function markdownFiles() {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ['README.md', 'SECURITY.md', ...docs].filter((file) => existsSync(join(root, file)));
}

/** Fenced code blocks of one Markdown file: `{ lang, line, code }`, `line` being the first code line's. */
function codeBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, fence, lang] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j])) {
      body.push(lines[j]);
      j++;
    }
    blocks.push({ lang: lang.toLowerCase(), line: i + 2, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

const write = (file, text) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};

/** A scratch project in `dir`: `passport-lwa-token` resolves to this repository, so to dist/. */
function scratchProject(dir, compilerOptions, include) {
  write(join(dir, 'package.json'), JSON.stringify({ name: 'docs-check', private: true, type: 'module' }, null, 2));
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'passport-lwa-token'), 'dir');
  const base = {
    strict: true,
    target: 'es2022',
    lib: ['es2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    esModuleInterop: true,
    forceConsistentCasingInFileNames: true,
    noEmit: true,
  };
  write(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, include }, null, 2),
  );
}

/** Runs tsc on a project: its diagnostics (none when it compiled), one string per error, and its output. */
function typecheck(dir, extraArgs = []) {
  let out;
  let status = 0;
  try {
    out = execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false', ...extraArgs], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    status = err.status ?? 1;
  }
  const errors = [];
  for (const line of out.split('\n')) {
    if (/(^|: )error TS\d+:/.test(line)) errors.push(line);
    else if (/^\s/.test(line) && errors.length > 0) errors[errors.length - 1] += `\n${line}`;
  }
  if (status !== 0 && errors.length === 0) errors.push(`tsc exited with ${status}:\n${out}`);
  return { errors, out };
}

function main() {
  for (const built of ['dist/cjs/index.d.ts', 'dist/esm/index.d.mts', 'dist/esm/testing/index.d.mts']) {
    if (!existsSync(join(root, built))) {
      console.error(`check-docs: ${built} is missing: run \`npm run build\` first`);
      process.exit(2);
    }
  }
  rmSync(work, { recursive: true, force: true });
  let failed = false;

  // 1. The documentation's blocks.
  const docs = join(work, 'docs');
  const origin = new Map(); // scratch file -> { file, line }
  let count = 0;
  const files = markdownFiles();
  for (const file of files) {
    for (const block of codeBlocks(readFileSync(join(root, file), 'utf8'))) {
      if (!TS_LANGUAGES.has(block.lang)) continue;
      // A block that opens with its file's name (`// src/app.module.ts`) is that file, in a folder of
      // its page's, so that the page's blocks can import one another as an app's files do.
      const path = /^\/\/ ([\w./-]+\.ts)\s*$/.exec(block.code.split('\n', 1)[0])?.[1];
      const name = path
        ? `pages/${file.replace(/[/.]/g, '_')}/${path}`
        : `blocks/${file.replace(/[/.]/g, '_')}_L${block.line}.ts`;
      // Each block is a module of its own (`export {}`), so that blocks never see each other's names.
      write(join(docs, name), `${block.code}\nexport {};\n`);
      origin.set(name, { file, line: block.line });
      count++;
    }
  }
  write(join(docs, 'prelude.d.ts'), PRELUDE);
  // Nest's decorators are the legacy ones, as in every Nest app's tsconfig.
  scratchProject(docs, { ...INIT_DEFAULTS, lib: undefined, experimentalDecorators: true, types: ['node'] }, [
    'prelude.d.ts',
    'blocks',
    'pages',
  ]);
  const docResult = typecheck(docs);
  for (const error of docResult.errors) {
    failed = true;
    const at = /^((?:blocks|pages)\/[^(]+)\((\d+),(\d+)\): ([\s\S]*)$/.exec(error);
    const source = at && origin.get(at[1]);
    if (source) console.error(`${source.file}:${source.line + Number(at[2]) - 1}:${at[3]}: ${at[4]}`);
    else console.error(`.tmp/docs-check/docs/${error}`);
  }
  console.log(
    `docs: ${count} TypeScript blocks in ${files.length} files: ${docResult.errors.length ? 'FAILED' : 'ok'}`,
  );

  // 2. The type tests, against the build, as an ES module and as CommonJS.
  const types = join(work, 'types');
  const typeFiles = [];
  for (const name of ['auth-info', 'authenticate-options']) {
    const testSource = readFileSync(join(root, 'test', 'types', `${name}.test-d.ts`), 'utf8')
      .replace(/from '(?:\.\.\/)+lib\/adapters\/nestjs(?:\/index)?'/g, "from 'passport-lwa-token/nestjs'")
      .replace(/from '(?:\.\.\/)+lib\/adapters\/fastify(?:\/index)?'/g, "from 'passport-lwa-token/fastify'")
      .replace(/from '(?:\.\.\/)+lib(?:\/index)?(?:\.js)?'/g, "from 'passport-lwa-token'");
    for (const ext of ['ts', 'cts']) {
      write(join(types, `${name}.${ext}`), testSource);
      typeFiles.push(`${name}.${ext}`);
    }
  }
  scratchProject(types, { skipLibCheck: true, types: ['node'] }, typeFiles);
  const typeResult = typecheck(types);
  for (const error of typeResult.errors) console.error(`.tmp/docs-check/types/${error}`);
  failed ||= typeResult.errors.length > 0;
  console.log(
    `types: test/types/auth-info and authenticate-options against dist/ (ESM and CommonJS): ${typeResult.errors.length ? 'FAILED' : 'ok'}`,
  );

  // 3. A consumer without @types/express and @types/passport: only @types/node, our .d.ts checked too.
  const bare = join(work, 'bare');
  const bareSource = `import { Strategy, type AmazonAuthInfo, type TokenInfo } from 'passport-lwa-token';
import { LwaEmulator } from 'passport-lwa-token/testing';

const emulator: Promise<LwaEmulator> = LwaEmulator.start();
const strategy = new Strategy({ clientID: 'amzn1.application-oa2-client.test' }, async (_token, profile) => profile.id);
const info: Express.AuthInfo = {};
const tokenInfo: TokenInfo | undefined = info.tokenInfo;
export const all: [unknown, unknown, AmazonAuthInfo | undefined, TokenInfo | undefined] = [emulator, strategy, undefined, tokenInfo];
`;
  write(join(bare, 'consumer.ts'), bareSource);
  write(join(bare, 'consumer-cjs.cts'), bareSource.replace('export const all', 'export const allCjs'));
  scratchProject(bare, { types: ['node'], skipLibCheck: false }, ['consumer.ts', 'consumer-cjs.cts']);
  const bareResult = typecheck(bare, ['--listFiles']);
  const ownErrors = bareResult.errors;
  const pulledIn = bareResult.out
    .split('\n')
    .filter((line) => /node_modules\/@types\/(express|express-serve-static-core|passport)\//.test(line));
  for (const error of ownErrors) console.error(`.tmp/docs-check/bare/${error}`);
  for (const file of pulledIn) console.error(`bare: the package's types pulled in ${relative(root, file)}`);
  const bareFailed = ownErrors.length > 0 || pulledIn.length > 0;
  failed ||= bareFailed;
  console.log(`bare: a consumer without @types/express or @types/passport: ${bareFailed ? 'FAILED' : 'ok'}`);

  if (failed) process.exit(1);
}

main();
