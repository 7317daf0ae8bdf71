// Builds dist/: tsc compiles lib/ to CommonJS in dist/cjs, the files tsc leaves alone (a browser
// script the emulator reads at run time) are copied beside their modules, then each public entry
// gets an ESM wrapper in dist/esm that re-exports the CommonJS module (Node's "ES module wrapper"
// approach).
// One implementation for both module systems: `instanceof LwaError` holds whichever way the
// package was loaded, and there is no second copy of the code to drift from the first.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// Entries listed in package.json "exports" (the CommonJS file each ESM wrapper re-exports).
const entries = ['index', 'testing/index', 'adapters/nestjs/index', 'adapters/fastify/index'];
// Files under lib/ that ship as they are: the emulator serves its browser SDK stand-in from disk.
const assets = ['testing/browser-sdk.js'];

rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);

for (const asset of assets) copyFileSync(join(root, 'lib', asset), join(dist, 'cjs', asset));

const require = createRequire(import.meta.url);
for (const entry of entries) {
  const cjsFile = join(dist, 'cjs', `${entry}.js`);
  const names = Object.keys(require(cjsFile)).filter((name) => name !== 'default' && name !== '__esModule');
  if (names.length === 0) throw new Error(`${entry}: no named exports`);
  const esmFile = join(dist, 'esm', `${entry}.mjs`);
  mkdirSync(dirname(esmFile), { recursive: true });
  const from = relative(dirname(esmFile), cjsFile).split('\\').join('/');
  const spec = from.startsWith('.') ? from : `./${from}`;
  writeFileSync(
    esmFile,
    `// ESM entry: the CommonJS build, re-exported (one copy of each class for both module systems).\n` +
      `import cjs from '${spec}';\n\n` +
      `export const {\n${names.map((n) => `  ${n},\n`).join('')}} = cjs;\n`,
  );
  writeFileSync(esmFile.replace(/\.mjs$/, '.d.mts'), `export * from '${spec}';\n`);
}
console.log(`dist/cjs + ESM wrappers for ${entries.join(', ')}`);
