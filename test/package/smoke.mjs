#!/usr/bin/env node
// Consumer smoke test: the package as npm would publish it, installed into fresh projects.
//
//   1. builds, then `npm pack`s; the tarball must hold only dist/, docs/*.md, README, LICENSE,
//      CHANGELOG, SECURITY;
//   2. a JavaScript project installs the tarball and runs a CommonJS and an ES module script;
//   3. a TypeScript project ("type": "module") installs it, type-checks and compiles the same app
//      under `moduleResolution` node16 (an .ts ES module and a .cts CommonJS file) and bundler,
//      and runs what tsc emitted;
//   4. a NestJS project does the same with `passport-lwa-token/nestjs` (decorators as Nest apps
//      write them), with NestJS 12 and then NestJS 11 (the registry's newest 11.x), and loads
//      `passport-lwa-token/fastify` without Fastify installed.
// The first three have no @nestjs package installed (the peer dependencies are optional): the main
// entry must load and type-check without them.
// Each app is Express + Passport + the strategy, pointed at the emulator from
// `passport-lwa-token/testing`: a minted token must get 200 with the profile's id, a token for
// another client 401 with the invalid_token challenge. The JavaScript apps also start the emulator's
// sign-in flow, whose browser SDK stand-in is a file read at run time: it must be in the tarball.
//
// Usage: node test/package/smoke.mjs   (KEEP=1 keeps the temporary projects and prints where)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const started = Date.now();
const step = (what) => console.log(`\n--- ${what} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });
const write = (dir, files) => {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
};
// The consumers' dependencies at the versions this repository tests with, so that npm can take
// them from the cache `npm ci` just filled.
const version = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const install = (dir, tarball, deps) =>
  run(
    npm,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      tarball,
      ...deps.map((d) => `${d}@${version(d)}`),
    ],
    dir,
  );

/** Type-checks and compiles the NestJS consumer, then runs what tsc emitted. */
function checkNest(dir) {
  rmSync(join(dir, 'out'), { recursive: true, force: true });
  const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const config of ['tsconfig.node20.json', 'tsconfig.node16.json', 'tsconfig.bundler.json'])
    run(process.execPath, [tsc, '-p', config], dir);
  for (const app of ['out/node20/app.js', 'out/node20/legacy.cjs', 'out/bundler/app.js'])
    run(process.execPath, [app], dir);
}

/** The optional peer dependencies must not have been installed along with the package. */
function withoutNest(dir) {
  if (existsSync(join(dir, 'node_modules', '@nestjs')))
    throw new Error(`${dir}: @nestjs was installed, but its peer dependencies are optional`);
}

function main() {
  const work = mkdtempSync(join(tmpdir(), 'lwa-consumer-'));
  try {
    step('build and pack');
    run(process.execPath, [join(root, 'scripts', 'build.mjs')], root);
    const [packed] = JSON.parse(
      execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
        cwd: root,
        encoding: 'utf8',
      }),
    );
    const shipped = packed.files.map((f) => f.path);
    // The docs ship too: npm shows the README, whose links into docs/ must also work offline.
    const stray = shipped.filter(
      (p) =>
        !p.startsWith('dist/') &&
        !/^docs\/[\w-]+\.md$/.test(p) &&
        !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md'].includes(p),
    );
    const missing = [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'SECURITY.md',
      'docs/design.md',
      'docs/testing.md',
      'dist/cjs/cjs-entry.js',
      'dist/esm/index.mjs',
      'dist/esm/testing/index.mjs',
      'dist/cjs/testing/browser-sdk.js',
      'dist/esm/adapters/nestjs/index.mjs',
      'dist/esm/adapters/fastify/index.mjs',
    ].filter((p) => !shipped.includes(p));
    if (stray.length || missing.length)
      throw new Error(`tarball contents: stray ${stray.join(', ') || '-'}; missing ${missing.join(', ') || '-'}`);
    console.log(`${packed.filename}: ${shipped.length} files, ${(packed.size / 1024).toFixed(1)} KiB packed`);
    const tarball = join(work, packed.filename);

    step('JavaScript consumer: CommonJS and ES module scripts');
    const js = join(work, 'js');
    write(js, { 'package.json': JSON.stringify({ name: 'consumer-js', private: true }), ...JS_FILES });
    install(js, tarball, ['express', 'passport']);
    withoutNest(js);
    run(process.execPath, ['app.cjs'], js);
    run(process.execPath, ['app.mjs'], js);

    step('TypeScript consumer: moduleResolution node16 (ESM + CJS) and bundler');
    const ts = join(work, 'ts');
    write(ts, { 'package.json': JSON.stringify({ name: 'consumer-ts', private: true, type: 'module' }), ...TS_FILES });
    install(ts, tarball, ['express', 'passport', 'typescript', '@types/express', '@types/passport', '@types/node']);
    withoutNest(ts);
    const tsc = join(ts, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.node16.json'], ts);
    run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], ts);
    run(process.execPath, ['out/node16/app.js'], ts);
    run(process.execPath, ['out/node16/legacy.cjs'], ts);
    run(process.execPath, ['out/bundler/app.js'], ts);

    step('NestJS consumer: passport-lwa-token/nestjs from ESM and CommonJS; node20, node16 and bundler');
    const nest = join(work, 'nest');
    write(nest, {
      'package.json': JSON.stringify({ name: 'consumer-nest', private: true, type: 'module' }),
      ...NEST_FILES,
    });
    install(nest, tarball, [
      ...NEST_PACKAGES,
      'passport',
      'reflect-metadata',
      'rxjs',
      'typescript',
      '@types/express',
      '@types/passport',
      '@types/node',
    ]);
    checkNest(nest);
    run(process.execPath, ['fastify-entry.mjs'], nest);

    // The peer range includes NestJS 11 (CommonJS): the same app with it, from the registry.
    step('NestJS 11 consumer: the same app, NestJS 11 from the registry');
    run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...NEST_PACKAGES.map((p) => `${p}@11`)], nest);
    checkNest(nest);

    step('consumer smoke test passed');
  } finally {
    if (process.env.KEEP) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

// The apps. Each prints one line and exits non-zero on any mismatch.
const CHECK_JS = `
  const signIn = await LwaEmulator.start({ customers: [{ name: 'Ann', email: 'ann@example.com' }] });
  try {
    const sdk = await fetch(signIn.sdkURL);
    assert.equal(sdk.status, 200);
    assert.match(await sdk.text(), /window\\.amazon\\.Login = /);
  } finally {
    await signIn.close();
  }
  const clientID = 'amzn1.application-oa2-client.consumer';
  const emu = await LwaEmulator.start();
  const passport = new Passport();
  passport.use(new Strategy({ clientID: clientID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL },
    async (_accessToken, profile) => ({ id: profile.id })));
  const app = express();
  app.get('/me', passport.authenticate('amazon-token', { session: false }), (req, res) => { res.json(req.user); });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = 'http://127.0.0.1:' + server.address().port + '/me';
  try {
    const good = await fetch(url, { headers: { authorization: 'Bearer ' + emu.mintToken({ clientID, userID: 'amzn1.account.CONSUMER' }) } });
    assert.equal(good.status, 200);
    assert.deepEqual(await good.json(), { id: 'amzn1.account.CONSUMER' });
    const other = await fetch(url, { headers: { authorization: 'Bearer ' + emu.mintToken({ clientID: clientID + '.other' }) } });
    assert.equal(other.status, 401);
    assert.match(other.headers.get('www-authenticate'), /^Bearer realm="Users", error="invalid_token"/);
  } finally {
    server.close();
    await emu.close();
  }
`;

const JS_FILES = {
  'app.cjs': `'use strict';
const assert = require('node:assert/strict');
const express = require('express');
const { Passport } = require('passport');
const Strategy = require('passport-lwa-token');
const { LwaEmulator } = require('passport-lwa-token/testing');

(async () => {
  // Passport convention: the module is the Strategy class, and carries every named export.
  assert.equal(typeof Strategy, 'function');
  assert.equal(Strategy.Strategy, Strategy);
  assert.equal(typeof Strategy.LwaError, 'function');
  assert.equal(require('passport-lwa-token/package.json').name, 'passport-lwa-token');
${CHECK_JS}
  console.log('CommonJS consumer: ok');
})().catch((err) => { console.error(err); process.exit(1); });
`,
  'app.mjs': `import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import express from 'express';
import { Passport } from 'passport';
import { LwaError, LwaUpstreamError, Strategy } from 'passport-lwa-token';
import { LwaEmulator } from 'passport-lwa-token/testing';

// One implementation behind both entries: the classes are the very same objects.
const cjs = createRequire(import.meta.url)('passport-lwa-token');
assert.equal(Strategy, cjs.Strategy);
assert.equal(LwaError, cjs.LwaError);
assert.ok(LwaUpstreamError.prototype instanceof LwaError);
${CHECK_JS}
console.log('ES module consumer: ok');
`,
};

const CHECK_TS = `
const clientID = 'amzn1.application-oa2-client.consumer';
const emu = await LwaEmulator.start();
const verify: VerifyFunction<User> = async (_accessToken, profile: AmazonProfile) => ({ id: profile.id });
const options: StrategyOptions = { clientID: clientID, tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL };
const passport = new Passport();
passport.use(new Strategy<User>(options, verify));
const app = express();
app.get('/me', passport.authenticate('amazon-token', { session: false }), (req, res) => {
  res.json(req.user);
});
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = \`http://127.0.0.1:\${(server.address() as AddressInfo).port}/me\`;
try {
  const good = await fetch(url, { headers: { authorization: \`Bearer \${emu.mintToken({ clientID, userID: 'amzn1.account.CONSUMER' })}\` } });
  assert.equal(good.status, 200);
  assert.deepEqual(await good.json(), { id: 'amzn1.account.CONSUMER' });
  const other = await fetch(url, { headers: { authorization: \`Bearer \${emu.mintToken({ clientID: \`\${clientID}.other\` })}\` } });
  assert.equal(other.status, 401);
  assert.match(other.headers.get('www-authenticate') ?? '', /^Bearer realm="Users", error="invalid_token"/);
  const err: unknown = new Error('not ours');
  assert.equal(err instanceof LwaError, false);
} finally {
  server.close();
  await emu.close();
}
`;

const TS_IMPORTS = `import { Passport } from 'passport';
import { LwaError, Strategy, type AmazonProfile, type StrategyOptions, type VerifyFunction } from 'passport-lwa-token';
import { LwaEmulator } from 'passport-lwa-token/testing';

interface User {
  id: string;
}
`;

const TS_FILES = {
  // An ES module (the project is "type": "module"): resolves the "import" condition.
  'app.ts': `import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
${TS_IMPORTS}${CHECK_TS}
console.log(\`TypeScript consumer (\${import.meta.url.includes('/bundler/') ? 'bundler' : 'node16, ESM'}): ok\`);
`,
  // A CommonJS file in the same project: resolves the "require" condition and its types.
  'legacy.cts': `import assert = require('node:assert/strict');
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express = require('express');
${TS_IMPORTS}
async function main(): Promise<void> {${CHECK_TS.replace(/\n/g, '\n  ')}}
main().then(
  () => console.log('TypeScript consumer (node16, CommonJS): ok'),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
`,
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      types: ['node'],
      strict: true,
      esModuleInterop: true,
      skipLibCheck: false,
      noEmitOnError: true,
    },
  }),
  'tsconfig.node16.json': JSON.stringify({
    extends: './tsconfig.base.json',
    compilerOptions: { module: 'node16', moduleResolution: 'node16', outDir: 'out/node16' },
    files: ['app.ts', 'legacy.cts'],
  }),
  'tsconfig.bundler.json': JSON.stringify({
    extends: './tsconfig.base.json',
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler', outDir: 'out/bundler' },
    files: ['app.ts'],
  }),
};

// NestJS 12 on the Express platform, written as a Nest app is (decorators, dependency injection).
const NEST_PACKAGES = ['@nestjs/common', '@nestjs/core', '@nestjs/passport', '@nestjs/platform-express'];

const NEST_APP = `
/** The emulator's URLs, provided by the module: a token to inject by. */
class EmulatorURLs {
  tokenInfoURL!: string;
  profileURL!: string;
}

@Injectable()
class Users {
  find(profile: AmazonProfile): User {
    return { id: profile.id };
  }
}

@Injectable()
class AmazonStrategy extends AmazonTokenStrategy<User> {
  constructor(
    private readonly users: Users,
    emu: EmulatorURLs,
  ) {
    super({ clientID: 'amzn1.application-oa2-client.consumer', ...emu, cache: false });
  }

  override validate(_accessToken: string, profile: AmazonProfile): User {
    return this.users.find(profile);
  }
}

@Controller('api')
class MeController {
  @Get('me')
  @UseGuards(AmazonTokenGuard)
  me(@Req() req: { user: User }): User {
    return req.user;
  }
}

async function check(): Promise<void> {
  const clientID = 'amzn1.application-oa2-client.consumer';
  const emu = await LwaEmulator.start();
  @Module({
    imports: [PassportModule],
    controllers: [MeController],
    providers: [Users, AmazonStrategy, { provide: EmulatorURLs, useValue: { tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL } }],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = \`\${await app.getUrl()}/api/me\`;
  try {
    const good = await fetch(url, { headers: { authorization: \`Bearer \${emu.mintToken({ clientID, userID: 'amzn1.account.NEST' })}\` } });
    assert.equal(good.status, 200);
    assert.deepEqual(await good.json(), { id: 'amzn1.account.NEST' });
    const noScope = await fetch(url, { headers: { authorization: \`Bearer \${emu.mintToken({ clientID, scopes: [] })}\` } });
    assert.equal(noScope.status, 403);
    assert.match(noScope.headers.get('www-authenticate') ?? '', /^Bearer realm="Users", error="insufficient_scope"/);
    emu.fault('tokeninfo', { kind: 'status', status: 500 });
    const down = await fetch(url, { headers: { authorization: \`Bearer \${emu.mintToken({ clientID })}\` } });
    assert.equal(down.status, 502);
    assert.deepEqual(await down.json(), { statusCode: 502, message: 'Bad Gateway', code: 'ERR_LWA_UPSTREAM_STATUS' });
  } finally {
    await app.close();
    await emu.close();
  }
}
`;

const NEST_IMPORTS = `import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import type { AmazonProfile } from 'passport-lwa-token';
import { AmazonTokenGuard, AmazonTokenStrategy } from 'passport-lwa-token/nestjs';
import { LwaEmulator } from 'passport-lwa-token/testing';

interface User {
  id: string;
}
`;

const NEST_FILES = {
  'app.ts': `import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
${NEST_IMPORTS}${NEST_APP}
await check();
const nestVersion = createRequire(import.meta.url)('@nestjs/core/package.json').version;
console.log(\`NestJS \${nestVersion} consumer (\${import.meta.url.includes('/bundler/') ? 'bundler' : 'node20, ESM'}): ok\`);
`,
  'legacy.cts': `import assert = require('node:assert/strict');
${NEST_IMPORTS}${NEST_APP}
check().then(
  () => console.log(\`NestJS \${require('@nestjs/core/package.json').version} consumer (node20, CommonJS): ok\`),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
`,
  // The Fastify entry needs neither fastify nor @fastify/passport to load.
  'fastify-entry.mjs': `import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { amazonTokenCallback } from 'passport-lwa-token/fastify';

assert.equal(typeof amazonTokenCallback, 'function');
assert.equal(createRequire(import.meta.url)('passport-lwa-token/fastify').amazonTokenCallback, amazonTokenCallback);
console.log('passport-lwa-token/fastify without Fastify: ok');
`,
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      types: ['node'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      skipLibCheck: false,
      noEmitOnError: true,
    },
  }),
  // NestJS 12 is ESM-only: a CommonJS file can import it under `module` node20 (require(esm)), not
  // node16. Under node16, the ES module alone, which loads the CommonJS build's declarations.
  'tsconfig.node20.json': JSON.stringify({
    extends: './tsconfig.base.json',
    compilerOptions: { module: 'node20', moduleResolution: 'node16', outDir: 'out/node20' },
    files: ['app.ts', 'legacy.cts'],
  }),
  'tsconfig.node16.json': JSON.stringify({
    extends: './tsconfig.base.json',
    compilerOptions: { module: 'node16', moduleResolution: 'node16', noEmit: true },
    files: ['app.ts'],
  }),
  'tsconfig.bundler.json': TS_FILES['tsconfig.bundler.json'],
};

main();
