// The files the package ships, checked against package-files.txt: a file cannot join or leave the
// tarball unnoticed. `node scripts/package-files.mjs` (npm run check:files) fails
// on any difference; `--update` (npm run files:update) writes the list again, to review as a diff.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const listFile = join(root, 'package-files.txt');
// prepack runs as it does at publish time (a fresh build), so dist/'s leftovers (the reference)
// are not counted; its output comes before npm's JSON.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const out = execFileSync(npm, ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' });
const [pack] = JSON.parse(out.slice(out.search(/^\[/m)));
const packed = pack.files.map((f) => f.path).sort();

if (process.argv.includes('--update')) {
  writeFileSync(listFile, `${packed.join('\n')}\n`);
  console.log(`package-files.txt: ${packed.length} files`);
} else {
  const listed = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  const joined = packed.filter((path) => !listed.includes(path));
  const left = listed.filter((path) => !packed.includes(path));
  for (const path of joined) console.error(`+ ${path} (packed, not in package-files.txt)`);
  for (const path of left) console.error(`- ${path} (in package-files.txt, not packed)`);
  if (joined.length + left.length > 0) {
    console.error('the packed files differ from package-files.txt: review, then `npm run files:update`');
    process.exit(1);
  }
  console.log(`the ${packed.length} packed files are package-files.txt's`);
}
