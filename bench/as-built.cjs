/**
 * `node bench/as-built.cjs <file.ts> [args]`: runs a TypeScript file compiled as `tsc` compiles
 * the package (what `npm run build` ships), not through tsx. tsx's esbuild keeps function names by
 * calling a `__name()` helper each time a closure is created; on the authentication hot path that
 * costs about 2 µs an authentication, which a CPU measurement would otherwise count as ours.
 * Types are not checked here (`npm run typecheck` does).
 */
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  sourceMap: false,
};

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};

const [script, ...args] = process.argv.slice(2);
if (script === undefined) throw new TypeError('usage: node bench/as-built.cjs <file.ts> [args]');
process.argv = [process.argv[0], resolve(script), ...args];
require(resolve(script));
