/**
 * The NestJS recipe of docs/frameworks.md is a complete app and its test: the section's blocks that
 * open with a file name (`// src/app.module.ts`, `// test/app.test.ts`), with `nest new`'s
 * `src/main.ts` (MAIN, below, which also prints where it listens), compiled by tsc with `emitDecoratorMetadata` and without it. Each build must start (configured through
 * `ConfigService` from the environment: the emulator's URLs) and answer, and the recipe's own test
 * (Nest's testing module, `ConfigService` overridden) must pass under `node --test`. Without the
 * metadata, dependency injection into the strategy subclass rests on the recipe's `@Inject(…)`: a
 * valid token would otherwise be a 500 while refusals still answered.
 *
 * The blocks are taken from the Markdown as they are, but for their `passport-lwa-token` imports,
 * which point at lib/ (compiled along, so no build of dist/ is needed). Compiled as CommonJS under
 * `module` node20 (Nest 12, ESM-only, through `require(esm)`, as the library loads it) into .tmp/,
 * and run by plain Node in child processes: Jest cannot load NestJS 12 itself (see
 * nestjs-entry.test.ts).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { LwaEmulator } from '../../lib/testing';
import { CLIENT_ID, useEmulator } from '../support/fixture';

const root = join(__dirname, '..', '..');
const work = join(root, '.tmp', 'nestjs-recipe');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const lwa = useEmulator();
let emu: LwaEmulator;
beforeAll(() => {
  emu = lwa.emu;
});

/** `nest new`'s entry point, printing its URL so that the test knows where to call. */
const MAIN = `import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  await app.listen(process.env.PORT ?? 3000);
  console.log(\`listening on \${await app.getUrl()}\`);
}
void bootstrap();
`;

/** The recipe: the NestJS section's TypeScript blocks that name their file, by that name, and MAIN. */
function recipe(): Map<string, string> {
  const markdown = readFileSync(join(root, 'docs', 'frameworks.md'), 'utf8');
  const section = markdown.slice(
    markdown.indexOf('## NestJS'),
    markdown.indexOf('\n## ', markdown.indexOf('## NestJS')),
  );
  const files = new Map<string, string>();
  for (const [, name, code] of section.matchAll(/^```ts\n\/\/ (\S+\.ts)\n([\s\S]*?)^```$/gm)) files.set(name, code);
  expect([...files.keys()]).toEqual(['src/app.module.ts', 'test/app.test.ts']);
  return files.set('src/main.ts', MAIN);
}

/** The emitted app and test of one variant's build. */
interface Built {
  readonly main: string;
  readonly test: string;
}

/** Writes the recipe's files for one variant and compiles them; resolves to the emitted entries. */
async function build(variant: Variant): Promise<Built> {
  const dir = join(work, variant);
  rmSync(dir, { recursive: true, force: true });
  const files = recipe();
  for (const [name, source] of files) {
    const file = join(dir, name);
    const lib = (entry: string) =>
      relative(dirname(file), join(root, 'lib', entry))
        .split('\\')
        .join('/');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      source
        .replace("from 'passport-lwa-token/nestjs'", `from '${lib('adapters/nestjs/index')}'`)
        .replace("from 'passport-lwa-token/testing'", `from '${lib('testing/index')}'`)
        .replace("from 'passport-lwa-token'", `from '${lib('index')}'`),
    );
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'node20',
        moduleResolution: 'node16',
        lib: ['ES2023', 'DOM'],
        types: ['node'],
        strict: true,
        esModuleInterop: true,
        skipLibCheck: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: variant === 'metadata',
        // Type-checked once, in the metadata build: the other only needs tsc's emit (faster).
        noCheck: variant === 'no-metadata',
        rootDir: root,
        outDir: join(dir, 'out'),
      },
      files: [...files.keys()],
    }),
  );
  // The recipe must type-check; lib/ is checked by its own typecheck, so only its files count here.
  const output = await promisify(execFile)(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], {
    cwd: root,
  }).then(
    (r) => r.stdout,
    (err: Error & { stdout?: string }) => err.stdout ?? err.message,
  );
  const recipeErrors = output.split('\n').filter((line) => line.startsWith(relative(root, dir)));
  expect(recipeErrors).toEqual([]);
  const out = join(dir, 'out', relative(root, dir));
  return { main: join(out, 'src', 'main.js'), test: join(out, 'test', 'app.test.js') };
}

/** Starts the compiled app; resolves to its base URL once it says where it listens. */
function start(entry: string): { child: ChildProcess; base: Promise<string> } {
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      AMAZON_CLIENT_ID: CLIENT_ID,
      LWA_TOKENINFO_URL: emu.tokenInfoURL,
      LWA_PROFILE_URL: emu.profileURL,
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /listening on http:\/\/\S+:(\d+)/.exec(stdout)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.once('exit', (code) => reject(new Error(`the recipe exited (${code}) before listening:\n${stderr}`)));
  });
  return { child, base };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill();
  await exited;
}

type Variant = 'metadata' | 'no-metadata';
const VARIANTS: readonly Variant[] = ['metadata', 'no-metadata'];
// Both builds at once: tsc spends most of its time waiting on the type-check of lib/ and Nest.
let builds: Record<Variant, Promise<Built>>;
beforeAll(() => {
  builds = { metadata: build('metadata'), 'no-metadata': build('no-metadata') };
  // Each is awaited by its own describe; this only keeps a failure from being reported as unhandled.
  for (const variant of VARIANTS) builds[variant].catch(() => undefined);
});

describe.each(VARIANTS)('the NestJS recipe compiled with %s', (variant) => {
  let child: ChildProcess | undefined;
  let base: string;
  beforeAll(async () => {
    const started = start((await builds[variant]).main);
    child = started.child;
    base = await started.base;
  }, 120_000);
  afterAll(() => stop(child));

  test('a valid token: 200, the user validate() returns', async () => {
    const token = emu.mintToken({ clientID: CLIENT_ID, userID: 'amzn1.account.RECIPE', name: 'Ann' });
    const res = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      user: { id: 'amzn1.account.RECIPE', name: 'Ann' },
      secondsLeft: expect.any(Number),
    });
  });

  test("another app's token: 401 invalid_token", async () => {
    const token = emu.mintToken({ clientID: `${CLIENT_ID}.other` });
    const res = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="Users", error="invalid_token"/);
  });

  test('no token: 401', async () => {
    const res = await fetch(`${base}/api/me`);
    expect(res.status).toBe(401);
  });

  test("the recipe's own test passes (node --test): Nest's testing module against its emulator", async () => {
    const { test: file } = await builds[variant];
    const run = await promisify(execFile)(process.execPath, ['--test', '--test-reporter=tap', file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    }).then(
      (r) => ({ code: 0, output: r.stdout }),
      (err: Error & { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? 1,
        output: `${err.stdout ?? ''}${err.stderr ?? err.message}`,
      }),
    );
    expect(run).toEqual({ code: 0, output: expect.stringMatching(/^# pass 1$/m) });
  }, 60_000);
});
