/**
 * docs/doors.md's code is the code these tests run: each `// recipe: <name>` … `// end of recipe`
 * region of a test/doors/*.test.ts file is one TypeScript block of the document, verbatim but for
 * the package's import ('../../lib' there, 'passport-lwa-token' in the document), and the document
 * has no other TypeScript block. (scripts/check-docs.mjs type-checks the blocks against dist/.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Each recipe region of the door tests, as the document must show it. */
function recipes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of readdirSync(__dirname).filter((name) => name.endsWith('.test.ts'))) {
    const text = readFileSync(join(__dirname, file), 'utf8');
    for (const [, name, code] of text.matchAll(/^\/\/ recipe: (.+)\n([\s\S]*?)^\/\/ end of recipe$/gm)) {
      found.set(`${file}: ${name}`, code.replaceAll("from '../../lib'", "from 'passport-lwa-token'").trimEnd());
    }
  }
  return found;
}

/** The document's ```ts blocks. */
function tsBlocks(): string[] {
  const text = readFileSync(join(root, 'docs', 'doors.md'), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(([, code]) => code.trimEnd());
}

test('the door tests hold the recipes (Hono, Fetch handler, WebSocket, Alexa on Lambda, API Gateway authorizer)', () => {
  expect([...recipes().keys()].map((key) => key.replace(/^.*: /, '')).sort()).toEqual([
    'API Gateway authorizer',
    'Alexa on Lambda',
    'Fetch handler',
    'Hono',
    'WebSocket',
  ]);
});

test.each([...recipes()])('%s is a block of docs/doors.md, verbatim', (_name, code) => {
  expect(tsBlocks()).toContainEqual(code);
});

test('docs/doors.md has no TypeScript block that no test runs', () => {
  const tested = new Set(recipes().values());
  expect(tsBlocks().filter((block) => !tested.has(block))).toEqual([]);
});
