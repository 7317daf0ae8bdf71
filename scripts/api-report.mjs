// The public API as a reviewed file: api-extractor reads each public entry's built declarations
// (dist/cjs, after `npm run build`) and writes its report to api/<entry>.api.md.
// `node scripts/api-report.mjs` (npm run check:api) fails when the code's API differs from the
// committed reports; `--update` (npm run api:update) rewrites them, so an API change is a diff there.
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
// package.json "exports" → the declarations its `require` condition names (the ESM .d.mts re-export them).
const entries = {
  'passport-lwa-token': 'index.d.ts',
  testing: 'testing/index.d.ts',
  nestjs: 'adapters/nestjs/index.d.ts',
  fastify: 'adapters/fastify/index.d.ts',
};

let failed = false;
for (const [name, declarations] of Object.entries(entries)) {
  const mainEntryPointFilePath = join(root, 'dist/cjs', declarations);
  if (!existsSync(mainEntryPointFilePath)) throw new Error(`${mainEntryPointFilePath}: run \`npm run build\` first`);
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath,
      compiler: { tsconfigFilePath: join(root, 'tsconfig.build.json') },
      apiReport: {
        enabled: true,
        reportFileName: name,
        reportFolder: join(root, 'api'),
        reportTempFolder: join(root, '.tmp/api'),
        // Types the API names without exporting them (the store's CacheEntry, the events) are part of
        // it too: a change to their shape is a change a user sees.
        includeForgottenExports: true,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // The reference (typedoc) already fails on an undocumented export; the report is the API's shape.
        extractorMessageReporting: {
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: join(root, 'scripts/api-report.mjs'),
    packageJsonFullPath: join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  if (!result.succeeded) {
    failed = true;
    spawnSync('diff', ['-u', join(root, 'api', `${name}.api.md`), join(root, '.tmp/api', `${name}.api.md`)], {
      stdio: 'inherit',
    });
    console.error(
      `api/${name}.api.md: the public API differs from the report` +
        ` (the new one is .tmp/api/${name}.api.md): review it, then \`npm run api:update\``,
    );
  }
}
if (failed) process.exit(1);
console.log(update ? 'api/*.api.md written' : 'the public API matches api/*.api.md');
